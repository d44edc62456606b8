package dev.kj.rhino.backend.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A parsed {@code redis://[user:password@]host[:port][/db][?options]} or {@code rediss://} (TLS)
 * endpoint. Rhino's own options: {@code prefix} (default {@code rhino:}) names the keys, so several
 * stores can share one database; {@code unsafe-no-fsync=true} accepts a server that does not make
 * writes durable before answering (etcd's {@code --unsafe-no-fsync}); for {@code rediss://},
 * {@code cacert} (PEM file of the CAs to trust instead of the JVM's) and {@code cert} + {@code key}
 * (PEM client certificate and PKCS#8 key, when the server asks for one). Other options go to
 * Lettuce ({@code timeout}, {@code clientName}, {@code verifyPeer}).
 *
 * @param description where the data lives, without credentials ("redis://127.0.0.1:6379/0 (prefix rhino:)")
 */
record RedisEndpoint(RedisURI uri, String prefix, boolean unsafeNoFsync, Path caCert, Path clientCert,
                     Path clientKey, String description) {
    static final String DEFAULT_PREFIX = "rhino:";
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    static RedisEndpoint parse(String endpoint) {
        URI url;
        try {
            url = new URI(endpoint);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("invalid redis endpoint: " + e.getReason()
                    + "; expected redis://[user:password@]host:port/db");
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("redis") && !scheme.equals("rediss")) {
            throw new IllegalArgumentException("not a redis endpoint: expected redis:// or rediss://");
        }
        if (url.getHost() == null || url.getHost().isEmpty()) {
            throw new IllegalArgumentException("redis endpoint names no host; expected redis://host:port/db");
        }
        String path = url.getPath() == null ? "" : url.getPath();
        int database = 0;
        if (!path.isEmpty() && !path.equals("/")) {
            try {
                database = Integer.parseInt(path.substring(1));
            } catch (NumberFormatException e) {
                database = -1;
            }
            if (database < 0) {
                throw new IllegalArgumentException("redis endpoint path \"" + path
                        + "\" is not a database number; expected redis://host:port/0");
            }
        }
        String prefix = DEFAULT_PREFIX;
        boolean unsafeNoFsync = false;
        Path caCert = null;
        Path clientCert = null;
        Path clientKey = null;
        List<String> passOn = new ArrayList<>();
        if (url.getRawQuery() != null) {
            for (String option : url.getRawQuery().split("&")) {
                if (option.isEmpty()) {
                    continue;
                }
                int eq = option.indexOf('=');
                String name = eq < 0 ? option : option.substring(0, eq);
                String value = eq < 0 ? "" : java.net.URLDecoder.decode(option.substring(eq + 1),
                        java.nio.charset.StandardCharsets.UTF_8);
                switch (name) {
                    case "prefix" -> {
                        if (value.isEmpty()) {
                            throw new IllegalArgumentException("redis endpoint option prefix must not be empty");
                        }
                        prefix = value;
                    }
                    case "unsafe-no-fsync" -> unsafeNoFsync = value.isEmpty() || Boolean.parseBoolean(value);
                    case "cacert" -> caCert = readable(name, value);
                    case "cert" -> clientCert = readable(name, value);
                    case "key" -> clientKey = readable(name, value);
                    case "database", "db" -> throw new IllegalArgumentException(
                            "give the redis database as the path (redis://host:port/N), not as ?" + name);
                    default -> passOn.add(option);
                }
            }
        }
        if ((caCert != null || clientCert != null || clientKey != null) && !scheme.equals("rediss")) {
            throw new IllegalArgumentException("redis endpoint options cacert, cert and key need rediss:// (TLS)");
        }
        if ((clientCert == null) != (clientKey == null)) {
            throw new IllegalArgumentException("redis endpoint options cert and key go together");
        }
        int port = url.getPort() < 0 ? RedisURI.DEFAULT_REDIS_PORT : url.getPort();
        StringBuilder lettuce = new StringBuilder(scheme).append("://");
        if (url.getRawUserInfo() != null) {
            lettuce.append(url.getRawUserInfo()).append('@');
        }
        lettuce.append(url.getHost()).append(':').append(port).append('/').append(database);
        if (!passOn.isEmpty()) {
            lettuce.append('?').append(String.join("&", passOn));
        }
        RedisURI uri;
        try {
            uri = RedisURI.create(lettuce.toString());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid redis endpoint: " + e.getMessage());
        }
        if (passOn.stream().noneMatch(o -> o.startsWith("timeout="))) {
            uri.setTimeout(DEFAULT_TIMEOUT);
        }
        uri.setClientName("rhino");
        String description = scheme + "://" + url.getHost() + ":" + port + "/" + database + " (prefix " + prefix + ")";
        return new RedisEndpoint(uri, prefix, unsafeNoFsync, caCert, clientCert, clientKey, description);
    }

    private static Path readable(String option, String value) {
        Path file = Path.of(value);
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("redis endpoint option " + option + ": cannot read " + value);
        }
        return file;
    }

    /** Lettuce's TLS settings for the cacert/cert/key options, or null to use its defaults. */
    SslOptions sslOptions() {
        if (caCert == null && clientCert == null) {
            return null;
        }
        SslOptions.Builder ssl = SslOptions.builder().jdkSslProvider();
        if (caCert != null) {
            ssl.trustManager(caCert.toFile());
        }
        if (clientCert != null) {
            ssl.keyManager(clientCert.toFile(), clientKey.toFile(), null);
        }
        return ssl.build();
    }
}
