package dev.kj.rhino.differential;

import dev.kj.rhino.RhinoServer;
import dev.kj.rhino.testing.TestBackends;
import dev.kj.rhino.tls.ClientTls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/** An in-process Rhino on a free loopback port, state in its own directory. */
final class RhinoTarget implements Target {
    private final RhinoServer server;
    private final String endpoint;

    private RhinoTarget(RhinoServer server, String scheme) {
        this.server = server;
        InetSocketAddress bound = server.clientAddresses().getFirst();
        this.endpoint = scheme + "127.0.0.1:" + bound.getPort();
    }

    static Target start(Path dataDir) {
        try {
            return new RhinoTarget(RhinoServer.start(TestBackends.config(dataDir)
                    .withListenClientUrls(List.of(URI.create("http://127.0.0.1:0")))), "");
        } catch (IOException e) {
            throw new UncheckedIOException("could not start Rhino in " + dataDir, e);
        }
    }

    /** Rhino serving https with {@code tls}. */
    static Target startTls(Path dataDir, ClientTls tls) {
        try {
            return new RhinoTarget(RhinoServer.start(TestBackends.config(dataDir).withClientTls(tls)
                    .withListenClientUrls(List.of(URI.create("https://127.0.0.1:0")))), "https://");
        } catch (IOException e) {
            throw new UncheckedIOException("could not start Rhino in " + dataDir, e);
        }
    }

    @Override
    public String endpoint() {
        return endpoint;
    }

    @Override
    public String label() {
        return "rhino";
    }

    @Override
    public void close() {
        server.close();
    }
}
