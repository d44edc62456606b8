package dev.kj.kubelet.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.api.client.HttpsTransport;
import dev.kj.api.client.Kubeconfig;
import dev.kj.apiserver.ApiServer;
import dev.kj.apiserver.ApiServerConfig;
import dev.kj.apiserver.pki.ClusterPki;
import dev.kj.kubelet.cri.ImageClient;
import dev.kj.kubelet.cri.v1.ContainerConfig;
import dev.kj.kubelet.cri.v1.ContainerMetadata;
import dev.kj.kubelet.cri.v1.ContainerState;
import dev.kj.kubelet.cri.v1.LinuxPodSandboxConfig;
import dev.kj.kubelet.cri.v1.PodSandboxConfig;
import dev.kj.kubelet.cri.v1.PodSandboxMetadata;
import dev.kj.kubelet.testing.CriTestbed;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stock kubectl against a real kj API server that proxies pods/log, pods/exec, pods/attach,
 * pods/portforward and nodes/proxy to kj's kubelet server, which finds the pod's containers in a
 * real containerd by their CRI labels (the sandbox and containers are made here through CRI, as
 * the pod workers would).
 */
@ExtendWith(CriTestbed.class)
class KubectlStreamingTest {
    private static final String KUBECTL = "/usr/lib/google-cloud-sdk/bin/kubectl.";
    private static final AtomicInteger CACHES = new AtomicInteger();
    private static Path dir;
    private static ApiServer server;
    private static KubeletServer kubelet;
    private static dev.kj.api.client.Transport kubeletApi;
    private static Path kubeconfig;
    private static String nodeName;
    private static CriTestbed.Bed bed;

    @BeforeAll
    static void start(CriTestbed.Bed testbed) throws Exception {
        bed = testbed;
        dir = Files.createTempDirectory("kj-kstream");
        Path data = dir.resolve("data");
        server = ApiServer.start(new ApiServerConfig(data, List.of(), "127.0.0.1", 0));
        kubeconfig = data.resolve("kubeconfig");
        ClusterPki pki = ClusterPki.ensure(data.resolve("pki"));
        ClusterPki.Component identity = pki.components().stream().filter(c -> c.stem().equals("kubelet")).findFirst().orElseThrow();
        nodeName = identity.user().substring("system:node:".length());
        pki.ensureKubeletServing(nodeName, List.of("127.0.0.1"), Instant.now());
        kubeletApi = HttpsTransport.create(new Kubeconfig.Connection("kubelet",
                new Kubeconfig.Cluster(URI.create("https://127.0.0.1:" + server.address().getPort()), Files.readAllBytes(pki.caCert()), false),
                new Kubeconfig.User(Files.readAllBytes(pki.componentCert(identity)), Files.readAllBytes(pki.componentKey(identity)), null, null),
                null));
        kubelet = KubeletServer.start(new InetSocketAddress("127.0.0.1", 0), pki.kubeletServingCert(), pki.kubeletServingKey(),
                pki.clientCaCert(), bed.runtime(), new KubeletAuth(kubeletApi, nodeName));

        apply("""
                {"apiVersion":"v1","kind":"Node","metadata":{"name":"%s"}}""".formatted(nodeName));
        kubectl("1.33", "patch", "node", nodeName, "--subresource=status", "--type=merge", "-p",
                """
                {"status":{"addresses":[{"type":"InternalIP","address":"127.0.0.1"},{"type":"Hostname","address":"%s"}],
                 "daemonEndpoints":{"kubeletEndpoint":{"Port":%d}}}}""".formatted(nodeName, kubelet.address().getPort())).orThrow();
        String uid = apply("""
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"app","namespace":"default"},
                 "spec":{"nodeName":"%s","containers":[{"name":"app","image":"%s"},{"name":"web","image":"%s"}],
                  "tolerations":[{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute"}]}}"""
                .formatted(nodeName, CriTestbed.BUSYBOX, CriTestbed.BUSYBOX));
        runPod(uid);
        // what the pod workers would report: kubectl port-forward and attach want a Running pod
        kubectl("1.33", "patch", "pod", "app", "--subresource=status", "--type=merge", "-p",
                "{\"status\":{\"phase\":\"Running\"}}").orThrow();
        // alice may read pods but neither exec into them nor proxy to nodes
        kubectl("1.33", "create", "role", "pod-reader", "--verb=get,list", "--resource=pods").orThrow();
        kubectl("1.33", "create", "rolebinding", "alice-reads", "--role=pod-reader", "--user=alice").orThrow();
    }

    /** Creates the object and answers its uid. */
    private static String apply(String json) throws Exception {
        Path file = dir.resolve("object-" + UUID.randomUUID() + ".json");
        Files.writeString(file, json);
        kubectl("1.33", "create", "-f", file.toString()).orThrow();
        return kubectl("1.33", "get", "-f", file.toString(), "-o", "jsonpath={.metadata.uid}").orThrow().stdout();
    }

    /** The sandbox and containers of default/app, named and labelled as kuberuntime does. */
    private static void runPod(String uid) throws Exception {
        bed.images().pull(ImageClient.spec(CriTestbed.BUSYBOX), Optional.empty(), PodSandboxConfig.getDefaultInstance());
        Path logs = bed.dir().resolve("pods").resolve("default_app_" + uid);
        Files.createDirectories(logs);
        PodSandboxConfig sandbox = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName("app").setNamespace("default").setUid(uid).setAttempt(0))
                .setHostname("app").setLogDirectory(logs.toString())
                .putLabels("io.kubernetes.pod.name", "app").putLabels("io.kubernetes.pod.namespace", "default")
                .putLabels("io.kubernetes.pod.uid", uid)
                .setLinux(LinuxPodSandboxConfig.getDefaultInstance()).build();
        String podId = bed.runtime().runPodSandbox(sandbox, "");
        // the app container's first run ended: its log is what --previous shows
        String first = container(podId, sandbox, uid, "app", 0, List.of("sh", "-c", "echo previous-run; exit 1"));
        waitUntil("the first run exited", () -> bed.runtime().containerStatus(first, false).getStatus().getState()
                == ContainerState.CONTAINER_EXITED);
        container(podId, sandbox, uid, "app", 1, List.of("sh", "-c",
                "echo one; echo two; echo three; trap 'exit 0' TERM; "
                        + "while true; do if [ -f /tmp/say ]; then cat /tmp/say; rm /tmp/say; fi; sleep 0.1; done"));
        container(podId, sandbox, uid, "web", 0, List.of("sh", "-c",
                "mkdir -p /www && echo hello through port-forward > /www/index.html && exec httpd -f -p 8080 -h /www"));
    }

    private static String container(String podId, PodSandboxConfig sandbox, String uid, String name, int attempt,
                                    List<String> command) {
        ContainerConfig config = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name).setAttempt(attempt))
                .setImage(ImageClient.spec(CriTestbed.BUSYBOX)).addAllCommand(command)
                .setStdin(true)
                .setLogPath(name + "/" + attempt + ".log")
                .putLabels("io.kubernetes.pod.name", "app").putLabels("io.kubernetes.pod.namespace", "default")
                .putLabels("io.kubernetes.pod.uid", uid).putLabels("io.kubernetes.container.name", name)
                .putAnnotations("io.kubernetes.container.restartCount", Integer.toString(attempt))
                .build();
        String id = bed.runtime().createContainer(podId, config, sandbox);
        bed.runtime().startContainer(id);
        return id;
    }

    @AfterAll
    static void stop() {
        if (kubelet != null) {
            kubelet.close();
        }
        if (kubeletApi != null) {
            kubeletApi.close();
        }
        if (server != null) {
            server.close();
        }
        if (dir != null) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (java.io.IOException e) {
                // a leftover temporary directory is only untidy
            }
        }
    }

    record Run(int exit, String stdout, String stderr) {
        Run orThrow() {
            if (exit != 0) {
                throw new IllegalStateException("kubectl exited " + exit + ": " + stderr + stdout);
            }
            return this;
        }
    }

    private static List<String> command(String version, String... args) {
        List<String> command = new ArrayList<>(List.of(KUBECTL + version, "--kubeconfig", kubeconfig.toString(),
                "--cache-dir", dir.resolve("cache-" + CACHES.incrementAndGet()).toString()));
        command.addAll(List.of(args));
        return command;
    }

    private static Run kubectl(String version, String... args) throws Exception {
        return run(command(version, args), null);
    }

    private static Run run(List<String> command, String stdin) throws Exception {
        Process process = new ProcessBuilder(command).start();
        var out = readAll(process.getInputStream());
        var err = readAll(process.getErrorStream());
        try (var in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(command + " did not finish: " + out.getNow("") + err.getNow(""));
        }
        return new Run(process.exitValue(), out.get(), err.get());
    }

    private static java.util.concurrent.CompletableFuture<String> readAll(java.io.InputStream in) {
        var result = new java.util.concurrent.CompletableFuture<String>();
        Thread.ofVirtual().start(() -> {
            try {
                result.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (java.io.IOException e) {
                result.complete("");
            }
        });
        return result;
    }

    private static void waitUntil(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(30);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"})
    void logsWithEachKubectl(String version) throws Exception {
        waitUntil("three lines logged", () -> {
            try {
                return kubectl(version, "logs", "app", "-c", "app").stdout().equals("one\ntwo\nthree\n");
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals("three\n", kubectl(version, "logs", "app", "-c", "app", "--tail=1").orThrow().stdout());
        assertEquals("previous-run\n", kubectl(version, "logs", "app", "-c", "app", "--previous").orThrow().stdout());
        String stamped = kubectl(version, "logs", "app", "-c", "app", "--timestamps", "--tail=1").orThrow().stdout();
        assertTrue(stamped.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z three\n"), stamped);
        Run noContainer = kubectl(version, "logs", "app", "-c", "nope");
        assertEquals(1, noContainer.exit());
        assertTrue(noContainer.stderr().contains("container nope is not valid for pod app"), noContainer.stderr());
    }

    @Test
    void logsFollowSeesANewLine() throws Exception {
        followSeesANewLine("1.33", List.of("logs", "-f", "app", "-c", "app"), List.of("one", "two", "three"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.27", "1.33"})
    void attachSeesWhatTheContainerPrints(String version) throws Exception {
        followSeesANewLine(version, List.of("attach", "app", "-c", "app"), List.of());
    }

    /** kubectl ARGS prints {@code first}, then a line the container prints afterwards. */
    private static void followSeesANewLine(String version, List<String> args, List<String> first) throws Exception {
        Process follow = new ProcessBuilder(command(version, args.toArray(String[]::new))).start();
        // a hung stream fails the test instead of blocking it
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                if (!follow.waitFor(30, TimeUnit.SECONDS)) {
                    follow.destroyForcibly();
                }
            } catch (InterruptedException ignored) {
                // the test ended first
            }
        });
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(follow.getInputStream(), StandardCharsets.UTF_8))) {
            for (String expected : first) {
                assertEquals(expected, lines.readLine());
            }
            if (first.isEmpty()) {
                Thread.sleep(1000); // attach: the stream is up before the line is printed
            }
            String marker = "followed-" + UUID.randomUUID();
            String id = bed.runtime().listContainers(dev.kj.kubelet.cri.v1.ContainerFilter.newBuilder()
                    .putLabelSelector("io.kubernetes.container.name", "app")
                    .setState(dev.kj.kubelet.cri.v1.ContainerStateValue.newBuilder().setState(ContainerState.CONTAINER_RUNNING))
                    .build()).getFirst().getId();
            var wrote = bed.runtime().execSync(id, List.of("sh", "-c", "echo " + marker + " > /tmp/say.new && mv /tmp/say.new /tmp/say"), Duration.ofSeconds(10));
            assertEquals(0, wrote.getExitCode(), wrote.getStderr().toStringUtf8());
            String line;
            do {
                line = lines.readLine();
            } while (line != null && !line.equals(marker));
            assertEquals(marker, line);
        } finally {
            follow.destroyForcibly();
            watchdog.interrupt();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"})
    void execWithEachKubectl(String version) throws Exception {
        Run exec = kubectl(version, "exec", "app", "-c", "app", "--", "sh", "-c", "echo hi; echo oops >&2; exit 3");
        assertEquals("hi\n", exec.stdout());
        assertTrue(exec.stderr().contains("oops\n"), exec.stderr());
        assertTrue(exec.stderr().contains("command terminated with exit code 3"), exec.stderr());
        assertEquals(3, exec.exit() == 0 ? 0 : exitCodeOf(exec));
        Run piped = run(command(version, "exec", "-i", "app", "-c", "app", "--", "sh", "-c", "tr a-z A-Z"), "piped through\n");
        assertEquals("PIPED THROUGH\n", piped.orThrow().stdout());
    }

    /** kubectl exits 1 after "command terminated with exit code N"; the code is in the message. */
    private static int exitCodeOf(Run run) {
        var matcher = java.util.regex.Pattern.compile("command terminated with exit code (\\d+)").matcher(run.stderr());
        return matcher.find() ? Integer.parseInt(matcher.group(1)) : -1;
    }

    @Test
    void execWithATerminal() throws Exception {
        String inner = String.join(" ", command("1.33", "exec", "-it", "app", "-c", "app", "--", "sh", "-c", "'tty; exit 0'"));
        Run tty = run(List.of("script", "-qec", inner, "/dev/null"), null);
        assertTrue(tty.stdout().contains("/dev/pts/"), tty.stdout() + tty.stderr());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"})
    void portForwardWithEachKubectl(String version) throws Exception {
        Process forward = new ProcessBuilder(command(version, "port-forward", "pod/app", ":8080")).start();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(forward.getInputStream(), StandardCharsets.UTF_8))) {
            String line = lines.readLine();
            if (line == null) {
                throw new AssertionError(new String(forward.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            var matcher = java.util.regex.Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) -> 8080").matcher(String.valueOf(line));
            assertTrue(matcher.find(), line + new String(forward.getErrorStream().readNBytes(0), StandardCharsets.UTF_8));
            int port = Integer.parseInt(matcher.group(1));
            var http = java.net.http.HttpClient.newBuilder().proxy(java.net.http.HttpClient.Builder.NO_PROXY).build();
            String body = null;
            for (int attempt = 0; attempt < 50 && body == null; attempt++) {
                try {
                    var response = http.send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/index.html"))
                            .timeout(Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                    body = response.body();
                } catch (java.io.IOException e) {
                    Thread.sleep(200); // httpd may still be starting
                }
            }
            assertEquals("hello through port-forward\n", body);
        } finally {
            forward.destroyForcibly();
        }
    }

    @Test
    void nodeProxyReachesTheKubelet() throws Exception {
        assertEquals("ok", kubectl("1.33", "get", "--raw", "/api/v1/nodes/" + nodeName + "/proxy/healthz").orThrow().stdout());
    }

    @Test
    void usersWithoutPermissionAreForbiddenAndTheKubeletWantsACertificate() throws Exception {
        Run exec = kubectl("1.33", "--as=alice", "exec", "app", "-c", "app", "--", "true");
        assertTrue(exec.stderr().contains("Forbidden") || exec.stderr().contains("forbidden"), exec.stderr());
        assertTrue(exec.stderr().contains("pods/exec") || exec.stderr().contains("\"pods/exec\""), exec.stderr());
        Run proxy = kubectl("1.33", "--as=alice", "get", "--raw", "/api/v1/nodes/" + nodeName + "/proxy/healthz");
        assertTrue(proxy.stderr().contains("Forbidden") || proxy.stderr().contains("forbidden"), proxy.stderr());

        javax.net.ssl.SSLContext trustAll = dev.kj.api.client.TlsMaterial.context(
                new Kubeconfig.Cluster(URI.create("https://kubelet"), null, true), new Kubeconfig.User(null, null, null, null));
        var anonymous = java.net.http.HttpClient.newBuilder().sslContext(trustAll).build();
        var response = anonymous.send(java.net.http.HttpRequest.newBuilder(
                URI.create("https://127.0.0.1:" + kubelet.address().getPort() + "/healthz")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(401, response.statusCode());
    }
}
