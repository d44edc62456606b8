package dev.kj.controllers.job;

import static dev.kj.controllers.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.testing.Kubectl;
import dev.kj.apiserver.testing.TestServer;
import dev.kj.controllers.KubeletStandIn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job-controller in a real API server, driven and read with stock kubectl. No kubelet exists
 * yet: {@link KubeletStandIn} binds pods and writes their status through the API server as the
 * node, the way a kubelet reports containers that ran.
 */
class JobControllerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestServer server;
    static Kubectl admin;
    static KubeletStandIn kubelet;

    @BeforeAll
    static void start() throws Exception {
        // The stand-in posts no node heartbeats: the node lifecycle controller would mark node-1 Unknown
        // after its grace period and its pods not ready, which is not what these tests are about.
        List<String> controllers = new java.util.ArrayList<>(TestServer.WITHOUT_WORKLOAD_CONTROLLERS);
        controllers.add("-node-lifecycle-controller");
        server = TestServer.start(dir, controllers);
        admin = Kubectl.require("kubectl", server.server().kubeconfig(), dir);
        kubelet = KubeletStandIn.register(server, admin, dir, "node-1");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static JsonNode get(String... args) {
        List<String> all = new ArrayList<>(List.of("get"));
        all.addAll(List.of(args));
        all.addAll(List.of("-o", "json"));
        try {
            return JSON.readTree(admin.run(all.toArray(String[]::new)).ok().stdout());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static JsonNode job(String namespace, String name) {
        return get("job", name, "-n", namespace);
    }

    /** The Job's pods that are not being deleted, by name. */
    private static List<JsonNode> pods(String namespace, String job) {
        List<JsonNode> pods = new ArrayList<>();
        get("pods", "-n", namespace, "-l", "batch.kubernetes.io/job-name=" + job).path("items").forEach(pod -> {
            if (pod.path("metadata").path("deletionTimestamp").isMissingNode()) {
                pods.add(pod);
            }
        });
        return pods;
    }

    private static List<JsonNode> podsWithPhase(String namespace, String job, String phase) {
        return pods(namespace, job).stream().filter(p -> phase.equals(p.path("status").path("phase").asText())).toList();
    }

    private static String name(JsonNode object) {
        return object.path("metadata").path("name").asText();
    }

    private static JsonNode condition(JsonNode job, String type) {
        for (JsonNode condition : job.path("status").path("conditions")) {
            if (type.equals(condition.path("type").asText())) {
                return condition;
            }
        }
        return null;
    }

    private static List<String> events(String namespace, String job) {
        List<String> events = new ArrayList<>();
        get("events", "-n", namespace, "--field-selector", "involvedObject.kind=Job,involvedObject.name=" + job)
                .path("items").forEach(e -> events.add(e.path("type").asText() + " " + e.path("reason").asText() + " "
                        + e.path("source").path("component").asText() + ": " + e.path("message").asText()));
        return events;
    }

    private static void apply(String name, String yaml) throws Exception {
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, yaml);
        admin.run("create", "-f", file.toString()).ok();
    }

    private static void runAndFinish(String namespace, JsonNode pod, int exitCode) throws Exception {
        kubelet.bind(namespace, name(pod));
        kubelet.running(namespace, name(pod));
        kubelet.terminated(namespace, name(pod), exitCode);
    }

    @Test
    void kubectlCreateJobRunsOnePodToCompletion() throws Exception {
        admin.run("create", "namespace", "one").ok();
        admin.run("create", "job", "hello", "-n", "one", "--image=busybox", "--", "true").ok();
        until("the job's pod", () -> pods("one", "hello").size() == 1);
        JsonNode pod = pods("one", "hello").getFirst();
        JsonNode job = job("one", "hello");
        assertTrue(name(pod).startsWith("hello-"), name(pod));
        assertEquals("[\"batch.kubernetes.io/job-tracking\"]", pod.path("metadata").path("finalizers").toString());
        JsonNode owner = pod.path("metadata").path("ownerReferences").get(0);
        assertEquals(List.of("batch/v1", "Job", "hello", job.path("metadata").path("uid").asText(), "true", "true"),
                List.of(owner.path("apiVersion").asText(), owner.path("kind").asText(), owner.path("name").asText(),
                        owner.path("uid").asText(), owner.path("controller").asText(), owner.path("blockOwnerDeletion").asText()));
        until("active 1 with a start time", () -> {
            JsonNode status = job("one", "hello").path("status");
            return status.path("active").asInt() == 1 && status.has("startTime") && status.path("ready").asInt(-1) == 0;
        });

        kubelet.bind("one", name(pod));
        kubelet.running("one", name(pod));
        until("ready 1", () -> job("one", "hello").path("status").path("ready").asInt() == 1);
        kubelet.terminated("one", name(pod), 0);
        admin.run("wait", "--for=condition=complete", "job/hello", "-n", "one", "--timeout=50s").ok();

        JsonNode status = job("one", "hello").path("status");
        assertEquals(1, status.path("succeeded").asInt());
        assertEquals(0, status.path("active").asInt());
        assertEquals(0, status.path("ready").asInt());
        assertEquals(0, status.path("terminating").asInt());
        assertFalse(status.has("failed"), status.toString());
        assertEquals("{}", status.path("uncountedTerminatedPods").toString());
        JsonNode met = condition(job("one", "hello"), "SuccessCriteriaMet");
        JsonNode complete = condition(job("one", "hello"), "Complete");
        for (JsonNode c : List.of(met, complete)) {
            assertEquals("True", c.path("status").asText());
            assertEquals("CompletionsReached", c.path("reason").asText());
            assertEquals("Reached expected number of succeeded pods", c.path("message").asText());
        }
        assertEquals(complete.path("lastTransitionTime").asText(), status.path("completionTime").asText());
        assertFalse(get("pod", name(pod), "-n", "one").path("metadata").path("finalizers").toString()
                .contains("batch.kubernetes.io/job-tracking"), "the tracking finalizer is removed before the pod is counted");
        until("the events", () -> events("one", "hello").containsAll(List.of(
                "Normal SuccessfulCreate job-controller: Created pod: " + name(pod),
                "Normal Completed job-controller: Job completed")));
        // stock kubectl's own reading of the status
        String line = admin.run("get", "job", "hello", "-n", "one", "--no-headers").ok().stdout();
        assertTrue(line.matches("hello\\s+Complete\\s+1/1\\s+.*\\n"), line);
    }

    @Test
    void completionsThreeParallelismTwo() throws Exception {
        admin.run("create", "namespace", "three").ok();
        apply("three", """
                apiVersion: batch/v1
                kind: Job
                metadata: {name: work, namespace: three}
                spec:
                  completions: 3
                  parallelism: 2
                  template:
                    spec:
                      restartPolicy: Never
                      containers: [{name: main, image: busybox, command: ["true"]}]
                """);
        until("two pods at once", () -> pods("three", "work").size() == 2);
        for (JsonNode pod : pods("three", "work")) {
            runAndFinish("three", pod, 0);
        }
        until("the third pod", () -> podsWithPhase("three", "work", "Pending").size() == 1
                && job("three", "work").path("status").path("succeeded").asInt() == 2);
        assertEquals(3, pods("three", "work").size(), "never more than the remaining completions");
        runAndFinish("three", podsWithPhase("three", "work", "Pending").getFirst(), 0);
        admin.run("wait", "--for=condition=complete", "job/work", "-n", "three", "--timeout=50s").ok();
        assertEquals(3, job("three", "work").path("status").path("succeeded").asInt());
        assertEquals(3, pods("three", "work").size());
    }

    @Test
    void indexedPodsCarryTheirIndexAndCompletedIndexesAreCompressed() throws Exception {
        admin.run("create", "namespace", "indexed").ok();
        apply("indexed", """
                apiVersion: batch/v1
                kind: Job
                metadata: {name: idx, namespace: indexed}
                spec:
                  completions: 4
                  parallelism: 4
                  completionMode: Indexed
                  template:
                    spec:
                      restartPolicy: Never
                      containers: [{name: main, image: busybox, command: ["true"]}]
                """);
        until("four pods", () -> pods("indexed", "idx").size() == 4);
        Map<Integer, JsonNode> byIndex = new TreeMap<>();
        for (JsonNode pod : pods("indexed", "idx")) {
            int index = pod.path("metadata").path("annotations").path("batch.kubernetes.io/job-completion-index").asInt();
            byIndex.put(index, pod);
            assertEquals(String.valueOf(index), pod.path("metadata").path("labels").path("batch.kubernetes.io/job-completion-index").asText());
            assertEquals("idx-" + index, pod.path("spec").path("hostname").asText());
            assertTrue(name(pod).startsWith("idx-" + index + "-"), name(pod));
            JsonNode env = pod.path("spec").path("containers").get(0).path("env").get(0);
            assertEquals("JOB_COMPLETION_INDEX", env.path("name").asText());
            assertEquals("metadata.labels['batch.kubernetes.io/job-completion-index']",
                    env.path("valueFrom").path("fieldRef").path("fieldPath").asText());
        }
        assertEquals(List.of(0, 1, 2, 3), List.copyOf(byIndex.keySet()));
        runAndFinish("indexed", byIndex.get(0), 0);
        runAndFinish("indexed", byIndex.get(2), 0);
        runAndFinish("indexed", byIndex.get(3), 0);
        until("completedIndexes 0,2,3", () -> "0,2,3".equals(job("indexed", "idx").path("status").path("completedIndexes").asText()));
        assertEquals(3, job("indexed", "idx").path("status").path("succeeded").asInt());
        runAndFinish("indexed", byIndex.get(1), 0);
        admin.run("wait", "--for=condition=complete", "job/idx", "-n", "indexed", "--timeout=50s").ok();
        assertEquals("0-3", job("indexed", "idx").path("status").path("completedIndexes").asText());
    }

    @Test
    void failuresBackOffThenExceedTheBackoffLimit() throws Exception {
        admin.run("create", "namespace", "failing").ok();
        apply("failing", """
                apiVersion: batch/v1
                kind: Job
                metadata: {name: crash, namespace: failing}
                spec:
                  backoffLimit: 1
                  template:
                    spec:
                      restartPolicy: Never
                      containers: [{name: main, image: busybox, command: ["false"]}]
                """);
        until("the first pod", () -> pods("failing", "crash").size() == 1);
        JsonNode first = pods("failing", "crash").getFirst();
        kubelet.bind("failing", name(first));
        Instant failedAt = kubelet.terminated("failing", name(first), 1);
        until("a replacement after the back-off", () -> podsWithPhase("failing", "crash", "Pending").size() == 1);
        JsonNode second = podsWithPhase("failing", "crash", "Pending").getFirst();
        Instant created = Instant.parse(second.path("metadata").path("creationTimestamp").asText());
        assertFalse(created.isBefore(failedAt.plus(PodBackoff.DEFAULT).minusSeconds(1)),
                "replacement created at " + created + ", failure at " + failedAt);
        assertEquals(1, job("failing", "crash").path("status").path("failed").asInt());

        kubelet.bind("failing", name(second));
        kubelet.terminated("failing", name(second), 1);
        admin.run("wait", "--for=condition=failed", "job/crash", "-n", "failing", "--timeout=50s").ok();
        JsonNode job = job("failing", "crash");
        assertEquals(2, job.path("status").path("failed").asInt());
        assertFalse(job.path("status").has("completionTime"));
        for (String type : List.of("FailureTarget", "Failed")) {
            JsonNode c = condition(job, type);
            assertEquals("BackoffLimitExceeded", c.path("reason").asText(), type);
            assertEquals("Job has reached the specified backoff limit", c.path("message").asText(), type);
        }
        until("the warning", () -> events("failing", "crash").contains(
                "Warning BackoffLimitExceeded job-controller: Job has reached the specified backoff limit"));
    }

    @Test
    void aPodFailurePolicyIgnoresOneExitCodeAndFailsTheJobOnAnother() throws Exception {
        admin.run("create", "namespace", "policy").ok();
        apply("policy", """
                apiVersion: batch/v1
                kind: Job
                metadata: {name: picky, namespace: policy}
                spec:
                  backoffLimit: 6
                  podFailurePolicy:
                    rules:
                    - action: FailJob
                      onExitCodes: {containerName: main, operator: In, values: [42]}
                    - action: Ignore
                      onExitCodes: {operator: In, values: [3]}
                  template:
                    spec:
                      restartPolicy: Never
                      containers: [{name: main, image: busybox, command: ["false"]}]
                """);
        until("the first pod", () -> pods("policy", "picky").size() == 1);
        JsonNode first = pods("policy", "picky").getFirst();
        kubelet.bind("policy", name(first));
        kubelet.terminated("policy", name(first), 3);
        until("a replacement", () -> podsWithPhase("policy", "picky", "Pending").size() == 1);
        assertEquals(0, job("policy", "picky").path("status").path("failed").asInt(), "an ignored failure is not counted");
        JsonNode second = podsWithPhase("policy", "picky", "Pending").getFirst();
        kubelet.bind("policy", name(second));
        kubelet.terminated("policy", name(second), 42);
        admin.run("wait", "--for=condition=failed", "job/picky", "-n", "policy", "--timeout=50s").ok();
        JsonNode job = job("policy", "picky");
        String message = "Container main for pod policy/" + name(second) + " failed with exit code 42 matching FailJob rule at index 0";
        for (String type : List.of("FailureTarget", "Failed")) {
            assertEquals(List.of("PodFailurePolicy", message), List.of(condition(job, type).path("reason").asText(),
                    condition(job, type).path("message").asText()), type);
        }
        assertEquals(1, job.path("status").path("failed").asInt());
    }

    @Test
    void anActiveDeadlineFailsTheJobAndRemovesItsPods() throws Exception {
        admin.run("create", "namespace", "deadline").ok();
        apply("deadline", """
                apiVersion: batch/v1
                kind: Job
                metadata: {name: slow, namespace: deadline}
                spec:
                  activeDeadlineSeconds: 3
                  parallelism: 2
                  completions: 2
                  template:
                    spec:
                      restartPolicy: Never
                      containers: [{name: main, image: busybox, command: ["sleep", "3600"]}]
                """);
        admin.run("wait", "--for=condition=failed", "job/slow", "-n", "deadline", "--timeout=50s").ok();
        JsonNode job = job("deadline", "slow");
        JsonNode failed = condition(job, "Failed");
        assertEquals("DeadlineExceeded", failed.path("reason").asText());
        assertEquals("Job was active longer than specified deadline", failed.path("message").asText());
        assertEquals("DeadlineExceeded", condition(job, "FailureTarget").path("reason").asText());
        assertEquals(2, job.path("status").path("failed").asInt(), job.toString());
        assertEquals(0, job.path("status").path("active").asInt());
        until("the pods gone", () -> get("pods", "-n", "deadline").path("items").isEmpty());
    }

    @Test
    void suspendAndResume() throws Exception {
        admin.run("create", "namespace", "paused").ok();
        apply("paused", """
                apiVersion: batch/v1
                kind: Job
                metadata: {name: later, namespace: paused}
                spec:
                  suspend: true
                  template:
                    spec:
                      restartPolicy: Never
                      containers: [{name: main, image: busybox, command: ["true"]}]
                """);
        until("Suspended", () -> condition(job("paused", "later"), "Suspended") != null);
        JsonNode suspended = condition(job("paused", "later"), "Suspended");
        assertEquals(List.of("True", "JobSuspended", "Job suspended"), List.of(suspended.path("status").asText(),
                suspended.path("reason").asText(), suspended.path("message").asText()));
        assertTrue(pods("paused", "later").isEmpty());
        assertFalse(job("paused", "later").path("status").has("startTime"));

        admin.run("patch", "job", "later", "-n", "paused", "--type=merge", "-p", "{\"spec\":{\"suspend\":false}}").ok();
        until("resumed with a pod", () -> pods("paused", "later").size() == 1
                && "False".equals(condition(job("paused", "later"), "Suspended").path("status").asText()));
        JsonNode resumed = condition(job("paused", "later"), "Suspended");
        assertEquals(List.of("JobResumed", "Job resumed"), List.of(resumed.path("reason").asText(), resumed.path("message").asText()));
        assertTrue(job("paused", "later").path("status").has("startTime"));

        admin.run("patch", "job", "later", "-n", "paused", "--type=merge", "-p", "{\"spec\":{\"suspend\":true}}").ok();
        until("suspended again, its pod deleted", () -> get("pods", "-n", "paused").path("items").isEmpty()
                && "True".equals(condition(job("paused", "later"), "Suspended").path("status").asText()));
        assertEquals(0, job("paused", "later").path("status").path("active").asInt());
        until("the events", () -> events("paused", "later").containsAll(List.of("Normal Suspended job-controller: Job suspended",
                "Normal Resumed job-controller: Job resumed")));
    }

    @Test
    void deletingAJobDeletesItsPodsAndReleasesTheirFinalizers() throws Exception {
        admin.run("create", "namespace", "deleted").ok();
        admin.run("create", "job", "gone", "-n", "deleted", "--image=busybox", "--", "sleep", "3600").ok();
        until("the pod", () -> pods("deleted", "gone").size() == 1);
        admin.run("delete", "job", "gone", "-n", "deleted").ok();
        // the garbage collector deletes the pod; the job controller lets its finalizer go
        until("the pod gone", () -> get("pods", "-n", "deleted").path("items").isEmpty());
    }

    @Test
    void aFinishedJobWithATtlIsDeletedWithItsPods() throws Exception {
        admin.run("create", "namespace", "ttl").ok();
        apply("ttl", """
                apiVersion: batch/v1
                kind: Job
                metadata: {name: brief, namespace: ttl}
                spec:
                  ttlSecondsAfterFinished: 8
                  template:
                    spec:
                      restartPolicy: Never
                      containers: [{name: main, image: busybox, command: ["true"]}]
                """);
        until("the pod", () -> pods("ttl", "brief").size() == 1);
        runAndFinish("ttl", pods("ttl", "brief").getFirst(), 0);
        admin.run("wait", "--for=condition=complete", "job/brief", "-n", "ttl", "--timeout=50s").ok();
        Instant finished = Instant.parse(condition(job("ttl", "brief"), "Complete").path("lastTransitionTime").asText());
        until("the job deleted after its TTL", () -> get("jobs", "-n", "ttl").path("items").isEmpty());
        assertFalse(Instant.now().isBefore(finished.plusSeconds(8)), "deleted before its TTL ran out");
        until("its pod gone with it", Duration.ofSeconds(60), () -> get("pods", "-n", "ttl").path("items").isEmpty());
    }
}
