package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.testing.Kubectl;
import dev.kj.rhino.testing.Etcdctl;
import dev.kj.rhino.testing.RealEtcd;
import dev.kj.rhino.testing.TestCerts;
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

    @Test
    void etcdOverTlsWithAClientCertificate() throws Exception {
        TestCerts ca = TestCerts.newCa(dir.resolve("certs"), "etcd-ca");
        TestCerts.Pair server = ca.server("etcd", TestCerts.KeyFormat.PKCS8_EC);
        TestCerts.Pair client = ca.client("kube-apiserver-etcd-client", TestCerts.KeyFormat.PKCS8_EC);
        try (RealEtcd etcd = RealEtcd.startTls(List.of("--cert-file", server.cert().toString(),
                "--key-file", server.key().toString(), "--trusted-ca-file", ca.caFile().toString(), "--client-cert-auth"));
             ApiServer server2 = ApiServer.start(new ApiServerConfig(dir.resolve("data-tls"), List.of(etcd.clientUrl()),
                     "127.0.0.1", 0, ApiServerConfig.DEFAULT_COMPACTION_INTERVAL,
                     new ApiServerConfig.EtcdTls(ca.caFile(), client.cert(), client.key()), null))) {
            Kubectl kubectl = Kubectl.require("kubectl", server2.kubeconfig(), dir);
            kubectl.run("create", "configmap", "over-tls", "--from-literal=a=b").ok();
            Etcdctl etcdctl = Etcdctl.forEndpoint(etcd.endpoint()).withEnv(java.util.Map.of("ETCDCTL_API", "3"))
                    .withGlobalFlags(List.of("--cacert", ca.caFile().toString(), "--cert", client.cert().toString(),
                            "--key", client.key().toString()));
            Etcdctl.Result keys = etcdctl.run("get", "/registry/configmaps/", "--prefix", "--keys-only");
            assertTrue(keys.ok(), keys.stderr());
            assertEquals("/registry/configmaps/default/over-tls", keys.stdout().strip());
        }
    }

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
