package dev.kj.apiserver.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.ApiServer;
import dev.kj.apiserver.ApiServerConfig;
import dev.kj.rhino.testing.Etcdctl;
import dev.kj.rhino.testing.RealEtcd;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;

/**
 * A kj API server for a test class, on the embedded Rhino or through --etcd-servers on a real etcd
 * (Debian's etcd 3.4), so that one suite can run its flows on either storage. On a real etcd the
 * stored keys can be read back with etcdctl.
 */
public final class ServerUnderTest implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ApiServer server;
    private final RealEtcd etcd;
    private final Etcdctl etcdctl;

    private ServerUnderTest(ApiServer server, RealEtcd etcd, Etcdctl etcdctl) {
        this.server = server;
        this.etcd = etcd;
        this.etcdctl = etcdctl;
    }

    /** As {@code kj server --data-dir dir/data}, without the workload controllers (see {@link TestServer#WITHOUT_WORKLOAD_CONTROLLERS}). */
    public static ServerUnderTest embedded(Path dir) throws IOException {
        return embedded(dir, TestServer.WITHOUT_WORKLOAD_CONTROLLERS);
    }

    /** The same with a --controllers selection. */
    public static ServerUnderTest embedded(Path dir, List<String> controllers) throws IOException {
        return new ServerUnderTest(ApiServer.start(new ApiServerConfig(dir.resolve("data"), List.of(), "127.0.0.1", 0)
                .withControllers(controllers)), null, null);
    }

    /** As {@code kj server --etcd-servers URL} on a real etcd started for the test (fails in CI, skips elsewhere when absent). */
    public static ServerUnderTest onRealEtcd(Path dir) throws IOException {
        RealEtcd etcd = RealEtcd.start();
        try {
            ApiServer server = ApiServer.start(new ApiServerConfig(dir.resolve("data"), List.of(etcd.clientUrl()), "127.0.0.1", 0)
                    .withControllers(TestServer.WITHOUT_WORKLOAD_CONTROLLERS));
            return new ServerUnderTest(server, etcd,
                    Etcdctl.forEndpoint(etcd.endpoint()).withEnv(Map.of("ETCDCTL_API", "3")));
        } catch (IOException | RuntimeException | Error e) {
            etcd.close();
            throw e;
        }
    }

    public ApiServer server() {
        return server;
    }

    public Path kubeconfig() {
        return server.kubeconfig();
    }

    /** etcdctl for the real etcd underneath; empty on the embedded Rhino. */
    public Optional<Etcdctl> etcdctl() {
        return Optional.ofNullable(etcdctl);
    }

    /**
     * On a real etcd: the JSON value stored at {@code key} (e.g. /registry/configmaps/default/x),
     * empty when the key is absent. On the embedded Rhino: empty, without looking.
     */
    public Optional<JsonNode> stored(String key) {
        if (etcdctl == null) {
            return Optional.empty();
        }
        Etcdctl.Result value = etcdctl.run("get", key, "--print-value-only");
        Assertions.assertTrue(value.ok(), () -> "etcdctl get " + key + ": " + value.stderr());
        if (value.stdout().isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readTree(value.stdout()));
        } catch (IOException e) {
            throw new UncheckedIOException("the value at " + key + " is not JSON: " + value.stdout(), e);
        }
    }

    /** Whether etcd is underneath, i.e. {@link #stored} looks. */
    public boolean onEtcd() {
        return etcdctl != null;
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            if (etcd != null) {
                etcd.close();
            }
        }
    }
}
