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
            assertEquals(List.of("/registry/configmaps/default/over-tls"), keys.stdout().lines()
                    .filter(l -> !l.isBlank() && !bootstrapped(l)).toList());
        }
    }

    @TempDir
    Path dir;

    /**
     * The keys every cluster gets from its controllers and endpoint reconciler (checked in
     * {@link #bootstrapObjectsLandUnderUpstreamsKeys}), left out of the exact listings.
     */
    private static boolean bootstrapped(String key) {
        return key.matches("/registry/configmaps/[^/]+/kube-root-ca\\.crt|/registry/serviceaccounts/[^/]+/default"
                + "|/registry/leases/kube-system/kube-controller-manager|/registry/leases/kube-system/kube-scheduler"
                + "|/registry/priorityclasses/system-(cluster|node)-critical|/registry/masterleases/.*"
                + "|/registry/services/endpoints/default/kubernetes|/registry/endpointslices/default/kubernetes");
    }

    /** Objects every server makes at startup: the above and the bootstrap RBAC policy. */
    private static boolean startup(String key) {
        return bootstrapped(key) || key.startsWith("/registry/clusterroles/") || key.startsWith("/registry/clusterrolebindings/")
                || NAMESPACED_POLICY.contains(key);
    }

    /** The bootstrap policy's Roles and RoleBindings in kube-system and kube-public, under upstream's keys. */
    private static final java.util.Set<String> NAMESPACED_POLICY = java.util.stream.Stream.concat(
            dev.kj.apiserver.authz.rbac.BootstrapPolicy.namespaceRoles().stream()
                    .map(r -> "/registry/roles/" + r.namespace() + "/" + r.role().name()),
            dev.kj.apiserver.authz.rbac.BootstrapPolicy.namespaceRoleBindings().stream()
                    .map(b -> "/registry/rolebindings/" + b.namespace() + "/" + b.name()))
            .collect(java.util.stream.Collectors.toSet());

    @Test
    void bootstrapObjectsLandUnderUpstreamsKeys() throws Exception {
        try (RealEtcd etcd = RealEtcd.start();
             ApiServer server = ApiServer.start(new ApiServerConfig(dir.resolve("boot"), List.of(etcd.clientUrl()),
                     "127.0.0.1", 0).withControllers(dev.kj.apiserver.testing.TestServer.WITHOUT_WORKLOAD_CONTROLLERS).withAdvertiseAddress("192.0.2.77"))) {
            Etcdctl etcdctl = Etcdctl.forEndpoint(etcd.endpoint()).withEnv(java.util.Map.of("ETCDCTL_API", "3"));
            List<String> expected = new java.util.ArrayList<>(List.of("/registry/endpointslices/default/kubernetes",
                    "/registry/leases/kube-system/kube-controller-manager", "/registry/leases/kube-system/kube-scheduler",
                    "/registry/masterleases/192.0.2.77", "/registry/priorityclasses/system-cluster-critical",
                    "/registry/priorityclasses/system-node-critical", "/registry/services/endpoints/default/kubernetes"));
            for (String ns : ApiServer.SYSTEM_NAMESPACES) {
                expected.add("/registry/configmaps/" + ns + "/kube-root-ca.crt");
                expected.add("/registry/serviceaccounts/" + ns + "/default");
            }
            java.util.Collections.sort(expected);
            dev.kj.controllers.Await.until("the bootstrap objects in etcd", () -> etcdctl.run("get", "/registry/",
                    "--prefix", "--keys-only").stdout().lines().filter(RealEtcdTest::bootstrapped).sorted().toList()
                    .equals(expected));
            JsonNode lease = JSON.readTree(etcdctl.run("get", "/registry/masterleases/192.0.2.77", "--print-value-only")
                    .stdout());
            assertEquals("Endpoints", lease.path("kind").asText());
            assertEquals("192.0.2.77", lease.path("subsets").path(0).path("addresses").path(0).path("ip").asText());
            JsonNode withLease = JSON.readTree(etcdctl.run("get", "/registry/masterleases/192.0.2.77", "-w", "json").stdout());
            assertTrue(withLease.path("kvs").path(0).path("lease").asLong() != 0, "the key expires with its etcd lease");
        }
    }

    @Test
    void kubectlWritesLandUnderRegistryKeysInEtcd() throws Exception {
        try (RealEtcd etcd = RealEtcd.start();
             ApiServer server = ApiServer.start(new ApiServerConfig(dir.resolve("data"),
                     List.of(etcd.clientUrl()), "127.0.0.1", 0).withControllers(dev.kj.apiserver.testing.TestServer.WITHOUT_WORKLOAD_CONTROLLERS))) {
            Etcdctl etcdctl = Etcdctl.forEndpoint(etcd.endpoint()).withEnv(java.util.Map.of("ETCDCTL_API", "3"));
            Kubectl kubectl = Kubectl.require("kubectl", server.kubeconfig(), dir);

            kubectl.run("create", "configmap", "settings", "--from-literal=color=blue").ok();
            kubectl.run("create", "secret", "generic", "token", "-n", "kube-system", "--from-literal=t=s3cr3t").ok();
            kubectl.run("label", "cm", "settings", "app=demo").ok();

            Etcdctl.Result keys = etcdctl.run("get", "/registry/", "--prefix", "--keys-only");
            assertTrue(keys.ok(), keys.stderr());
            List<String> all = keys.stdout().lines().filter(l -> !l.isBlank()).toList();
            // the bootstrap RBAC policy lives under upstream's keys too; the rest is what kubectl wrote
            assertTrue(all.contains("/registry/clusterroles/cluster-admin"), all.toString());
            assertTrue(all.contains("/registry/clusterrolebindings/system:discovery"), all.toString());
            assertTrue(all.containsAll(NAMESPACED_POLICY), all.toString());
            assertTrue(all.contains("/registry/roles/kube-system/extension-apiserver-authentication-reader"), all.toString());
            assertTrue(all.contains("/registry/rolebindings/kube-public/system:controller:bootstrap-signer"), all.toString());
            List<String> listed = all.stream().filter(l -> !startup(l))
                    // the join token's bootstrap Secret has a random id
                    .map(l -> l.matches("/registry/secrets/kube-system/bootstrap-token-[a-z0-9]{6}")
                            ? "/registry/secrets/kube-system/bootstrap-token-<id>" : l).toList();
            assertEquals(List.of(
                    "/registry/configmaps/default/settings",
                    "/registry/namespaces/default",
                    "/registry/namespaces/kube-node-lease",
                    "/registry/namespaces/kube-public",
                    "/registry/namespaces/kube-system",
                    "/registry/ranges/serviceips",
                    "/registry/ranges/servicenodeports",
                    "/registry/secrets/kube-system/bootstrap-token-<id>",
                    "/registry/secrets/kube-system/token",
                    "/registry/services/specs/default/kubernetes"), listed);

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

    /** Keys and stored versions of the resources whose versions share storage, as upstream writes them. */
    @Test
    void multiVersionResourcesUseUpstreamKeysAndStorageVersions() throws Exception {
        try (RealEtcd etcd = RealEtcd.start();
             ApiServer server = ApiServer.start(new ApiServerConfig(dir.resolve("data-mv"),
                     List.of(etcd.clientUrl()), "127.0.0.1", 0).withControllers(dev.kj.apiserver.testing.TestServer.WITHOUT_WORKLOAD_CONTROLLERS))) {
            Etcdctl etcdctl = Etcdctl.forEndpoint(etcd.endpoint()).withEnv(java.util.Map.of("ETCDCTL_API", "3"));
            Kubectl kubectl = Kubectl.require("kubectl", server.kubeconfig(), dir);
            Path manifest = dir.resolve("mv.yaml");
            java.nio.file.Files.writeString(manifest, """
                    apiVersion: autoscaling/v1
                    kind: HorizontalPodAutoscaler
                    metadata: {name: web}
                    spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, maxReplicas: 4,
                      targetCPUUtilizationPercentage: 70}
                    ---
                    apiVersion: events.k8s.io/v1
                    kind: Event
                    metadata: {name: web.1}
                    eventTime: "2026-01-01T00:00:00.000000Z"
                    reportingController: kj-test
                    reportingInstance: kj-test-1
                    action: Testing
                    reason: Tested
                    regarding: {kind: Pod, namespace: default, name: web}
                    note: stored as core
                    type: Normal
                    ---
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: web}
                    spec: {containers: [{name: c, image: nginx}]}
                    ---
                    apiVersion: v1
                    kind: Service
                    metadata: {name: web}
                    spec: {type: ClusterIP, ports: [{port: 80, protocol: TCP}]}
                    ---
                    apiVersion: apiextensions.k8s.io/v1
                    kind: CustomResourceDefinition
                    metadata: {name: widgets.example.com}
                    spec:
                      group: example.com
                      names: {plural: widgets, singular: widget, kind: Widget}
                      scope: Namespaced
                      versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]
                    """);
            kubectl.run("create", "-f", manifest.toString()).ok();
            List<String> keys = etcdctl.run("get", "/registry/", "--prefix", "--keys-only").stdout().lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("/registry/namespaces/") && !l.startsWith("/registry/ranges/")
                            && !startup(l) && !l.startsWith("/registry/secrets/kube-system/bootstrap-token-")
                            // the scheduler's FailedScheduling event for the pod (no node exists), named as client-go names events
                            && !l.matches("/registry/events/default/web\\.[0-9a-f]{16}")).toList();
            assertEquals(List.of("/registry/apiextensions.k8s.io/customresourcedefinitions/widgets.example.com",
                    "/registry/events/default/web.1", "/registry/horizontalpodautoscalers/default/web",
                    "/registry/pods/default/web", "/registry/services/specs/default/kubernetes",
                    "/registry/services/specs/default/web"), keys);
            // the service's cluster IP is a bit of the RangeAllocation, encoded as upstream's
            JsonNode service = JSON.readTree(etcdctl.run("get", "/registry/services/specs/default/web", "--print-value-only").stdout());
            String[] ip = service.path("spec").path("clusterIP").asText().split("\\.");
            int index = Integer.parseInt(ip[2]) * 256 + Integer.parseInt(ip[3]) - 1;
            JsonNode range = JSON.readTree(etcdctl.run("get", "/registry/ranges/serviceips", "--print-value-only").stdout());
            assertEquals("10.43.0.0/16", range.path("range").asText());
            java.math.BigInteger bitmap = new java.math.BigInteger(1, java.util.Base64.getDecoder().decode(range.path("data").asText()));
            assertEquals(java.math.BigInteger.ONE.or(java.math.BigInteger.ONE.shiftLeft(index)), bitmap,
                    "bit 0 (10.43.0.1, kubernetes) and the web service's bit");
            JsonNode hpa = JSON.readTree(etcdctl.run("get", "/registry/horizontalpodautoscalers/default/web",
                    "--print-value-only").stdout());
            assertEquals("autoscaling/v2", hpa.path("apiVersion").asText());
            assertEquals(70, hpa.path("spec").path("metrics").get(0).path("resource").path("target").path("averageUtilization").asInt());
            assertTrue(hpa.path("metadata").path("resourceVersion").isMissingNode());
            JsonNode event = JSON.readTree(etcdctl.run("get", "/registry/events/default/web.1", "--print-value-only").stdout());
            assertEquals("v1", event.path("apiVersion").asText());
            assertEquals("stored as core", event.path("message").asText());
            assertEquals("kj-test", event.path("reportingComponent").asText());
            assertTrue(event.path("firstTimestamp").isNull());
            JsonNode lease = JSON.readTree(etcdctl.run("get", "/registry/events/default/web.1", "-w", "json").stdout());
            assertTrue(lease.path("kvs").get(0).path("lease").asLong() != 0, "events.k8s.io events expire like core events");
            JsonNode crd = JSON.readTree(etcdctl.run("get", "/registry/apiextensions.k8s.io/customresourcedefinitions/"
                    + "widgets.example.com", "--print-value-only").stdout());
            assertEquals("[\"v1\"]", crd.path("status").path("storedVersions").toString());
        }
    }
}
