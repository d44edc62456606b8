package dev.kj.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The version a resource's objects are stored in when it differs from the version served (upstream's
 * storage version): the store converts request bodies to it before its strategy sees them and
 * converts stored objects back for answers and watch events, so several versions share one set of
 * keys and the strategy sees one form.
 *
 * @param apiVersion the stored objects' apiVersion, e.g. {@code autoscaling/v2}
 */
public record StorageVersion(String apiVersion, Converter converter) {
    /** One resource's conversion between its served version and the storage version. */
    public interface Converter {
        /** A served-version object (apiVersion and kind set) in the storage version. */
        ObjectNode toStorage(ObjectNode served);

        /** A stored object in the served version (apiVersion and kind set). */
        ObjectNode fromStorage(ObjectNode stored);
    }
}
