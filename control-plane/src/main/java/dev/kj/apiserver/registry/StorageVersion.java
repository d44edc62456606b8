package dev.kj.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * The version a resource's objects are stored in when it differs from the version served, or when
 * the store may hold objects of other versions (upstream's storage version and decoding of any
 * stored version): the store converts request bodies to it before its strategy sees them and
 * converts stored objects back for answers and watch events, so several versions share one set of
 * keys and the strategy sees one form.
 *
 * @param apiVersion the stored objects' apiVersion, e.g. {@code autoscaling/v2}
 * @param converter  between the served version and the storage version
 * @param readable   other versions objects may have been stored in (by older servers), with the
 *                   converter that brings each into the storage version ({@link Converter#toStorage})
 */
public record StorageVersion(String apiVersion, Converter converter, Map<String, Converter> readable) {
    public StorageVersion {
        readable = Map.copyOf(readable);
    }

    public StorageVersion(String apiVersion, Converter converter) {
        this(apiVersion, converter, Map.of());
    }

    /** One resource's conversion between its served version and the storage version. */
    public interface Converter {
        /** A served-version object (apiVersion and kind set) in the storage version. */
        ObjectNode toStorage(ObjectNode served);

        /** A stored object in the served version (apiVersion and kind set). */
        ObjectNode fromStorage(ObjectNode stored);

        /** For the storage version itself. */
        Converter IDENTITY = new Converter() {
            @Override
            public ObjectNode toStorage(ObjectNode served) {
                return served;
            }

            @Override
            public ObjectNode fromStorage(ObjectNode stored) {
                return stored;
            }
        };
    }
}
