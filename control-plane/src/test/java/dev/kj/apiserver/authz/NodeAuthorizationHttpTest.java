package dev.kj.apiserver.authz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.testing.TestServer;
import dev.kj.apiserver.testing.UserCertificates;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The Node authorizer and NodeRestriction for kubelets (certificates CN system:node:NAME, O system:nodes). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeAuthorizationHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestServer server;
    private HttpClient n1;
    private HttpClient n2;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        server = TestServer.start(dir);
        Path pki = dir.resolve("data").resolve("pki");
        n1 = UserCertificates.issue(pki, "system:node:n1", List.of("system:nodes")).client(pki);
        n2 = UserCertificates.issue(pki, "system:node:n2", List.of("system:nodes")).client(pki);
        for (String node : List.of("n1", "n2")) {
            created(send(server.admin(), "POST", "/api/v1/nodes", "{\"metadata\":{\"name\":\"" + node + "\"}}"));
        }
        for (String secret : List.of("s1", "s2")) {
            created(send(server.admin(), "POST", "/api/v1/namespaces/default/secrets", "{\"metadata\":{\"name\":\"" + secret + "\"}}"));
        }
        created(send(server.admin(), "POST", "/api/v1/namespaces/default/configmaps", "{\"metadata\":{\"name\":\"c1\"}}"));
        created(send(server.admin(), "POST", "/api/v1/namespaces/default/pods", """
                {"metadata":{"name":"p1"},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"i",
                "envFrom":[{"configMapRef":{"name":"c1"}}]}],"volumes":[{"name":"v","secret":{"secretName":"s1"}}]}}"""));
        created(send(server.admin(), "POST", "/api/v1/namespaces/default/pods", """
                {"metadata":{"name":"p2"},"spec":{"nodeName":"n2","containers":[{"name":"c","image":"i"}]}}"""));
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static void created(HttpResponse<String> response) {
        assertEquals(201, response.statusCode(), response.body());
    }

    private HttpResponse<String> send(HttpClient client, String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", method.equals("PATCH") ? "application/merge-patch+json" : "application/json");
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The graph follows the watch cache: a new pod's references count once the authorizer has seen it. */
    private void awaitStatus(HttpClient client, String path, int code) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int got;
        while ((got = send(client, "GET", path, null).statusCode()) != code) {
            if (System.nanoTime() > deadline) {
                fail(path + " answered " + got + ", not " + code);
            }
            Thread.sleep(100);
        }
    }

    private static String message(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body()).path("message").asText();
    }

    @Test
    void aNodeReadsWhatItsPodsUseAndNothingElse() throws Exception {
        awaitStatus(n1, "/api/v1/namespaces/default/secrets/s1", 200);
        awaitStatus(n1, "/api/v1/namespaces/default/configmaps/c1", 200);
        HttpResponse<String> other = send(n1, "GET", "/api/v1/namespaces/default/secrets/s2", null);
        assertEquals(403, other.statusCode());
        assertEquals("secrets \"s2\" is forbidden: User \"system:node:n1\" cannot get resource \"secrets\" in API group \"\" in"
                + " the namespace \"default\": no relationship found between node 'n1' and this object", message(other));
        assertEquals(403, send(n2, "GET", "/api/v1/namespaces/default/secrets/s1", null).statusCode());
        assertEquals(403, send(n1, "GET", "/api/v1/namespaces/default/secrets", null).statusCode());
        assertEquals(403, send(n1, "DELETE", "/api/v1/namespaces/default/secrets/s1", null).statusCode());
        // pods: its own, or a list by spec.nodeName
        assertEquals(200, send(n1, "GET", "/api/v1/namespaces/default/pods/p1", null).statusCode());
        assertEquals(403, send(n1, "GET", "/api/v1/namespaces/default/pods/p2", null).statusCode());
        assertEquals(200, send(n1, "GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1", null).statusCode());
        assertEquals(403, send(n1, "GET", "/api/v1/pods", null).statusCode());
        // its own Node only
        assertEquals(200, send(n1, "GET", "/api/v1/nodes/n1", null).statusCode());
        HttpResponse<String> node = send(n1, "GET", "/api/v1/nodes/n2", null);
        assertEquals(403, node.statusCode());
        assertEquals("nodes \"n2\" is forbidden: User \"system:node:n1\" cannot get resource \"nodes\" in API group \"\" at the"
                + " cluster scope: node 'n1' cannot read 'n2', only its own Node object", message(node));
        // its own Lease in kube-node-lease
        created(send(n1, "POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
                "{\"metadata\":{\"name\":\"n1\"},\"spec\":{\"holderIdentity\":\"n1\"}}"));
        assertEquals(200, send(n1, "GET", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1", null).statusCode());
        HttpResponse<String> lease = send(n1, "GET", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n2", null);
        assertEquals(403, lease.statusCode());
        assertEquals(403, send(n1, "GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/n1", null).statusCode());
        // what the system:node role grants everyone of them
        assertEquals(200, send(n1, "GET", "/api/v1/namespaces/default/services", null).statusCode());
        assertEquals(201, send(n1, "POST", "/api/v1/namespaces/default/events?dryRun=All", """
                {"metadata":{"name":"e"},"involvedObject":{"kind":"Node","name":"n1"},"reason":"R","message":"m"}""")
                .statusCode());
    }

    /** Pod → claim → bound volume → the secrets the volume's source names (its own namespace or the claim's). */
    @Test
    void aNodeReadsTheSecretsOfTheVolumesItsPodsClaim() throws Exception {
        created(send(server.admin(), "POST", "/api/v1/namespaces", "{\"metadata\":{\"name\":\"storage\"}}"));
        for (String secret : List.of("default/iscsi-chap", "storage/csi-publish", "storage/unrelated")) {
            String[] parts = secret.split("/");
            created(send(server.admin(), "POST", "/api/v1/namespaces/" + parts[0] + "/secrets",
                    "{\"metadata\":{\"name\":\"" + parts[1] + "\"}}"));
        }
        for (String volume : List.of("""
                {"metadata":{"name":"pv-iscsi"},"spec":{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],
                "claimRef":{"namespace":"default","name":"data"},"iscsi":{"targetPortal":"10.0.0.1:3260",
                "iqn":"iqn.2001-04.com.example:storage","lun":0,"secretRef":{"name":"iscsi-chap"}}}}""", """
                {"metadata":{"name":"pv-csi"},"spec":{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],
                "claimRef":{"namespace":"default","name":"scratch"},"csi":{"driver":"csi.example.com","volumeHandle":"h1",
                "nodePublishSecretRef":{"namespace":"storage","name":"csi-publish"}}}}""")) {
            created(send(server.admin(), "POST", "/api/v1/persistentvolumes", volume));
        }
        for (String claim : List.of("data/pv-iscsi", "scratch/pv-csi")) {
            String[] parts = claim.split("/");
            created(send(server.admin(), "POST", "/api/v1/namespaces/default/persistentvolumeclaims", """
                    {"metadata":{"name":"%s"},"spec":{"accessModes":["ReadWriteOnce"],"volumeName":"%s",
                    "resources":{"requests":{"storage":"1Gi"}}}}""".formatted(parts[0], parts[1])));
        }
        created(send(server.admin(), "POST", "/api/v1/namespaces/default/pods", """
                {"metadata":{"name":"p4"},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"i"}],
                "volumes":[{"name":"d","persistentVolumeClaim":{"claimName":"data"}},
                {"name":"s","persistentVolumeClaim":{"claimName":"scratch"}}]}}"""));
        awaitStatus(n1, "/api/v1/namespaces/default/secrets/iscsi-chap", 200);
        awaitStatus(n1, "/api/v1/namespaces/storage/secrets/csi-publish", 200);
        assertEquals(200, send(n1, "GET", "/api/v1/persistentvolumes/pv-csi", null).statusCode());
        assertEquals(403, send(n1, "GET", "/api/v1/namespaces/storage/secrets/unrelated", null).statusCode());
        assertEquals(403, send(n2, "GET", "/api/v1/namespaces/storage/secrets/csi-publish", null).statusCode());
    }

    /** upstream's admitServiceAccount: a kubelet's token must be bound, by uid, to a pod on that node. */
    @Test
    void aNodeGetsTokensOnlyForItsOwnPods() throws Exception {
        String path = "/api/v1/namespaces/default/serviceaccounts/default/token";
        awaitStatus(n1, "/api/v1/namespaces/default/pods/p1", 200);
        String p1 = JSON.readTree(send(server.admin(), "GET", "/api/v1/namespaces/default/pods/p1", null).body())
                .path("metadata").path("uid").asText();
        String p2 = JSON.readTree(send(server.admin(), "GET", "/api/v1/namespaces/default/pods/p2", null).body())
                .path("metadata").path("uid").asText();
        String request = "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\",\"spec\":{%s}}";
        String bound = "\"boundObjectRef\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"name\":\"%s\",\"uid\":\"%s\"}";
        HttpResponse<String> unbound = send(n1, "POST", path, request.formatted(""));
        assertEquals(403, unbound.statusCode(), unbound.body());
        assertEquals("serviceaccounts \"default\" is forbidden: node requested token not bound to a pod", message(unbound));
        HttpResponse<String> noUid = send(n1, "POST", path, request.formatted(bound.formatted("p1", "")));
        assertEquals("serviceaccounts \"default\" is forbidden: node requested token with a pod binding without a uid",
                message(noUid));
        HttpResponse<String> staleUid = send(n1, "POST", path, request.formatted(bound.formatted("p1", "0000")));
        assertEquals("serviceaccounts \"default\" is forbidden: the UID in the bound object reference (0000) does not match"
                + " the UID in record. The object might have been deleted and then recreated", message(staleUid));
        HttpResponse<String> elsewhere = send(n1, "POST", path, request.formatted(bound.formatted("p2", p2)));
        assertEquals(403, elsewhere.statusCode());
        assertEquals("serviceaccounts \"default\" is forbidden: node requested token bound to a pod scheduled on a different"
                + " node", message(elsewhere));
        assertEquals(404, send(n1, "POST", path, request.formatted(bound.formatted("gone", "1"))).statusCode());
        created(send(n1, "POST", path, request.formatted(bound.formatted("p1", p1))));
    }

    /** upstream's admitPVCStatus: a kubelet changes a claim's capacity and conditions, nothing else. */
    @Test
    void aNodeUpdatesOnlyCapacityAndConditionsOfItsPodsClaims() throws Exception {
        created(send(server.admin(), "POST", "/api/v1/namespaces/default/persistentvolumeclaims", """
                {"metadata":{"name":"grow"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}"""));
        created(send(server.admin(), "POST", "/api/v1/namespaces/default/pods", """
                {"metadata":{"name":"p5"},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"i"}],
                "volumes":[{"name":"d","persistentVolumeClaim":{"claimName":"grow"}}]}}"""));
        String status = "/api/v1/namespaces/default/persistentvolumeclaims/grow/status";
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        HttpResponse<String> capacity;
        do { // the graph follows the watch cache
            capacity = send(n1, "PATCH", status, "{\"status\":{\"capacity\":{\"storage\":\"2Gi\"}}}");
            Thread.sleep(capacity.statusCode() == 200 ? 0 : 100);
        } while (capacity.statusCode() != 200 && System.nanoTime() < deadline);
        assertEquals(200, capacity.statusCode(), capacity.body());
        HttpResponse<String> phase = send(n1, "PATCH", status, "{\"status\":{\"phase\":\"Lost\"}}");
        assertEquals(403, phase.statusCode());
        assertTrue(message(phase).startsWith("persistentvolumeclaims \"grow\" is forbidden: node \"n1\" is not allowed to"
                + " update fields other than status.capacity and status.conditions: "), message(phase));
        // another node's kubelet has no relationship with the claim at all
        assertEquals(403, send(n2, "PATCH", status, "{\"status\":{\"capacity\":{\"storage\":\"3Gi\"}}}").statusCode());
        // the pods' status rule still holds through the store's hook
        HttpResponse<String> foreign = send(n1, "PATCH", "/api/v1/namespaces/default/pods/p2/status",
                "{\"status\":{\"phase\":\"Running\"}}");
        assertEquals(403, foreign.statusCode());
    }

    @Test
    void aMirrorPodsOwnerIsItsNodeAsController() throws Exception {
        String n1Uid = JSON.readTree(send(server.admin(), "GET", "/api/v1/nodes/n1", null).body()).path("metadata").path("uid")
                .asText();
        String pod = """
                {"metadata":{"name":"%s","annotations":{"kubernetes.io/config.mirror":"x"},"ownerReferences":[%s]},
                "spec":{"nodeName":"n1","containers":[{"name":"c","image":"i"}]}}""";
        String owner = "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"name\":\"n1\",\"uid\":\"%s\",\"controller\":%s%s}";
        HttpResponse<String> notController = send(n1, "POST", "/api/v1/namespaces/default/pods",
                pod.formatted("m1", owner.formatted(n1Uid, "false", "")));
        assertEquals("pods \"m1\" is forbidden: node \"n1\" can only create pods with a controller owner reference set to"
                + " itself", message(notController));
        HttpResponse<String> blocking = send(n1, "POST", "/api/v1/namespaces/default/pods",
                pod.formatted("m1", owner.formatted(n1Uid, "true", ",\"blockOwnerDeletion\":true")));
        assertEquals("pods \"m1\" is forbidden: node \"n1\" must not set blockOwnerDeletion on an owner reference",
                message(blocking));
        HttpResponse<String> stale = send(n1, "POST", "/api/v1/namespaces/default/pods",
                pod.formatted("m1", owner.formatted("stale", "true", "")));
        assertEquals("pods \"m1\" is forbidden: node n1 UID mismatch: expected stale got " + n1Uid, message(stale));
        created(send(n1, "POST", "/api/v1/namespaces/default/pods", pod.formatted("m1", owner.formatted(n1Uid, "true", ""))));
    }

    @Test
    void nodeRestriction() throws Exception {
        HttpResponse<String> pod = send(n1, "POST", "/api/v1/namespaces/default/pods", """
                {"metadata":{"name":"p3"},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"i"}]}}""");
        assertEquals(403, pod.statusCode());
        assertEquals("pods \"p3\" is forbidden: pod does not have \"kubernetes.io/config.mirror\" annotation, node \"n1\" can"
                + " only create mirror pods", message(pod));
        HttpResponse<String> elsewhere = send(n1, "POST", "/api/v1/namespaces/default/pods", """
                {"metadata":{"name":"p3","annotations":{"kubernetes.io/config.mirror":"x"}},"spec":{"nodeName":"n2",
                "containers":[{"name":"c","image":"i"}]}}""");
        assertEquals(403, elsewhere.statusCode());
        assertEquals("pods \"p3\" is forbidden: node \"n1\" can only create pods with spec.nodeName set to itself", message(elsewhere));
        HttpResponse<String> secretUser = send(n1, "POST", "/api/v1/namespaces/default/pods", """
                {"metadata":{"name":"p3","annotations":{"kubernetes.io/config.mirror":"x"}},"spec":{"nodeName":"n1",
                "containers":[{"name":"c","image":"i"}],"volumes":[{"name":"v","secret":{"secretName":"s2"}}]}}""");
        assertEquals(403, secretUser.statusCode());
        // upstream runs the ServiceAccount plugin before NodeRestriction, and it refuses the secret first
        assertEquals("pods \"p3\" is forbidden: a mirror pod may not reference secrets", message(secretUser));
        created(send(n1, "POST", "/api/v1/namespaces/default/pods", """
                {"metadata":{"name":"p3","annotations":{"kubernetes.io/config.mirror":"x"}},"spec":{"nodeName":"n1",
                "containers":[{"name":"c","image":"i"}]}}"""));
        // other nodes and restricted labels
        HttpResponse<String> otherNode = send(n1, "PATCH", "/api/v1/nodes/n2", "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}");
        assertEquals(403, otherNode.statusCode());
        assertEquals("nodes \"n2\" is forbidden: node \"n1\" is not allowed to modify node \"n2\"", message(otherNode));
        HttpResponse<String> restricted = send(n1, "PATCH", "/api/v1/nodes/n1",
                "{\"metadata\":{\"labels\":{\"node-restriction.kubernetes.io/pool\":\"a\"}}}");
        assertEquals(403, restricted.statusCode());
        assertEquals("nodes \"n1\" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pool",
                message(restricted));
        assertEquals(200, send(n1, "PATCH", "/api/v1/nodes/n1",
                "{\"metadata\":{\"labels\":{\"kubernetes.io/os\":\"linux\",\"team\":\"a\"}}}").statusCode());
        HttpResponse<String> taints = send(n1, "PATCH", "/api/v1/nodes/n1",
                "{\"spec\":{\"taints\":[{\"key\":\"k\",\"effect\":\"NoSchedule\"}]}}");
        assertEquals(403, taints.statusCode());
        assertEquals("nodes \"n1\" is forbidden: node \"n1\" is not allowed to modify taints", message(taints));
        // pods bound elsewhere are not its to change or delete
        HttpResponse<String> status = send(n1, "PATCH", "/api/v1/namespaces/default/pods/p2/status",
                "{\"status\":{\"phase\":\"Running\"}}");
        assertEquals(403, status.statusCode());
        assertEquals("pods \"p2\" is forbidden: node \"n1\" can only update pod status for pods with spec.nodeName set to"
                + " itself", message(status));
        assertEquals(200, send(n1, "PATCH", "/api/v1/namespaces/default/pods/p1/status",
                "{\"status\":{\"phase\":\"Running\"}}").statusCode());
        HttpResponse<String> delete = send(n1, "DELETE", "/api/v1/namespaces/default/pods/p2", null);
        assertEquals(403, delete.statusCode());
        assertEquals("pods \"p2\" is forbidden: node \"n1\" can only delete pods with spec.nodeName set to itself", message(delete));
    }
}
