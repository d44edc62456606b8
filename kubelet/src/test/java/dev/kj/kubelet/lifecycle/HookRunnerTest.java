package dev.kj.kubelet.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.kubelet.prober.Handlers;
import dev.kj.kubelet.testing.CriTestbed;
import dev.kj.kubelet.testing.TestPods;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.LifecycleHandlerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** postStart and preStop hooks against real busybox containers on containerd. */
@ExtendWith(CriTestbed.class)
class HookRunnerTest {
    private static TestPods.Sandbox pod;
    private static String web;
    private static HookRunner hooks;

    @BeforeAll
    static void startWebPod(CriTestbed.Bed bed) throws Exception {
        pod = TestPods.sandbox(bed, "hooked");
        web = TestPods.start(bed, pod, "web", TestPods.WEB);
        hooks = new HookRunner(new Handlers(bed.runtime()));
        Instant deadline = Instant.now().plusSeconds(60);
        while (bed.runtime().execSync(web, TestPods.sh("nc -z 127.0.0.1 8080 || wget -q -O /dev/null http://127.0.0.1:8080/"), Duration.ofSeconds(5))
                .getExitCode() != 0) {
            assertTrue(Instant.now().isBefore(deadline), "httpd did not start");
            Thread.sleep(100);
        }
    }

    @Test
    void postStartExecWritesAFileTheContainerThenHas(CriTestbed.Bed bed) {
        String id = TestPods.start(bed, pod, "post-" + System.nanoTime(), List.of("sleep", "3600"));
        Container app = container("app", new LifecycleHandlerBuilder().withNewExec()
                .withCommand("sh", "-c", "echo started by the hook > /tmp/post-start").endExec().build(), null);
        assertEquals(Optional.empty(), hooks.postStart(pod(), app, id, pod.ip()));
        var read = bed.runtime().execSync(id, List.of("cat", "/tmp/post-start"), Duration.ofSeconds(5));
        assertEquals("started by the hook\n", read.getStdout().toStringUtf8());
    }

    @Test
    void aFailingPostStartExecIsWordedAsUpstream(CriTestbed.Bed bed) {
        String id = TestPods.start(bed, pod, "postfail-" + System.nanoTime(), List.of("sleep", "3600"));
        Container app = container("app", new LifecycleHandlerBuilder().withNewExec()
                .withCommand("sh", "-c", "echo out; echo err >&2; exit 3").endExec().build(), null);
        assertEquals(Optional.of("Exec lifecycle hook ([sh -c echo out; echo err >&2; exit 3]) for Container \"app\" in Pod \"hooked_default("
                        + pod.uid() + ")\" failed - error: command 'sh -c echo out; echo err >&2; exit 3' exited with 3: err\n, message: \"out\\nerr\\n\""),
                hooks.postStart(pod(), app, id, pod.ip()));
    }

    @Test
    void preStopHttpGetReachesTheContainer(CriTestbed.Bed bed) {
        Container app = container("web", null, new LifecycleHandlerBuilder().withNewHttpGet()
                .withPath("/cgi-bin/hit").withPort(new IntOrString(8080)).endHttpGet().build());
        assertEquals(1, bed.runtime().execSync(web, List.of("cat", "/tmp/hit"), Duration.ofSeconds(5)).getExitCode(), "not hit yet");
        assertEquals(Optional.empty(), hooks.preStop(pod(), app, web, pod.ip(), Duration.ofSeconds(10)));
        assertEquals(0, bed.runtime().execSync(web, List.of("cat", "/tmp/hit"), Duration.ofSeconds(5)).getExitCode(),
                "the hook's GET ran the container's CGI script");

        Container refused = container("web", null, new LifecycleHandlerBuilder().withNewHttpGet()
                .withPath("/stop").withPort(new IntOrString(81)).endHttpGet().build());
        assertEquals(Optional.of("HTTP lifecycle hook (/stop) for Container \"web\" in Pod \"hooked_default(" + pod.uid()
                        + ")\" failed - error: Get \"http://" + pod.ip() + ":81/stop\": dial tcp " + pod.ip() + ":81: connect: connection refused"),
                hooks.preStop(pod(), refused, web, pod.ip(), Duration.ofSeconds(10)));
    }

    @Test
    void preStopIsBoundedByTheGracePeriod() {
        Container sleeper = container("web", null, new LifecycleHandlerBuilder().withNewSleep().withSeconds(30L).endSleep().build());
        Instant start = Instant.now();
        assertEquals(Optional.empty(), hooks.preStop(pod(), sleeper, web, pod.ip(), Duration.ofSeconds(1)));
        long took = Duration.between(start, Instant.now()).toMillis();
        assertTrue(took >= 1000 && took < 5000, "took " + took + " ms");

        Container shortSleep = container("web", new LifecycleHandlerBuilder().withNewSleep().withSeconds(1L).endSleep().build(), null);
        start = Instant.now();
        assertEquals(Optional.empty(), hooks.postStart(pod(), shortSleep, web, pod.ip()));
        assertTrue(Duration.between(start, Instant.now()).toMillis() >= 1000);
    }

    private static Container container(String name, LifecycleHandler postStart, LifecycleHandler preStop) {
        return new ContainerBuilder().withName(name).withNewLifecycle().withPostStart(postStart).withPreStop(preStop).endLifecycle().build();
    }

    private static Pod pod() {
        return new PodBuilder().withNewMetadata().withName(pod.name()).withNamespace("default").withUid(pod.uid()).endMetadata().build();
    }
}
