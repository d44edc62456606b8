package dev.kj.rhino.crash;

import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.RhinoServer;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs Rhino in its own JVM for {@link CrashRecoveryTest}: {@code CrashServerMain DATA_DIR PORT [ENDPOINT]}
 * serves DATA_DIR (or the datastore ENDPOINT, e.g. postgres://...) on 127.0.0.1:PORT (0 = any free
 * port) and prints {@code RHINO_PORT=<port>} once it is serving. It never exits by itself; the test
 * kills it.
 */
final class CrashServerMain {
    static final String PORT_LINE = "RHINO_PORT=";

    private CrashServerMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2 && args.length != 3) {
            System.err.println("usage: CrashServerMain DATA_DIR PORT [ENDPOINT]");
            System.exit(2);
        }
        RhinoConfig config = RhinoConfig.defaults(Path.of(args[0]))
                .withListenClientUrls(List.of(URI.create("http://127.0.0.1:" + Integer.parseInt(args[1]))));
        if (args.length == 3 && !args[2].isEmpty()) {
            config = config.withEndpoint(args[2]);
        }
        RhinoServer server = RhinoServer.start(config);
        System.out.println(PORT_LINE + server.clientAddresses().get(0).getPort());
        System.out.flush();
        server.awaitTermination();
    }
}
