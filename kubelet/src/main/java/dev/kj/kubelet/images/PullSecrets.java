package dev.kj.kubelet.images;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kj.api.objects.Json;
import dev.kj.kubelet.cri.v1.AuthConfig;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Registry credentials from a pod's imagePullSecrets ({@code kubernetes.io/dockerconfigjson}'s
 * {@code .dockerconfigjson} with its {@code auths}, or the older {@code .dockercfg}), matched to an
 * image's registry host as upstream's credentialprovider keyring does (scheme and path of the
 * key ignored; {@code docker.io} also under its index names).
 */
public final class PullSecrets {
    private PullSecrets() {
    }

    /** The registry host of an image reference: the first path part when it names a host, else docker.io. */
    public static String registryHost(String image) {
        int slash = image.indexOf('/');
        if (slash < 0) {
            return "docker.io";
        }
        String first = image.substring(0, slash);
        return first.contains(".") || first.contains(":") || first.equals("localhost") ? first : "docker.io";
    }

    /** The credentials in these secrets for the image's registry, in secret order. */
    public static List<AuthConfig> forImage(String image, List<Secret> secrets) {
        String host = registryHost(image);
        List<AuthConfig> out = new ArrayList<>();
        for (Secret secret : secrets) {
            Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
            JsonNode entries = null;
            if (data.containsKey(".dockerconfigjson")) {
                entries = decode(data.get(".dockerconfigjson")).path("auths");
            } else if (data.containsKey(".dockercfg")) {
                entries = decode(data.get(".dockercfg"));
            }
            if (entries == null || !entries.isObject()) {
                continue;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = entries.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                if (matches(normalize(entry.getKey()), host)) {
                    out.add(auth(host, entry.getValue()));
                }
            }
        }
        return out;
    }

    private static boolean matches(String key, String host) {
        if (key.equals(host)) {
            return true;
        }
        return host.equals("docker.io") && (key.equals("index.docker.io") || key.equals("registry-1.docker.io"));
    }

    private static String normalize(String key) {
        String k = key;
        int scheme = k.indexOf("://");
        if (scheme >= 0) {
            k = k.substring(scheme + 3);
        }
        int slash = k.indexOf('/');
        return slash < 0 ? k : k.substring(0, slash);
    }

    private static AuthConfig auth(String host, JsonNode entry) {
        String username = entry.path("username").asText("");
        String password = entry.path("password").asText("");
        String auth = entry.path("auth").asText("");
        if (username.isEmpty() && !auth.isEmpty()) {
            // "auth" is base64(user:password), as docker writes it.
            String decoded = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            if (colon >= 0) {
                username = decoded.substring(0, colon);
                password = decoded.substring(colon + 1);
            }
        }
        return AuthConfig.newBuilder().setServerAddress(host).setUsername(username).setPassword(password)
                .setIdentityToken(entry.path("identitytoken").asText("")).setRegistryToken(entry.path("registrytoken").asText(""))
                .build();
    }

    private static JsonNode decode(String base64) {
        try {
            return Json.TREES.readTree(Base64.getDecoder().decode(base64));
        } catch (java.io.IOException | IllegalArgumentException e) {
            return Json.TREES.createObjectNode();
        }
    }
}
