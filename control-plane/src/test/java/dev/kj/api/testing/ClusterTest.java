package dev.kj.api.testing;

import dev.kj.api.client.ApiClient;
import dev.kj.apiserver.ApiServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** A test class with one real API server for all its tests, and clients over both transports. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ClusterTest {
    protected TestCluster cluster;
    protected ApiServer server;
    protected ApiClient inProcess;

    /** The cluster the tests run against; by default an API server on an embedded Rhino. */
    protected TestCluster startCluster(Path dir) throws IOException {
        return TestCluster.start(dir);
    }

    @BeforeAll
    final void startClusterOnce(@TempDir Path dir) throws IOException {
        cluster = startCluster(dir);
        server = cluster.server;
        inProcess = cluster.inProcess;
    }

    @AfterAll
    final void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** For {@code @MethodSource("transports")}: "https" and "in-process". */
    protected Stream<String> transports() {
        return TestCluster.transports();
    }

    protected ApiClient client(String transport) {
        return cluster.client(transport);
    }
}
