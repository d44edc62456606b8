package dev.kj.rhino;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RhinoServerTest {
    record DbCase(String name, String endpoint, Path dataDir, Path expected) {
        @Override public String toString() { return name; }
    }

    static Stream<DbCase> databaseFiles() {
        return Stream.of(
                new DbCase("absolute sqlite path", "sqlite:///var/lib/x/state.db", null, Path.of("/var/lib/x/state.db")),
                new DbCase("relative sqlite path", "sqlite://db/state.db", null, Path.of("db/state.db")),
                new DbCase("kine-style query parameters are ignored", "sqlite:///srv/k.db?_journal=WAL&cache=shared",
                        null, Path.of("/srv/k.db")));
    }

    @ParameterizedTest
    @MethodSource("databaseFiles")
    void databaseFileFollowsKineEndpoints(DbCase c) throws Exception {
        var config = new RhinoConfig("default", c.endpoint(), c.dataDir(),
                List.of(RhinoConfig.DEFAULT_CLIENT_URL), null, null, null, null);
        assertEquals(c.expected(), RhinoServer.databaseFile(config));
    }

    @org.junit.jupiter.api.Test
    void withoutEndpointTheDatabaseIsRhinoDbInAPrivateDataDir(@org.junit.jupiter.api.io.TempDir Path tmp)
            throws Exception {
        Path dataDir = tmp.resolve("data");
        assertEquals(dataDir.resolve("rhino.db"), RhinoServer.databaseFile(RhinoConfig.defaults(dataDir)));
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                java.nio.file.Files.getPosixFilePermissions(dataDir)));
    }

    @ParameterizedTest
    @MethodSource("rejectedEndpoints")
    void otherEndpointsAreRejected(String endpoint) {
        var config = new RhinoConfig("default", endpoint, null, List.of(RhinoConfig.DEFAULT_CLIENT_URL),
                null, null, null, null);
        var e = assertThrows(IllegalArgumentException.class, () -> RhinoServer.openBackend(config));
        assertTrue(e.getMessage().contains(endpoint), e.getMessage());
    }

    static Stream<String> rejectedEndpoints() {
        return Stream.of("mysql://u@localhost/db", "etcd://localhost:2379", "sqlite://", "/plain/path.db");
    }

    @ParameterizedTest
    @MethodSource("listenUrls")
    void listenUrlsBindTheirHostAndPort(String url, String host, int port) {
        InetSocketAddress address = RhinoServer.bindAddress(URI.create(url));
        assertEquals(host, address.getHostString());
        assertEquals(port, address.getPort());
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> listenUrls() {
        return Stream.of(
                org.junit.jupiter.params.provider.Arguments.of("http://127.0.0.1:2379", "127.0.0.1", 2379),
                org.junit.jupiter.params.provider.Arguments.of("http://[::1]:0", "0:0:0:0:0:0:0:1", 0),
                org.junit.jupiter.params.provider.Arguments.of("http://localhost:12379", "localhost", 12379),
                org.junit.jupiter.params.provider.Arguments.of("https://127.0.0.1:2379", "127.0.0.1", 2379));
    }

    @ParameterizedTest
    @MethodSource("badListenUrls")
    void badListenUrlsAreRefused(String url, String message) {
        var e = assertThrows(IllegalArgumentException.class, () -> RhinoServer.bindAddress(URI.create(url)));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> badListenUrls() {
        return Stream.of(
                org.junit.jupiter.params.provider.Arguments.of("unix:///run/rhino.sock", "unsupported listen URL"),
                org.junit.jupiter.params.provider.Arguments.of("http://127.0.0.1", "listen URL http://127.0.0.1 needs"));
    }
}
