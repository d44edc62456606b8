package dev.kj.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.kubelet.testing.CriTestbed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a workload sees of the all-in-one node's kubelet and controllers together, driven with stock
 * kubectl as a user would: a Job runs to completion, a failing liveness probe restarts a container,
 * readiness gates the Service's EndpointSlice, a configMap volume follows an update, kubectl cp works
 * both ways, and set image → rollout → undo. One server for the class; each test has its own objects.
 */
class AllInOneBehaviourTest {
    @TempDir
    static Path dir;
    private static KjAllInOne kj;

    @BeforeAll
    static void start() throws Exception {
        kj = KjAllInOne.start(dir);
        kj.awaitNodeReady(Duration.ofSeconds(90));
    }

    @AfterAll
    static void stop() {
        if (kj != null) {
            kj.stop();
            kj.close();
        }
    }

    private static void await(Duration limit, String what, BooleanSupplier check) {
        kj.await(limit, what, check);
    }

    private static void apply(String name, String yaml) throws IOException {
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, yaml);
        kj.kubectlOk("apply", "-f", file.toString());
    }

    private static String jsonpath(String kind, String name, String path) {
        return kj.kubectl("get", kind, name, "-o", "jsonpath=" + path).out().strip();
    }

    private static void awaitRunning(String pod) {
        kj.kubectlOk("wait", "--for=jsonpath={.status.phase}=Running", "pod/" + pod, "--timeout=120s");
    }

    @Test
    void aJobWithThreeCompletionsTwoAtATimeSucceeds() throws IOException {
        apply("job", """
                apiVersion: batch/v1
                kind: Job
                metadata: {name: three}
                spec:
                  completions: 3
                  parallelism: 2
                  template:
                    spec:
                      restartPolicy: Never
                      containers:
                      - {name: work, image: "%s", command: [sh, -c, "echo done"]}
                """.formatted(CriTestbed.BUSYBOX));
        kj.kubectlOk("wait", "--for=condition=complete", "job/three", "--timeout=180s");
        assertEquals("3", jsonpath("job", "three", "{.status.succeeded}"));
        String logs = kj.kubectlOk("logs", "job/three");
        assertTrue(logs.contains("done"), logs);
    }

    @Test
    void aFailingLivenessProbeRestartsTheContainer() throws IOException {
        apply("live", """
                apiVersion: v1
                kind: Pod
                metadata: {name: live}
                spec:
                  containers:
                  - name: app
                    image: "%s"
                    command: [sh, -c, "touch /tmp/healthy; sleep 4; rm /tmp/healthy; exec sleep 3600"]
                    livenessProbe:
                      exec: {command: [cat, /tmp/healthy]}
                      periodSeconds: 1
                      failureThreshold: 2
                """.formatted(CriTestbed.BUSYBOX));
        await(Duration.ofSeconds(90), "a restart after the liveness probe failed",
                () -> !jsonpath("pod", "live", "{.status.containerStatuses[0].restartCount}").matches("|0"));
        String events = kj.kubectlOk("get", "events", "--field-selector", "involvedObject.name=live");
        assertTrue(events.contains("Liveness probe failed"), events);
        assertTrue(events.contains("failed liveness probe, will be restarted"), events);
    }

    @Test
    void readinessGatesTheServicesEndpointSlice() throws IOException {
        apply("ready", """
                apiVersion: v1
                kind: Pod
                metadata: {name: ready-web, labels: {app: ready-web}}
                spec:
                  containers:
                  - name: web
                    image: "%s"
                    command: [sh, -c, "mkdir -p /www; exec httpd -f -p 8080 -h /www"]
                    ports: [{containerPort: 8080}]
                    readinessProbe:
                      httpGet: {path: /index.html, port: 8080}
                      periodSeconds: 1
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: ready-web}
                spec:
                  selector: {app: ready-web}
                  ports: [{port: 80, targetPort: 8080}]
                """.formatted(CriTestbed.BUSYBOX));
        awaitRunning("ready-web");
        String[] slices = {"get", "endpointslices", "-l", "kubernetes.io/service-name=ready-web", "-o",
            "jsonpath={.items[*].endpoints[*].conditions.ready}"};
        await(Duration.ofSeconds(60), "a not-ready endpoint", () -> kj.kubectl(slices).out().strip().equals("false"));
        assertEquals("False", jsonpath("pod", "ready-web", "{.status.conditions[?(@.type==\"Ready\")].status}"));
        kj.kubectlOk("exec", "ready-web", "--", "sh", "-c", "echo ok > /www/index.html");
        await(Duration.ofSeconds(60), "a ready endpoint", () -> kj.kubectl(slices).out().strip().equals("true"));
        String podIp = jsonpath("pod", "ready-web", "{.status.podIP}");
        assertEquals(podIp, jsonpath("endpoints", "ready-web", "{.subsets[0].addresses[0].ip}"));
    }

    @Test
    void aConfigMapVolumeFollowsAnUpdateAndKubectlCpWorksBothWays() throws IOException {
        apply("config", """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: greeting}
                data: {text: hello}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: reader}
                spec:
                  containers:
                  - {name: app, image: "%s", command: [sleep, "3600"], volumeMounts: [{name: cfg, mountPath: /cfg}]}
                  volumes:
                  - {name: cfg, configMap: {name: greeting}}
                """.formatted(CriTestbed.BUSYBOX));
        awaitRunning("reader");
        assertEquals("hello", kj.kubectlOk("exec", "reader", "--", "cat", "/cfg/text").strip());
        kj.kubectlOk("patch", "configmap", "greeting", "-p", "{\"data\":{\"text\":\"bye\"}}");
        await(Duration.ofSeconds(90), "the updated file", () -> kj.kubectl("exec", "reader", "--", "cat", "/cfg/text").out().strip().equals("bye"));

        Path local = dir.resolve("to-pod.txt");
        Files.writeString(local, "copied in\n");
        kj.kubectlOk("cp", local.toString(), "reader:/tmp/in.txt");
        assertEquals("copied in", kj.kubectlOk("exec", "reader", "--", "cat", "/tmp/in.txt").strip());
        kj.kubectlOk("exec", "reader", "--", "sh", "-c", "cat /cfg/text > /tmp/out.txt");
        Path back = dir.resolve("from-pod.txt");
        // a regular file: the volume's files are symlinks into ..data, which kubectl cp skips, as upstream
        kj.kubectlOk("cp", "reader:/tmp/out.txt", back.toString());
        assertEquals("bye", Files.readString(back).strip());
    }

    @Test
    void setImageRollsOutAndUndoRollsBack() {
        kj.kubectlOk("create", "deployment", "roll", "--image=" + CriTestbed.BUSYBOX, "--", "sleep", "3600");
        kj.kubectlOk("rollout", "status", "deployment/roll", "--timeout=120s");
        // the same image by another name: a new pod template, so a new ReplicaSet and a rollout
        String other = CriTestbed.BUSYBOX.substring(0, CriTestbed.BUSYBOX.lastIndexOf(':'));
        kj.kubectlOk("set", "image", "deployment/roll", "busybox=" + other);
        kj.kubectlOk("rollout", "status", "deployment/roll", "--timeout=120s");
        assertEquals(other, jsonpath("deployment", "roll", "{.spec.template.spec.containers[0].image}"));
        String history = kj.kubectlOk("rollout", "history", "deployment/roll");
        assertTrue(history.contains("1 ") && history.contains("2 "), history);
        kj.kubectlOk("rollout", "undo", "deployment/roll");
        kj.kubectlOk("rollout", "status", "deployment/roll", "--timeout=120s");
        assertEquals(CriTestbed.BUSYBOX, jsonpath("deployment", "roll", "{.spec.template.spec.containers[0].image}"));
        await(Duration.ofSeconds(60), "one running pod of the rolled-back image", () -> kj.kubectl("get", "pods", "-l", "app=roll",
                "-o", "jsonpath={.items[*].spec.containers[0].image}").out().strip().equals(CriTestbed.BUSYBOX));
    }
}
