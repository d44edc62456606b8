package dev.kj.rhino.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scratch databases on the test PostgreSQL server: each {@link #freshDatabase()} is a new, empty
 * database {@code rhino_test_<epoch seconds>_<random>}, dropped when the JVM exits; databases that
 * an earlier, killed run left behind (older than an hour) are dropped on first use.
 */
public final class TestPostgres {
    private static final String PREFIX = "rhino_test_";
    private static final long LEFTOVER_AGE_SECONDS = 3_600;
    private static final Pattern URL = Pattern.compile("postgres(?:ql)?://(?:([^:@/]*)(?::([^@/]*))?@)?([^/?]+?)(?::(\\d+))?/?");
    private static final List<String> created = new ArrayList<>();
    private static boolean cleaned;

    private TestPostgres() {
    }

    /** The server URL (no database). */
    public static String serverUrl() {
        String url = System.getProperty("kj.test.postgres", System.getenv("KJ_TEST_POSTGRES"));
        return url == null || url.isBlank() ? "postgres://postgres@127.0.0.1:5432" : url.strip().replaceAll("/+$", "");
    }

    /** The endpoint of a new, empty database (rhino creates it on first connect). */
    public static synchronized String freshDatabase() {
        String server = Peers.requirePostgres();
        if (!cleaned) {
            cleaned = true;
            dropLeftovers(server);
            Runtime.getRuntime().addShutdownHook(new Thread(TestPostgres::dropCreated, "drop-test-databases"));
        }
        String name = PREFIX + System.currentTimeMillis() / 1000 + "_"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        created.add(name);
        return server + "/" + name;
    }

    /** Why the server cannot be used, or null when it can. */
    static String probe(String server) {
        try (Connection c = admin(server)) {
            return c.isValid(5) ? null : "connection not valid";
        } catch (SQLException | IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** A connection to the server's {@code postgres} database. */
    public static Connection admin(String server) throws SQLException {
        return connect(server, "postgres");
    }

    /** A connection to {@code database} on the server. */
    public static Connection connect(String server, String database) throws SQLException {
        Matcher m = URL.matcher(server);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a postgres://user@host:port URL: " + server);
        }
        Properties p = new Properties();
        p.setProperty("user", m.group(1) == null || m.group(1).isEmpty() ? System.getProperty("user.name") : m.group(1));
        if (m.group(2) != null) {
            p.setProperty("password", m.group(2));
        }
        p.setProperty("connectTimeout", "5");
        String port = m.group(4) == null ? "5432" : m.group(4);
        return DriverManager.getConnection("jdbc:postgresql://" + m.group(3) + ":" + port + "/" + database, p);
    }

    /** Drops one scratch database now (its connections are ended). */
    public static void drop(String database) {
        try (Connection c = admin(serverUrl()); Statement s = c.createStatement()) {
            s.executeUpdate("DROP DATABASE IF EXISTS \"" + database + "\" WITH (FORCE)");
        } catch (SQLException e) {
            System.err.println("could not drop test database " + database + ": " + e.getMessage());
        }
    }

    private static void dropLeftovers(String server) {
        long cutoff = System.currentTimeMillis() / 1000 - LEFTOVER_AGE_SECONDS;
        List<String> old = new ArrayList<>();
        try (Connection c = admin(server); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT datname FROM pg_database WHERE datname LIKE 'rhino\\_test\\_%'")) {
            while (rs.next()) {
                String name = rs.getString(1);
                String[] parts = name.substring(PREFIX.length()).split("_");
                try {
                    if (Long.parseLong(parts[0]) < cutoff) {
                        old.add(name);
                    }
                } catch (NumberFormatException notOurs) {
                    // a name we did not make: leave it
                }
            }
        } catch (SQLException e) {
            System.err.println("could not list leftover test databases: " + e.getMessage());
            return;
        }
        old.forEach(TestPostgres::drop);
    }

    private static synchronized void dropCreated() {
        created.forEach(TestPostgres::drop);
    }
}
