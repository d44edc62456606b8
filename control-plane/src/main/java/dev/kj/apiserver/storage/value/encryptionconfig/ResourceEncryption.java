package dev.kj.apiserver.storage.value.encryptionconfig;

import dev.kj.apiserver.registry.ResourceCatalog;
import dev.kj.apiserver.registry.ResourceDescription;
import dev.kj.apiserver.storage.value.Identity;
import dev.kj.apiserver.storage.value.KeyTransformers;
import dev.kj.apiserver.storage.value.TransformationMetrics;
import dev.kj.apiserver.storage.value.Transformer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Each stored key's transformer for the API server: every resource's key prefix gets the
 * transformer the configuration gives its group and resource (identity, which refuses to read
 * encrypted values, when there is no configuration or no entry for it). Versions sharing a prefix
 * are one resource, the first served (core events before events.k8s.io, whose objects upstream
 * also stores as core events). The service range allocations are encrypted as upstream's
 * serviceipallocations and servicenodeportallocations stores are: only by a wildcard.
 */
public final class ResourceEncryption {
    private ResourceEncryption() {
    }

    /** @param configFile the --encryption-provider-config file, or null */
    public static KeyTransformers transformers(ResourceCatalog catalog, Path configFile, TransformationMetrics metrics) {
        EncryptionConfiguration config = null;
        if (configFile != null) {
            try {
                config = EncryptionConfiguration.load(configFile, metrics);
            } catch (EncryptionConfigException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
        Map<String, Transformer> byPrefix = new LinkedHashMap<>();
        for (ResourceDescription resource : catalog.resources()) {
            if (resource.stored() && !byPrefix.containsKey(resource.keyPrefix())) {
                byPrefix.put(resource.keyPrefix(), config == null ? Identity.INSTANCE
                        : config.forResource(resource.group(), resource.plural()));
            }
        }
        byPrefix.put("/registry/ranges/serviceips",
                config == null ? Identity.INSTANCE : config.forResource("", "serviceipallocations"));
        byPrefix.put("/registry/ranges/servicenodeports",
                config == null ? Identity.INSTANCE : config.forResource("", "servicenodeportallocations"));
        return new KeyTransformers(byPrefix);
    }
}
