package dev.kj.apiserver.fieldmanager;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.schema.Type;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The versions one kind's objects can be seen in, reached from the storage version by conversion.
 * Each managedFields entry holds field paths of the version its manager wrote in (upstream's
 * VersionedSet), so ownership is compared in that version: the object is converted to it first.
 *
 * @param storage the version the objects handed to the {@link FieldManager} are in
 * @param views   every version the manager can convert to, the storage version included
 */
public record Versions(String storage, Map<String, View> views) {
    public Versions {
        views = Map.copyOf(views);
        if (!views.containsKey(storage)) {
            throw new IllegalArgumentException("no view of the storage version " + storage);
        }
    }

    /** One version: its type and the conversions between it and the storage version. */
    public record View(String apiVersion, Type type, UnaryOperator<ObjectNode> fromStorage,
                       UnaryOperator<ObjectNode> toStorage) {
        /** The storage version itself. */
        public static View identity(String apiVersion, Type type) {
            return new View(apiVersion, type, UnaryOperator.identity(), UnaryOperator.identity());
        }

        boolean isIdentity() {
            return fromStorage == UnaryOperator.<ObjectNode>identity();
        }
    }

    /** A kind served and stored in one version. */
    public static Versions single(String apiVersion, Type type) {
        return new Versions(apiVersion, Map.of(apiVersion, View.identity(apiVersion, type)));
    }

    /**
     * The view of {@code apiVersion}; the storage version's when the version cannot be converted
     * to (an entry written by an older server for a version no longer served).
     */
    public View view(String apiVersion) {
        View view = views.get(apiVersion);
        return view != null ? view : views.get(storage);
    }
}
