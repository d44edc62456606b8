package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.testing.Kubectl;
import dev.kj.rhino.testing.Etcdctl;
import dev.kj.rhino.testing.RealEtcd;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kj server on a real etcd (Debian's etcd 3.4) through --etcd-servers: the same storage code path
 * as on the embedded Rhino, with keys and JSON values where upstream's API server puts them.
 */
class RealEtcdTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void kubectlWritesLandUnderRegistryKeysInEtcd() throws Exception {
        try (RealEtcd etcd = RealEtcd.start();
             ApiServer server = ApiServer.start(new ApiServerConfig(dir.resolve("data"),
                     List.of(etcd.clientUrl()), "127.0.0.1", 0))) {
            Etcdctl etcdctl = Etcdctl.forEndpoint(etcd.endpoint()).withEnv(java.util.Map.of("ETCDCTL_API", "3"));
            Kubectl kubectl = Kubectl.require("kubectl", server.kubeconfig(), dir);

            kubectl.run("create", "configmap", "settings", "--from-literal=color=blue", "--validate=false").ok();
            kubectl.run("create", "secret", "generic", "token", "-n", "kube-system", "--from-literal=t=s3cr3t").ok();
            kubectl.run("label", "cm", "settings", "app=demo").ok();

            Etcdctl.Result keys = etcdctl.run("get", "/registry/", "--prefix", "--keys-only");
            assertTrue(keys.ok(), keys.stderr());
            List<String> listed = keys.stdout().lines().filter(l -> !l.isBlank()).toList();
            assertEquals(List.of(
                    "/registry/configmaps/default/settings",
                    "/registry/namespaces/default",
                    "/registry/namespaces/kube-node-lease",
                    "/registry/namespaces/kube-public",
                    "/registry/namespaces/kube-system",
                    "/registry/secrets/kube-system/token"), listed);

            Etcdctl.Result value = etcdctl.run("get", "/registry/configmaps/default/settings", "--print-value-only");
            JsonNode stored = JSON.readTree(value.stdout());
            assertEquals("ConfigMap", stored.path("kind").asText());
            assertEquals("blue", stored.path("data").path("color").asText());
            assertEquals("demo", stored.path("metadata").path("labels").path("app").asText());

            // resourceVersion is etcd's mod_revision of the key
            Etcdctl.Result revision = etcdctl.run("get", "/registry/configmaps/default/settings", "-w", "json");
            long modRevision = JSON.readTree(revision.stdout()).path("kvs").get(0).path("mod_revision").asLong();
            JsonNode served = JSON.readTree(kubectl.run("get", "cm", "settings", "-o", "json").ok().stdout());
            assertEquals(Long.toString(modRevision), served.path("metadata").path("resourceVersion").asText());

            // a delete through the API removes the key
            kubectl.run("delete", "cm", "settings").ok();
            assertEquals("", etcdctl.run("get", "/registry/configmaps/default/settings").stdout().strip());
        }
    }
}
