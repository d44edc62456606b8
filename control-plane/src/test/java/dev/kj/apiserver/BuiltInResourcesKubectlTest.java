package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.apiserver.testing.Kubectl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Pods, services, HPAs, CSRs and events with every stock kubectl on the machine: create -f, columns, approve, events. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BuiltInResourcesKubectlTest {
    private Path dir;
    private ApiServer server;

    @BeforeAll
    void start(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        server = ApiServer.start(new ApiServerConfig(dir.resolve("data"), List.of(), "127.0.0.1", 0).withControllers(dev.kj.apiserver.testing.TestServer.WITHOUT_WORKLOAD_CONTROLLERS));
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33", "kubectl"})
    void podsServicesAutoscalersAndCertificates(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String ns = "res-" + version.replace(".", "");
        String csr = "csr-" + version.replace(".", "");
        Path manifest = dir.resolve(ns + ".yaml");
        Files.writeString(manifest, """
                apiVersion: v1
                kind: Namespace
                metadata: {name: NS}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: web, namespace: NS}
                spec:
                  containers: [{name: web, image: nginx}, {name: log, image: busybox}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: db, namespace: NS}
                spec:
                  type: ClusterIP
                  selector: {app: db}
                  ports: [{port: 5432, protocol: TCP}]
                ---
                apiVersion: autoscaling/v1
                kind: HorizontalPodAutoscaler
                metadata: {name: web, namespace: NS}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
                  minReplicas: 1
                  maxReplicas: 5
                  targetCPUUtilizationPercentage: 60
                ---
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata: {name: api, namespace: NS}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
                  maxReplicas: 3
                  metrics:
                  - type: Pods
                    pods: {metric: {name: qps}, target: {type: AverageValue, averageValue: "100"}}
                ---
                apiVersion: certificates.k8s.io/v1
                kind: CertificateSigningRequest
                metadata: {name: CSR}
                spec:
                  request: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIc01JR1NBZ0VBTURBeEZ6QVZCZ05WQkFNTURuTjVjM1JsYlRwdWIyUmxPbTR4TVJVd0V3WURWUVFLREF4egplWE4wWlcwNmJtOWtaWE13V1RBVEJnY3Foa2pPUFFJQkJnZ3Foa2pPUFFNQkJ3TkNBQVFnRTBLU3kxTGJOUXNYCnhjeGIzQzFqM3V4NERNeU1LbEtSM0UvcS9EcExsbDduMk4zY3A5ZklwY3QraWhEUWNNK1ZtcHkvQmsxNFN4bzAKeFEraStBTGhvQUF3Q2dZSUtvWkl6ajBFQXdJRFNRQXdSZ0loQUpOMDR1eXRBU3lTbkpDOXJmOVF0ZDBzR3NvdApQRDBoOWFqa1JIR0VzNm9MQWlFQTlYS0dpRVZyM1F5WWsvc1JVcnVPWnVEM3lpbEx2eU56R2xscHFyeVVvSmc9Ci0tLS0tRU5EIENFUlRJRklDQVRFIFJFUVVFU1QtLS0tLQo=
                  signerName: kubernetes.io/kube-apiserver-client
                  usages: [client auth]
                ---
                apiVersion: v1
                kind: Event
                metadata: {name: web.1, namespace: NS}
                involvedObject: {kind: Pod, namespace: NS, name: web}
                reason: Pulled
                message: pulled nginx
                type: Normal
                source: {component: kubelet}
                firstTimestamp: "2026-01-01T00:00:00Z"
                lastTimestamp: "2026-01-01T00:00:00Z"
                count: 1
                """.replace("NS", ns).replace("CSR", csr));
        kubectl.run("create", "-f", manifest.toString()).ok();

        assertEquals(List.of(List.of("NAME", "READY", "STATUS", "RESTARTS", "AGE"), List.of("web", "0/2", "Pending", "0", "<age>")),
                table(kubectl.run("get", "pods", "-n", ns).ok().stdout()));
        assertEquals(List.of(List.of("NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"),
                        List.of("web", "0/2", "Pending", "0", "<age>", "<none>", "<none>", "<none>", "<none>")),
                table(kubectl.run("get", "po", "-n", ns, "-o", "wide").ok().stdout()));
        String clusterIp = kubectl.run("get", "svc", "db", "-n", ns, "-o", "jsonpath={.spec.clusterIP}").ok().stdout();
        assertTrue(clusterIp.matches("10\\.43\\.\\d+\\.\\d+"), clusterIp);
        assertEquals(List.of(List.of("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"),
                        List.of("db", "ClusterIP", clusterIp, "<none>", "5432/TCP", "<age>", "app=db")),
                table(kubectl.run("get", "svc", "-n", ns, "-o", "wide").ok().stdout()));
        assertEquals(List.of(List.of("NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"),
                        List.of("api", "Deployment/api", "<unknown>/100", "1", "3", "0", "<age>"),
                        List.of("web", "Deployment/web", "cpu: <unknown>/60%", "1", "5", "0", "<age>")),
                table(kubectl.run("get", "hpa", "-n", ns).ok().stdout()));
        // both versions by path (kubectl 1.29+ reads hpa.v1.autoscaling as the preferred v2)
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertEquals(60, json.readTree(kubectl.run("get", "--raw", "/apis/autoscaling/v1/namespaces/" + ns
                + "/horizontalpodautoscalers/web").ok().stdout()).path("spec").path("targetCPUUtilizationPercentage").asInt());
        assertEquals("Utilization", kubectl.run("get", "hpa", "web", "-n", ns, "-o",
                "jsonpath={.spec.metrics[0].resource.target.type}").ok().stdout());
        String all = kubectl.run("get", "all", "-n", ns, "-o", "name").ok().stdout();
        assertTrue(all.contains("pod/web") && all.contains("service/db")
                && all.contains("horizontalpodautoscaler.autoscaling/web"), all);

        assertEquals(List.of(List.of("NAME", "AGE", "SIGNERNAME", "REQUESTOR", "REQUESTEDDURATION", "CONDITION"),
                        List.of(csr, "<age>", "kubernetes.io/kube-apiserver-client", "kubernetes-admin", "<none>", "Pending")),
                table(kubectl.run("get", "csr", csr).ok().stdout()));
        // kubectl 1.32+ sends the approval as protobuf
        assertEquals("certificatesigningrequest.certificates.k8s.io/" + csr + " approved",
                kubectl.run("certificate", "approve", csr).ok().stdout().strip());
        assertEquals("KubectlApprove", kubectl.run("get", "csr", csr, "-o",
                "jsonpath={.status.conditions[0].reason}").ok().stdout());
        // typed generators: protobuf bodies with 1.32+
        kubectl.run("create", "service", "clusterip", "gen", "-n", ns, "--tcp=80:8080").ok();
        assertEquals("80/TCP", table(kubectl.run("get", "svc", "gen", "-n", ns).ok().stdout()).get(1).get(4));
        kubectl.run("run", "runner", "-n", ns, "--image=busybox", "--restart=Never").ok();
        assertEquals("Pending", table(kubectl.run("get", "pod", "runner", "-n", ns).ok().stdout()).get(1).get(2));
        kubectl.run("expose", "pod", "runner", "-n", ns, "--port=80", "--name=exposed").ok();
        kubectl.run("create", "deployment", "scaled", "-n", ns, "--image=nginx").ok();
        kubectl.run("autoscale", "deployment", "scaled", "-n", ns, "--max=4", "--cpu-percent=70").ok();
        assertEquals("cpu: <unknown>/70%", table(kubectl.run("get", "hpa", "scaled", "-n", ns).ok().stdout()).get(1).get(2));
        assertEquals("Approved", table(kubectl.run("get", "csr", csr).ok().stdout()).get(1).get(5));

        // the server's event Table and kubectl events' own printing show the same event (Normal ones: the
        // scheduler, finding no node for the pods, records Warning FailedScheduling events meanwhile)
        assertEquals(List.of(List.of("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"),
                        List.of("<age>", "Normal", "Pulled", "pod/web", "pulled nginx")),
                table(kubectl.run("get", "events", "-n", ns, "--field-selector", "type=Normal").ok().stdout()));
        assertEquals(List.of(List.of("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"),
                        List.of("<age>", "Normal", "Pulled", "Pod/web", "pulled nginx")),
                table(kubectl.run("events", "-n", ns, "--types=Normal").ok().stdout()));
        assertEquals("pulled nginx", json.readTree(kubectl.run("get", "--raw", "/apis/events.k8s.io/v1/namespaces/" + ns
                + "/events/web.1").ok().stdout()).path("note").asText());

        kubectl.run("delete", "csr", csr).ok();
        kubectl.run("delete", "namespace", ns).ok();
    }

    /** kubectl's column output split on runs of spaces, AGE cells (e.g. 3s, 2m5s, 340d) replaced by {@code <age>}. */
    private static List<List<String>> table(String output) {
        return output.lines().map(line -> java.util.Arrays.stream(line.trim().split("\\s{2,}"))
                .map(cell -> cell.matches("\\d+[smhdy](\\d+[smhd])?") ? "<age>" : cell).toList()).toList();
    }
}
