package dev.kj.controllers.garbagecollector;

import dev.kj.api.client.ApiResource;
import dev.kj.api.client.DiscoveryClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * apiVersion + kind → the resource serving them, from discovery of every served version (what
 * client-go's deferred discovery REST mapper answers for owner references). A kind it does not
 * know makes it read discovery again, at most once a second, before giving up, so a resource that
 * appeared meanwhile is found.
 */
final class RestMapper {
    private static final Duration MIN_REFRESH = Duration.ofSeconds(1);

    private final DiscoveryClient discovery;
    private final Clock clock;
    private Map<String, ApiResource> byKind = Map.of();
    private Instant refreshedAt = Instant.EPOCH;

    RestMapper(DiscoveryClient discovery, Clock clock) {
        this.discovery = discovery;
        this.clock = clock;
    }

    /** A reference whose apiVersion and kind no served resource has. */
    static final class MappingException extends Exception {
        MappingException(String apiVersion, String kind) {
            super("unable to get REST mapping for " + kind + "." + apiVersion, null, false, false);
        }
    }

    synchronized ApiResource resourceFor(String apiVersion, String kind) throws MappingException {
        ApiResource found = byKind.get(apiVersion + "|" + kind);
        if (found == null && Duration.between(refreshedAt, clock.instant()).compareTo(MIN_REFRESH) >= 0) {
            reset();
            found = byKind.get(apiVersion + "|" + kind);
        }
        if (found == null) {
            throw new MappingException(apiVersion, kind);
        }
        return found;
    }

    /** Forgets what it knew and reads discovery again (upstream's restMapper.Reset on a resource sync). */
    synchronized void reset() {
        refreshedAt = clock.instant();
        Map<String, ApiResource> mapped = new HashMap<>();
        for (ApiResource resource : discovery.serverResources().resources()) {
            if (!resource.isSubresource()) {
                mapped.putIfAbsent(resource.apiVersion() + "|" + resource.kind(), resource);
            }
        }
        byKind = mapped;
    }
}
