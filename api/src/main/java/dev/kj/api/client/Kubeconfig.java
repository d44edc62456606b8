package dev.kj.api.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A kubeconfig file (clientcmd's v1 Config): clusters, users and contexts by name, and the
 * current context. Certificate and key data may be embedded (base64 {@code *-data}) or named by
 * path, relative paths being relative to the file, as client-go resolves them.
 */
public record Kubeconfig(String currentContext, Map<String, Cluster> clusters, Map<String, User> users,
                         Map<String, Context> contexts) {
    public Kubeconfig {
        clusters = Map.copyOf(clusters);
        users = Map.copyOf(users);
        contexts = Map.copyOf(contexts);
    }

    /**
     * @param certificateAuthority PEM bytes, null to trust the JDK's roots
     */
    public record Cluster(URI server, byte[] certificateAuthority, boolean insecureSkipTlsVerify) {
    }

    /**
     * @param clientCertificate PEM bytes (the chain), null without a certificate
     * @param clientKey         PEM bytes: PKCS#8, PKCS#1 RSA or SEC 1 EC
     * @param token             a bearer token, or null
     * @param tokenFile         a file holding the bearer token, re-read as it changes; or null
     */
    public record User(byte[] clientCertificate, byte[] clientKey, String token, Path tokenFile) {
    }

    /** @param namespace null when the context names none */
    public record Context(String cluster, String user, String namespace) {
    }

    /** What one context resolves to: where to connect and as whom. */
    public record Connection(String context, Cluster cluster, User user, String namespace) {
    }

    private static final YAMLMapper YAML = new YAMLMapper();

    public static Kubeconfig load(Path file) throws IOException {
        JsonNode root = YAML.readTree(Files.readAllBytes(file));
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": not a kubeconfig (expected a YAML mapping)");
        }
        Path base = file.toAbsolutePath().getParent();
        Map<String, Cluster> clusters = new LinkedHashMap<>();
        for (JsonNode named : root.path("clusters")) {
            JsonNode cluster = named.path("cluster");
            String server = cluster.path("server").asText("");
            clusters.put(named.path("name").asText(), new Cluster(server.isEmpty() ? null : URI.create(server),
                    bytes(file, base, cluster, "certificate-authority"),
                    cluster.path("insecure-skip-tls-verify").asBoolean(false)));
        }
        Map<String, User> users = new LinkedHashMap<>();
        for (JsonNode named : root.path("users")) {
            JsonNode user = named.path("user");
            String tokenFile = user.path("tokenFile").asText("");
            users.put(named.path("name").asText(), new User(bytes(file, base, user, "client-certificate"),
                    bytes(file, base, user, "client-key"), text(user, "token"),
                    tokenFile.isEmpty() ? null : base.resolve(tokenFile)));
        }
        Map<String, Context> contexts = new LinkedHashMap<>();
        for (JsonNode named : root.path("contexts")) {
            JsonNode context = named.path("context");
            contexts.put(named.path("name").asText(), new Context(context.path("cluster").asText(""),
                    context.path("user").asText(""), text(context, "namespace")));
        }
        return new Kubeconfig(root.path("current-context").asText(""), clusters, users, contexts);
    }

    /** The current context's connection. */
    public Connection current() throws IOException {
        if (currentContext.isEmpty()) {
            throw new IOException("invalid configuration: no current-context is set");
        }
        return connection(currentContext);
    }

    public Connection connection(String contextName) throws IOException {
        Context context = contexts.get(contextName);
        if (context == null) {
            throw new IOException("context was not found for specified context: " + contextName);
        }
        Cluster cluster = clusters.get(context.cluster());
        if (cluster == null) {
            throw new IOException("cluster \"" + context.cluster() + "\" not found for context " + contextName);
        }
        if (cluster.server() == null) {
            throw new IOException("invalid configuration: no server found for cluster \"" + context.cluster() + "\"");
        }
        User user = context.user().isEmpty() ? new User(null, null, null, null) : users.get(context.user());
        if (user == null) {
            throw new IOException("user \"" + context.user() + "\" not found for context " + contextName);
        }
        return new Connection(contextName, cluster, user, context.namespace());
    }

    /** {@code <field>-data} (base64) wins over {@code <field>} (a path), as in client-go. */
    private static byte[] bytes(Path file, Path base, JsonNode node, String field) throws IOException {
        String data = node.path(field + "-data").asText("");
        if (!data.isEmpty()) {
            try {
                return Base64.getMimeDecoder().decode(data);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": " + field + "-data is not base64: " + e.getMessage());
            }
        }
        String path = node.path(field).asText("");
        return path.isEmpty() ? null : Files.readAllBytes(base.resolve(path));
    }

    private static String text(JsonNode node, String field) {
        String value = node.path(field).asText("");
        return value.isEmpty() ? null : value;
    }
}
