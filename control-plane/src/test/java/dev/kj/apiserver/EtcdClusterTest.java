package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.apiserver.testing.Kubectl;
import dev.kj.rhino.testing.RealEtcd;
import dev.kj.rhino.testing.RealEtcdCluster;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kj server on a real three-member etcd 3.4 cluster through every --etcd-servers URL: requests
 * spread over the members, and when one is killed kubectl keeps working and a running watch moves
 * to another member without losing events.
 */
class EtcdClusterTest {
    @TempDir
    Path dir;

    @Test
    void usesEveryMemberAndSurvivesLosingOne() throws Exception {
        try (RealEtcdCluster etcd = RealEtcdCluster.start(3);
             ApiServer server = ApiServer.start(new ApiServerConfig(dir.resolve("data"), etcd.clientUrls(), "127.0.0.1", 0))) {
            Kubectl kubectl = Kubectl.require("kubectl", server.kubeconfig(), dir);
            for (int i = 0; i < 12; i++) {
                kubectl.run("create", "configmap", "spread-" + i, "--from-literal=i=" + i).ok();
            }
            for (RealEtcd member : etcd.members()) {
                assertTrue(handled(member, "Range") + handled(member, "Txn") > 0,
                        "round robin reached member " + member.clientUrl() + ":\n" + member.metrics());
            }

            try (Kubectl.Streaming watch = kubectl.stream("get", "configmaps", "-w", "--no-headers",
                    "-o", "custom-columns=NAME:.metadata.name", "--field-selector", "metadata.name=after-kill")) {
                RealEtcd watched = awaitWatchHolder(etcd);
                etcd.kill(watched);
                kubectl.run("create", "configmap", "after-kill", "--from-literal=a=b").ok();
                assertEquals("after-kill", watch.nextLine(40).strip(), "the watch resumed on a live member");
                assertTrue(!watched.isAlive() && awaitWatchHolder(etcd) != watched, "the stream is on another member now");
            }
            List<String> names = kubectl.run("get", "configmaps", "-o", "name").ok().stdout().lines()
                    .filter(name -> !name.equals("configmap/kube-root-ca.crt")).toList();
            assertEquals(13, names.size(), names.toString());
            kubectl.run("delete", "configmap", "spread-0").ok();
            kubectl.run("label", "configmap", "spread-1", "still=working").ok();

            // a server started while one listed member is down uses the others
            try (ApiServer second = ApiServer.start(new ApiServerConfig(dir.resolve("data2"), etcd.clientUrls(), "127.0.0.1", 0))) {
                Kubectl other = Kubectl.require("kubectl", second.kubeconfig(), dir);
                assertEquals("configmap/spread-1", other.run("get", "configmaps", "-l", "still=working", "-o", "name")
                        .ok().stdout().strip());
            }
        }
    }

    /** The live member kj's only watch stream is on, found through etcd's own gauge of watch streams. */
    private static RealEtcd awaitWatchHolder(RealEtcdCluster etcd) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (RealEtcd member : etcd.members().stream().filter(RealEtcd::isAlive).toList()) {
                if (gauge(member.metrics(), "etcd_debugging_mvcc_watch_stream_total") > 0) {
                    return member;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no member reports a watch stream");
    }

    private static long handled(RealEtcd member, String method) {
        Matcher handled = Pattern.compile("^grpc_server_handled_total\\{grpc_code=\"OK\",grpc_method=\"" + method
                + "\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} (\\S+)$", Pattern.MULTILINE).matcher(member.metrics());
        return handled.find() ? (long) Double.parseDouble(handled.group(1)) : 0;
    }

    private static long gauge(String metrics, String name) {
        Matcher value = Pattern.compile("^" + Pattern.quote(name) + " (\\S+)$", Pattern.MULTILINE).matcher(metrics);
        return value.find() ? (long) Double.parseDouble(value.group(1)) : 0;
    }
}
