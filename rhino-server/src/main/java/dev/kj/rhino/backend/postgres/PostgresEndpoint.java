package dev.kj.rhino.backend.postgres;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * A PostgreSQL datastore URL as kine spells it: {@code postgres://user[:password]@host[:port]/db[?k=v&...]}
 * ({@code postgresql://} too). The port defaults to 5432 and the database to {@code kubernetes}
 * (kine's default); the user defaults to the login name, as libpq's does. Query parameters are
 * pgjdbc connection properties ({@code sslmode}, {@code sslrootcert}, {@code connectTimeout}, ...).
 */
public record PostgresEndpoint(String host, int port, String database, String user, String password,
                               Map<String, String> parameters) {
    public static final int DEFAULT_PORT = 5432;
    public static final String DEFAULT_DATABASE = "kubernetes";

    public PostgresEndpoint {
        parameters = Map.copyOf(parameters);
    }

    /** Parses {@code endpoint}; bad input is an {@link IllegalArgumentException} that names the problem. */
    public static PostgresEndpoint parse(String endpoint) {
        URI uri;
        try {
            uri = new URI(endpoint.strip());
        } catch (URISyntaxException e) {
            throw bad(endpoint, e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("postgres") && !scheme.equals("postgresql")) {
            throw bad(endpoint, "the scheme must be postgres:// or postgresql://");
        }
        if (uri.getRawAuthority() == null || uri.getHost() == null) {
            throw bad(endpoint, "no host (or the host or port is malformed)");
        }
        String user = System.getProperty("user.name");
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String info = uri.getRawUserInfo();
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            password = colon < 0 ? null : decode(info.substring(colon + 1));
            if (user.isEmpty()) {
                throw bad(endpoint, "empty user name");
            }
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
        if (port < 1 || port > 65_535) {
            throw bad(endpoint, "port " + port + " is out of range");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String database = path.isEmpty() || path.equals("/") ? DEFAULT_DATABASE : decode(path.substring(1));
        if (database.contains("/")) {
            throw bad(endpoint, "the path must be a single database name");
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        if (uri.getRawQuery() != null && !uri.getRawQuery().isEmpty()) {
            for (String pair : uri.getRawQuery().split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                if (name.equals("user") || name.equals("password")) {
                    throw bad(endpoint, "give the " + name + " before the host, not as a parameter");
                }
                parameters.put(name, value);
            }
        }
        return new PostgresEndpoint(host, port, database, user, password, parameters);
    }

    /** The JDBC URL of {@code db} on this server (credentials travel as properties, not in the URL). */
    String jdbcUrl(String db) {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "jdbc:postgresql://" + h + ":" + port + "/" + encodeDb(db);
    }

    /** User, password and the endpoint's parameters, for the driver. */
    Properties properties() {
        Properties p = new Properties();
        parameters.forEach(p::setProperty);
        p.setProperty("user", user);
        if (password != null) {
            p.setProperty("password", password);
        }
        p.putIfAbsent("ApplicationName", "kj-rhino");
        p.putIfAbsent("connectTimeout", "10");
        return p;
    }

    /** For logs and errors: never the password. */
    @Override
    public String toString() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "postgres://" + user + "@" + h + ":" + port + "/" + database;
    }

    private static String encodeDb(String db) {
        return java.net.URLEncoder.encode(db, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad percent-encoding in \"" + s + "\"");
        }
    }

    private static IllegalArgumentException bad(String endpoint, String why) {
        return new IllegalArgumentException("invalid PostgreSQL endpoint " + redact(endpoint)
                + ": " + why + " (expected postgres://user[:password]@host[:port]/database[?sslmode=...])");
    }

    /** The endpoint with any password replaced, for error messages. */
    static String redact(String endpoint) {
        return endpoint.replaceFirst("^([^:/]+://[^:@/]*):[^@/]*@", "$1:***@");
    }
}
