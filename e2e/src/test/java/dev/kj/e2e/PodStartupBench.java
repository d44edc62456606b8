package dev.kj.e2e;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.client.HttpsTransport;
import dev.kj.api.client.Kubeconfig;
import dev.kj.api.client.ListOptions;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.client.Watch;
import dev.kj.api.client.WatchEvent;
import dev.kj.kubelet.testing.CriTestbed;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Issue #7's node figures on {@code kj server --all-in-one}, started as {@link KjAllInOne} does (in
 * this JVM's network namespace, with the registry's busybox): the time from start to node Ready;
 * pod startup latency, from just before each create request until a watch sees the pod Running
 * with its container ready (the image already present: one pod pulls it first), over N pods created
 * one after another at a fixed rate; then the RSS of kj and its containerd with 30 pods running and
 * idle. Run by bench/pods.sh. Prints {@code RESULT key=value} lines.
 *
 * <pre>PodStartupBench [--pods 100] [--rate 5] [--keep 30]</pre>
 */
public final class PodStartupBench {
    public static void main(String[] args) throws Exception {
        int pods = 100;
        double rate = 5;
        int keep = 30;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--pods" -> pods = Integer.parseInt(args[i + 1]);
                case "--rate" -> rate = Double.parseDouble(args[i + 1]);
                case "--keep" -> keep = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "kj-pod-bench");
        try (KjAllInOne kj = KjAllInOne.start(dir)) {
            while (!kj.kubectl("get", "nodes", "--no-headers").out().contains(" Ready ")) {
                KjAllInOne.sleep(Duration.ofMillis(100));
            }
            System.out.printf(Locale.ROOT, "RESULT metric=start_to_ready_ms value=%d%n", Duration.between(kj.startedAt, Instant.now()).toMillis());
            try (ApiClient client = new ApiClient(HttpsTransport.create(Kubeconfig.load(kj.kubeconfig()).current()))) {
                ResourceClient<Pod> podClient = client.typed(Resources.PODS, Pod.class);
                run(kj, podClient, pods, rate, keep);
            }
            kj.stop();
        }
    }

    private static Pod pod(String name) {
        return new PodBuilder().withNewMetadata().withName(name).withLabels(Map.of("bench", "startup")).endMetadata()
                .withNewSpec().withAutomountServiceAccountToken(false).withTerminationGracePeriodSeconds(1L)
                .addNewContainer().withName("sleep").withImage(CriTestbed.BUSYBOX).withCommand("sleep", "3600").endContainer()
                .endSpec().build();
    }

    private static boolean runningAndReady(Pod pod) {
        return pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase())
                && pod.getStatus().getContainerStatuses() != null
                && pod.getStatus().getContainerStatuses().stream().allMatch(s -> Boolean.TRUE.equals(s.getReady()));
    }

    private static void run(KjAllInOne kj, ResourceClient<Pod> pods, int count, double rate, int keep) throws Exception {
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        Map<String, Long> latencyNanos = new ConcurrentHashMap<>();
        CountDownLatch allRunning = new CountDownLatch(count + 1);
        String resourceVersion = pods.list("default", ListOptions.NONE).resourceVersion();
        Watch<Pod> watch = pods.watch("default", ListOptions.NONE.withLabelSelector("bench=startup").withResourceVersion(resourceVersion));
        Thread watcher = Thread.ofPlatform().daemon().start(() -> {
            try {
                while (true) {
                    WatchEvent<Pod> event = watch.next();
                    if (event == null) {
                        return;
                    }
                    Pod pod = switch (event) {
                        case WatchEvent.Added<Pod> added -> added.object();
                        case WatchEvent.Modified<Pod> modified -> modified.object();
                        default -> null;
                    };
                    if (pod != null && runningAndReady(pod)) {
                        Long sent = sentAt.get(pod.getMetadata().getName());
                        if (sent != null && latencyNanos.putIfAbsent(pod.getMetadata().getName(), System.nanoTime() - sent) == null) {
                            allRunning.countDown();
                        }
                    }
                }
            } catch (RuntimeException e) {
                if (allRunning.getCount() > 0) {
                    e.printStackTrace();
                }
            }
        });
        // the image is pulled once, by a pod that is not counted
        sentAt.put("bench-pull", System.nanoTime());
        pods.create("default", pod("bench-pull"));
        long intervalNanos = (long) (1e9 / rate);
        long start = System.nanoTime();
        while (latencyNanos.get("bench-pull") == null) {
            if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(3)) {
                throw new IllegalStateException("the image-pull pod did not run within 3 minutes:\n" + kj.kubectl("describe", "pod", "bench-pull").out());
            }
            Thread.sleep(50);
        }
        start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long due = start + i * intervalNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            String name = "bench-" + i;
            sentAt.put(name, System.nanoTime());
            pods.create("default", pod(name));
        }
        if (!allRunning.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException((allRunning.getCount()) + " pods not Running within 10 minutes");
        }
        watch.close();
        watcher.join(5000);
        List<Long> millis = new ArrayList<>();
        latencyNanos.forEach((name, nanos) -> {
            if (!name.equals("bench-pull")) {
                millis.add(TimeUnit.NANOSECONDS.toMillis(nanos));
            }
        });
        Collections.sort(millis);
        System.out.printf(Locale.ROOT, "RESULT metric=pod_startup pods=%d rate=%.1f p50_ms=%d p99_ms=%d max_ms=%d%n", millis.size(), rate,
                percentile(millis, 50), percentile(millis, 99), millis.getLast());
        // down to `keep` running pods, settled, for the memory figure
        pods.delete("default", "bench-pull", DeleteOptions.NONE);
        for (int i = keep; i < count; i++) {
            pods.delete("default", "bench-" + i, DeleteOptions.NONE);
        }
        Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
        while (pods.list("default", ListOptions.NONE.withLabelSelector("bench=startup")).items().size() > keep && Instant.now().isBefore(deadline)) {
            Thread.sleep(500);
        }
        Thread.sleep(30_000);
        System.out.printf(Locale.ROOT, "RESULT metric=rss running_pods=%d kj_mib=%d containerd_mib=%d%n", keep, rssMib(kj.pid()),
                containerdRssMib(kj));
    }

    private static long percentile(List<Long> sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    static long rssMib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (java.io.IOException e) {
            return -1;
        }
        return -1;
    }

    /** containerd itself (not its shims): the process whose command line names kj's containerd config. */
    static long containerdRssMib(KjAllInOne kj) {
        String config = kj.dataDir().resolve("containerd").toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("/containerd")).orElse(false)
                        && p.info().arguments().map(a -> String.join(" ", a).contains(config)).orElse(false))
                .mapToLong(p -> rssMib(p.pid())).sum();
    }
}
