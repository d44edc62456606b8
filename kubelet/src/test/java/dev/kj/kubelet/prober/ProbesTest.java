package dev.kj.kubelet.prober;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.kj.kubelet.testing.CriTestbed;
import dev.kj.kubelet.testing.TestPods;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.grpc.Server;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Probes against real containers (containerd, busybox), from the test JVM in the node's network
 * namespace: the handlers' results and words, and the manager's thresholds, gating and readiness.
 */
@ExtendWith(CriTestbed.class)
class ProbesTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static TestPods.Sandbox pod;
    private static String web;
    private static Handlers handlers;
    private static Container webSpec;

    @BeforeAll
    static void startWebPod(CriTestbed.Bed bed) {
        pod = TestPods.sandbox(bed, "probed");
        web = TestPods.start(bed, pod, "web", TestPods.WEB);
        handlers = new Handlers(bed.runtime());
        webSpec = new ContainerBuilder().withName("web").addNewPort().withName("http").withContainerPort(8080).endPort().build();
        await("httpd listening on " + pod.ip() + ":8080", () -> {
            try {
                return handlers.probe(new Action.TcpSocket(Optional.empty(), new IntOrString(8080)), target(), Duration.ofSeconds(1)).succeeded();
            } catch (HandlerException e) {
                return false;
            }
        });
    }

    private static Target target() {
        return new Target(webSpec, web, pod.ip());
    }

    @Test
    void execSucceedsOnExitZeroAndKeepsTenKibOfOutput() throws Exception {
        assertEquals(Outcome.success("ok\n"), handlers.probe(new Action.Exec(List.of("cat", "/www/index.html")), target(), Duration.ofSeconds(5)));
        assertEquals(Outcome.failure("nope\n"), handlers.probe(new Action.Exec(TestPods.sh("echo nope >&2; exit 1")), target(), Duration.ofSeconds(5)));
        Outcome big = handlers.probe(new Action.Exec(TestPods.sh("head -c 20000 /dev/zero | tr '\\0' x")), target(), Duration.ofSeconds(5));
        assertEquals(Outcome.Result.SUCCESS, big.result());
        assertEquals(10 * 1024, big.output().length());
        Outcome slow = handlers.probe(new Action.Exec(List.of("sleep", "10")), target(), Duration.ofSeconds(1));
        assertEquals(Outcome.failure("command timed out: \"sleep 10\" timed out after 1s"), slow);
    }

    @Test
    void httpGetSucceedsOn200AndFailsOn404AndARefusedConnection() throws Exception {
        assertEquals(Outcome.success("ok\n"), handlers.probe(http(new IntOrString(8080), "/index.html"), target(), Duration.ofSeconds(2)));
        assertEquals(Outcome.success("ok\n"), handlers.probe(http(new IntOrString("http"), "index.html"), target(), Duration.ofSeconds(2)),
                "port by the container port's name, path without a leading slash");
        assertEquals(Outcome.failure("HTTP probe failed with statuscode: 404"),
                handlers.probe(http(new IntOrString(8080), "/missing"), target(), Duration.ofSeconds(2)));
        assertEquals(Outcome.failure("Get \"http://" + pod.ip() + ":81/healthz\": dial tcp " + pod.ip() + ":81: connect: connection refused"),
                handlers.probe(http(new IntOrString(81), "/healthz"), target(), Duration.ofSeconds(2)));
        HandlerException badName = assertThrows(HandlerException.class,
                () -> handlers.probe(http(new IntOrString("nope"), "/"), target(), Duration.ofSeconds(2)));
        assertEquals("strconv.Atoi: parsing \"nope\": invalid syntax", badName.getMessage());
    }

    @Test
    void tcpSocketSucceedsOnAnOpenPortAndFailsOnAClosedOne() throws Exception {
        assertEquals(Outcome.Result.SUCCESS, handlers.probe(new Action.TcpSocket(Optional.empty(), new IntOrString("http")), target(), Duration.ofSeconds(1)).result());
        assertEquals(Outcome.failure("dial tcp " + pod.ip() + ":81: connect: connection refused"),
                handlers.probe(new Action.TcpSocket(Optional.empty(), new IntOrString(81)), target(), Duration.ofSeconds(1)));
    }

    @Test
    void httpGetFollowsRedirectsOnTheSameHostOnlyAndSendsUpstreamsHeaders() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        List<String> seen = new CopyOnWriteArrayList<>();
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            seen.add(path + " ua=" + exchange.getRequestHeaders().getFirst("User-Agent") + " accept="
                    + exchange.getRequestHeaders().getFirst("Accept") + " x=" + exchange.getRequestHeaders().getFirst("X-Probe"));
            byte[] body = ("at " + path).getBytes(StandardCharsets.UTF_8);
            switch (path) {
                case "/same" -> exchange.getResponseHeaders().add("Location", "/final");
                case "/other" -> exchange.getResponseHeaders().add("Location", "http://10.9.9.9/elsewhere");
                default -> { }
            }
            exchange.sendResponseHeaders(path.equals("/final") ? 200 : path.equals("/boom") ? 500 : 302, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            int port = server.getAddress().getPort();
            Target local = new Target(webSpec, web, "127.0.0.1");
            Action.HttpGet same = new Action.HttpGet("HTTP", Optional.empty(), new IntOrString(port), "/same",
                    List.of(new Action.Header("X-Probe", "yes")));
            assertEquals(Outcome.success("at /final"), handlers.probe(same, local, Duration.ofSeconds(2)));
            assertEquals(List.of("/same ua=kube-probe/1.33 accept=*/* x=yes", "/final ua=kube-probe/1.33 accept=*/* x=yes"), seen);
            assertEquals(Outcome.warning("Probe terminated redirects, Response body: at /other"),
                    handlers.probe(http(new IntOrString(port), "/other"), local, Duration.ofSeconds(2)),
                    "a redirect to another host is not followed and counts as a success with a warning");
            assertEquals(Outcome.failure("HTTP probe failed with statuscode: 500"),
                    handlers.probe(http(new IntOrString(port), "/boom"), local, Duration.ofSeconds(2)));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void httpsProbeChecksNeitherTheCertificateNorTheName() throws Exception {
        // A self-signed certificate for a name that is not the address probed.
        KeyPair pair = KeyPairGenerator.getInstance("EC").generateKeyPair();
        X500Name name = new X500Name("CN=not-this-address");
        Instant now = Instant.now();
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name,
                BigInteger.ONE, Date.from(now.minusSeconds(60)), Date.from(now.plusSeconds(3600)), name, pair.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("pod", pair.getPrivate(), "changeit".toCharArray(), new X509Certificate[] {certificate});
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keyManagers.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/", exchange -> {
            byte[] body = "self-signed and fine".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            Action.HttpGet get = new Action.HttpGet("HTTPS", Optional.empty(), new IntOrString(server.getAddress().getPort()), "/healthz", List.of());
            assertEquals(Outcome.success("self-signed and fine"), handlers.probe(get, new Target(webSpec, web, "127.0.0.1"), Duration.ofSeconds(5)));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void grpcProbeAsksTheHealthServiceAndServingIsSuccess() throws Exception {
        HealthStatusManager health = new HealthStatusManager();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(health.getHealthService()).build().start();
        try {
            int port = server.getPort();
            health.setStatus("kj.Db", ServingStatus.NOT_SERVING);
            assertEquals(Outcome.success("service is healthy"), handlers.probe(new Action.Grpc(port, ""), new Target(webSpec, web, "127.0.0.1"), Duration.ofSeconds(2)));
            assertEquals(Outcome.failure("service unhealthy (responded with \"NOT_SERVING\")"),
                    handlers.probe(new Action.Grpc(port, "kj.Db"), new Target(webSpec, web, "127.0.0.1"), Duration.ofSeconds(2)));
            assertEquals(Outcome.failure("error: health rpc probe failed: rpc error: code = NotFound desc = unknown service kj.Other"),
                    handlers.probe(new Action.Grpc(port, "kj.Other"), new Target(webSpec, web, "127.0.0.1"), Duration.ofSeconds(2)));
        } finally {
            server.shutdownNow().awaitTermination();
        }
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        Outcome refused = handlers.probe(new Action.Grpc(closed, ""), new Target(webSpec, web, "127.0.0.1"), Duration.ofSeconds(2));
        assertEquals(Outcome.Result.FAILURE, refused.result());
        assertTrue(refused.output().startsWith("error: failed to connect service at \"127.0.0.1:" + closed + "\": rpc error: code = Unavailable"),
                refused.output());
    }

    @Test
    void livenessFailurePastTheThresholdIsReportedOncePerContainer(CriTestbed.Bed bed) throws Exception {
        Probe liveness = new ProbeBuilder().withNewExec().withCommand("cat", "/tmp/healthy").endExec()
                .withPeriodSeconds(1).withFailureThreshold(3).build();
        Recorder recorder = new Recorder();
        try (ProbeManager manager = new ProbeManager(handlers, recorder, Clock.systemUTC())) {
            Instant started = Instant.now();
            String id = TestPods.start(bed, pod, "live-" + System.nanoTime(), List.of("sleep", "3600"));
            Pod spec = pod(new ContainerBuilder().withName("app").withLivenessProbe(liveness).build());
            manager.containerStarted(spec, "app", id, pod.ip(), started);
            assertTrue(manager.ready(id), "no readiness probe: ready once started");
            await("liveness failure reported", () -> !recorder.liveness.isEmpty());
            assertTrue(Duration.between(started, Instant.now()).toMillis() >= 1900, "three failures a second apart");
            List<String> failures = recorder.events.stream().filter(e -> e.contains("Liveness probe failed")).toList();
            assertEquals(3, failures.size(), recorder.events.toString());
            assertEquals("Warning Unhealthy Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory\n", failures.get(0));
            Thread.sleep(2500);
            assertEquals(List.of("app " + id + ": Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory\n"),
                    recorder.liveness, "once per container instance");
            assertEquals(3, recorder.events.size(), "the worker holds after reporting: " + recorder.events);
            manager.containerStopped(id);
            assertFalse(manager.ready(id));
            assertFalse(manager.started(id));
        }
    }

    @Test
    void startupProbeGatesLivenessAndReadiness(CriTestbed.Bed bed) throws Exception {
        Recorder recorder = new Recorder();
        try (ProbeManager manager = new ProbeManager(handlers, recorder, Clock.systemUTC())) {
            String id = TestPods.start(bed, pod, "slow-" + System.nanoTime(), List.of("sleep", "3600"));
            Pod spec = pod(new ContainerBuilder().withName("app")
                    .withStartupProbe(new ProbeBuilder().withNewExec().withCommand("cat", "/tmp/started").endExec()
                            .withPeriodSeconds(1).withFailureThreshold(60).build())
                    .withReadinessProbe(new ProbeBuilder().withNewExec().withCommand("true").endExec().withPeriodSeconds(1).build())
                    .withLivenessProbe(new ProbeBuilder().withNewExec().withCommand("false").endExec().withPeriodSeconds(1)
                            .withFailureThreshold(1).build())
                    .build());
            manager.containerStarted(spec, "app", id, pod.ip(), Instant.now());
            Thread.sleep(2500);
            assertFalse(manager.started(id));
            assertFalse(manager.ready(id));
            assertTrue(recorder.liveness.isEmpty());
            assertTrue(recorder.events.stream().allMatch(e -> e.startsWith("Warning Unhealthy Startup probe failed: ")), recorder.events.toString());

            bed.runtime().execSync(id, List.of("touch", "/tmp/started"), Duration.ofSeconds(5));
            await("started", () -> manager.started(id));
            await("ready", () -> manager.ready(id));
            await("liveness failure reported", () -> !recorder.liveness.isEmpty());
            assertEquals(List.of("app " + id + ": Liveness probe failed: "), recorder.liveness);
            assertTrue(recorder.readinessChanged.size() >= 2, "started, then ready: " + recorder.readinessChanged);
            assertTrue(recorder.startup.isEmpty());
        }
    }

    @Test
    void startupFailurePastTheThresholdIsReported(CriTestbed.Bed bed) throws Exception {
        Recorder recorder = new Recorder();
        try (ProbeManager manager = new ProbeManager(handlers, recorder, Clock.systemUTC())) {
            String id = TestPods.start(bed, pod, "never-" + System.nanoTime(), List.of("sleep", "3600"));
            Pod spec = pod(new ContainerBuilder().withName("app")
                    .withStartupProbe(new ProbeBuilder().withNewTcpSocket().withPort(new IntOrString(81)).endTcpSocket()
                            .withPeriodSeconds(1).withFailureThreshold(2).build())
                    .build());
            manager.containerStarted(spec, "app", id, pod.ip(), Instant.now());
            await("startup failure reported", () -> !recorder.startup.isEmpty());
            assertEquals(List.of("app " + id + ": Startup probe failed: dial tcp " + pod.ip() + ":81: connect: connection refused"), recorder.startup);
            assertFalse(manager.started(id));
        }
    }

    @Test
    void readinessFollowsAFileTheHttpProbeReads(CriTestbed.Bed bed) throws Exception {
        Recorder recorder = new Recorder();
        try (ProbeManager manager = new ProbeManager(handlers, recorder, Clock.systemUTC())) {
            String id = TestPods.start(bed, pod, "flip-" + System.nanoTime(),
                    TestPods.sh("mkdir /www && echo ready > /www/ready && exec httpd -f -p 8081 -h /www"));
            Pod spec = pod(new ContainerBuilder().withName("app").addNewPort().withName("alt").withContainerPort(8081).endPort()
                    .withReadinessProbe(new ProbeBuilder().withNewHttpGet().withPath("/ready").withPort(new IntOrString("alt")).endHttpGet()
                            .withPeriodSeconds(1).withFailureThreshold(1).build())
                    .build());
            manager.containerStarted(spec, "app", id, pod.ip(), Instant.now());
            assertFalse(manager.ready(id), "not ready before the first success");
            assertTrue(manager.started(id));
            await("ready", () -> manager.ready(id));
            bed.runtime().execSync(id, List.of("rm", "/www/ready"), Duration.ofSeconds(5));
            await("not ready", () -> !manager.ready(id));
            assertTrue(recorder.events.contains("Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 404"), recorder.events.toString());
            bed.runtime().execSync(id, TestPods.sh("echo again > /www/ready"), Duration.ofSeconds(5));
            await("ready again", () -> manager.ready(id));
            assertEquals(3, recorder.readinessChanged.size(), recorder.readinessChanged.toString());
            assertTrue(recorder.liveness.isEmpty());

            manager.podRemoved(pod.uid());
            assertFalse(manager.ready(id));
        }
    }

    private static Pod pod(Container container) {
        return new PodBuilder().withNewMetadata().withName(pod.name()).withNamespace("default").withUid(pod.uid()).endMetadata()
                .withNewSpec().withContainers(container).endSpec().build();
    }

    private static Action.HttpGet http(IntOrString port, String path) {
        return new Action.HttpGet("HTTP", Optional.empty(), port, path, List.of());
    }

    /** What the manager told the pod workers. */
    private static final class Recorder implements ProbeManager.Listener {
        final List<String> liveness = new CopyOnWriteArrayList<>();
        final List<String> startup = new CopyOnWriteArrayList<>();
        final List<String> readinessChanged = new CopyOnWriteArrayList<>();
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void livenessFailed(ContainerRef ref, String message) {
            liveness.add(ref.containerName() + " " + ref.containerId() + ": " + message);
        }

        @Override
        public void startupFailed(ContainerRef ref, String message) {
            startup.add(ref.containerName() + " " + ref.containerId() + ": " + message);
        }

        @Override
        public void readinessChanged(String podUid) {
            readinessChanged.add(podUid);
        }

        @Override
        public void event(ContainerRef ref, String type, String reason, String message) {
            events.add(type + " " + reason + " " + message);
        }
    }

    private static void await(String what, BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(PATIENCE);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
