package dev.kj.rhino.jetcd;

import dev.kj.rhino.RhinoServer;
import dev.kj.rhino.testing.TempDirs;
import dev.kj.rhino.testing.TestBackends;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A Rhino on a free loopback port with a scratch data dir, plus the jetcd clients a test opened
 * against it; closing closes the clients, then the server, then deletes the data.
 */
final class InProcessRhino implements AutoCloseable {
    private final Path dataDir;
    private final RhinoServer server;
    private final List<Client> clients = new ArrayList<>();

    private InProcessRhino(Path dataDir, RhinoServer server) {
        this.dataDir = dataDir;
        this.server = server;
    }

    static InProcessRhino start() {
        Path dir;
        try {
            dir = Files.createTempDirectory("kj-rhino-jetcd-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            RhinoServer server = RhinoServer.start(TestBackends.config(dir.resolve("data"))
                    .withListenClientUrls(List.of(URI.create("http://127.0.0.1:0"))));
            return new InProcessRhino(dir, server);
        } catch (IOException | RuntimeException e) {
            TempDirs.deleteRecursively(dir);
            throw new IllegalStateException("rhino did not start", e);
        }
    }

    String endpoint() {
        InetSocketAddress address = server.clientAddresses().get(0);
        return "http://127.0.0.1:" + address.getPort();
    }

    /** A new jetcd client; closed with this server. */
    synchronized Client newClient() {
        Client client = Client.builder().endpoints(endpoint()).build();
        clients.add(client);
        return client;
    }

    /** A new jetcd client whose keys live under {@code namespace}. */
    synchronized Client newClient(ByteSequence namespace) {
        Client client = Client.builder().endpoints(endpoint()).namespace(namespace).build();
        clients.add(client);
        return client;
    }

    RhinoServer server() {
        return server;
    }

    @Override
    public synchronized void close() {
        clients.forEach(Client::close);
        clients.clear();
        server.close();
        TempDirs.deleteRecursively(dataDir);
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    static String text(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }

    /** A key no other test uses, so tests sharing a server do not see each other's writes. */
    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID() + "/";
    }
}
