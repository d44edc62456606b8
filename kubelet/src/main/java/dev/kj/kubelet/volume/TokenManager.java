package dev.kj.kubelet.volume;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Service-account tokens for projected volumes, as upstream's kubelet token manager: requested
 * through the TokenRequest API ({@code POST serviceaccounts/<sa>/token}) bound to the pod, cached,
 * and requested again once 80% of the token's lifetime (less a jitter of up to 10 s) has passed or
 * it is 24 h old. A refresh that fails keeps serving the cached token until it expires.
 */
final class TokenManager {
    static final Duration MAX_TTL = Duration.ofHours(24);
    private static final int MAX_JITTER_SECONDS = 10;

    private final ApiClient api;
    private final Clock clock;
    private final Map<Key, Token> cache = new ConcurrentHashMap<>();

    TokenManager(ApiClient api, Clock clock) {
        this.api = api;
        this.clock = clock;
    }

    /** What identifies a token: who it is for and what it is bound to. */
    record Key(String namespace, String serviceAccount, String audience, long expirationSeconds, String podName, String podUid) {
    }

    record Token(String token, Instant expiration, long expirationSeconds) {
        Instant issued() {
            return expiration.minusSeconds(expirationSeconds);
        }
    }

    String token(Key key) throws VolumeError {
        Token cached = cache.get(key);
        if (cached != null && !requiresRefresh(cached)) {
            return cached.token();
        }
        Token fresh;
        try {
            fresh = request(key);
        } catch (ApiException | UncheckedIOException e) {
            if (cached == null) {
                throw new VolumeError("failed to fetch token: " + e.getMessage(), e);
            }
            if (!clock.instant().isBefore(cached.expiration())) {
                throw new VolumeError("token " + key + " expired and refresh failed: " + e.getMessage(), e);
            }
            System.getLogger(TokenManager.class.getName()).log(System.Logger.Level.WARNING,
                    "Couldn't update token for " + key + ": " + e.getMessage());
            return cached.token();
        }
        cache.put(key, fresh);
        return fresh.token();
    }

    /** Forgets the tokens bound to a pod (its volumes are gone). */
    void forget(String podUid) {
        cache.keySet().removeIf(key -> key.podUid().equals(podUid));
    }

    boolean requiresRefresh(Token token) {
        Instant now = clock.instant();
        long jitter = ThreadLocalRandom.current().nextLong(MAX_JITTER_SECONDS + 1);
        if (now.isAfter(token.issued().plus(MAX_TTL).minusSeconds(jitter))) {
            return true;
        }
        return now.isAfter(token.expiration().minusSeconds(token.expirationSeconds() * 20 / 100 + jitter));
    }

    private Token request(Key key) {
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode body = json.objectNode();
        body.put("apiVersion", "authentication.k8s.io/v1");
        body.put("kind", "TokenRequest");
        ObjectNode spec = body.putObject("spec");
        if (!key.audience().isEmpty()) {
            spec.putArray("audiences").add(key.audience());
        }
        spec.put("expirationSeconds", key.expirationSeconds());
        ObjectNode bound = spec.putObject("boundObjectRef");
        bound.put("apiVersion", "v1");
        bound.put("kind", "Pod");
        bound.put("name", key.podName());
        bound.put("uid", key.podUid());
        ObjectNode answer = api.generic(Resources.SERVICE_ACCOUNTS).create(key.namespace(), key.serviceAccount(), "token", body);
        com.fasterxml.jackson.databind.JsonNode status = answer.path("status");
        long seconds = answer.path("spec").path("expirationSeconds").asLong(key.expirationSeconds());
        return new Token(status.path("token").asText(), Instant.parse(status.path("expirationTimestamp").asText()), seconds);
    }
}
