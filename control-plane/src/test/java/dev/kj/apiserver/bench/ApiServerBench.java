package dev.kj.apiserver.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.testing.TlsClients;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Latency and throughput of a running {@code kj server} over HTTPS with its admin client
 * certificate (bench/apiserver.sh starts the server):
 * <ul>
 *   <li>configmap create, get, update (PUT) and list (a namespace of 100, resourceVersion "") at
 *       1, 10 and 50 concurrent clients, each client on its own connection, opened before the timed
 *       phases (the "connect" row times that first request, TLS handshake included): p50/p99 and ops/s;
 *   <li>watch latency, from just before a write is sent until a watcher has read its event, with
 *       1 and 100 watchers;
 *   <li>the time to LIST 10,000 configmaps at resourceVersion=0 (the watch cache) and "" (consistent).
 * </ul>
 * By default each client sends its next request as soon as the last is answered (a closed loop: at 50
 * clients the two cores saturate and latency is queueing, 50 / throughput by Little's law). With
 * {@code --rate R} the clients together send R requests per second on a fixed schedule instead (an open
 * loop, as clusterloader2 drives an API server at a set QPS); each latency then counts from the time its
 * request was due, so a client running behind its schedule is charged for it.
 * Prints {@code RESULT key=value ...} lines.
 *
 * <pre>ApiServerBench --server https://127.0.0.1:PORT --pki DIR [--clients 1,10,50] [--ops 1000]
 *     [--watchers 1,100] [--watch-writes 200] [--list-items 10000] [--label NAME] [--warmup true|N] [--rate R] [--server-pid PID]</pre>
 */
public final class ApiServerBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String server;
    private final Path pki;
    private String label;
    /** Appended to the namespaces a run creates, so a warm-up run and the measured one do not meet. */
    private String namespaceSuffix = "";
    /** Requests per second over all clients of a phase (an open loop); 0: a closed loop. */
    private double rate;
    /** The server's process id when it runs on this machine (0: unknown), for its JIT threads' CPU. */
    private long serverPid;

    private ApiServerBench(String server, Path pki, String label) {
        this.server = server;
        this.pki = pki;
        this.label = label;
    }

    public static void main(String[] args) throws Exception {
        String server = null;
        Path pki = null;
        String label = "kj";
        int[] clients = {1, 10, 50};
        int ops = 1000;
        int[] watchers = {1, 100};
        int watchWrites = 200;
        int listItems = 10_000;
        int warmups = 0;
        long serverPid = 0;
        double rate = 0;
        for (int i = 0; i < args.length; i += 2) {
            String value = args[i + 1];
            switch (args[i]) {
                case "--server" -> server = value;
                case "--pki" -> pki = Path.of(value);
                case "--label" -> label = value;
                case "--clients" -> clients = ints(value);
                case "--ops" -> ops = Integer.parseInt(value);
                case "--watchers" -> watchers = ints(value);
                case "--watch-writes" -> watchWrites = Integer.parseInt(value);
                case "--list-items" -> listItems = Integer.parseInt(value);
                case "--warmup" -> warmups = value.equals("true") ? 1 : value.equals("false") ? 0 : Integer.parseInt(value);
                case "--rate" -> rate = Double.parseDouble(value);
                case "--server-pid" -> serverPid = Long.parseLong(value);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (server == null || pki == null) {
            throw new IllegalArgumentException("--server and --pki are required");
        }
        ApiServerBench bench = new ApiServerBench(server, pki, label);
        bench.rate = rate;
        bench.serverPid = serverPid;
        bench.awaitReady();
        String measuredLabel = bench.label;
        for (int round = 1; round <= warmups; round++) {
            // the same work before measuring, so the server's JIT has compiled the paths measured
            // (RESULT lines carry the label with "-warmup", "-warmup2", ...: a fresh server's C2
            // compiler still takes a large share of its CPU during the first round)
            String suffix = round == 1 ? "-warmup" : "-warmup" + round;
            bench.label = measuredLabel + suffix;
            bench.namespaceSuffix = suffix;
            for (int count : clients) {
                bench.crud(count, ops);
            }
            for (int count : watchers) {
                bench.watchLatency(count, watchWrites);
            }
            bench.label = measuredLabel;
            bench.namespaceSuffix = "";
        }
        for (int count : clients) {
            bench.crud(count, ops);
        }
        for (int count : watchers) {
            bench.watchLatency(count, watchWrites);
        }
        if (listItems > 0) {
            bench.bigList(listItems);
        }
        System.exit(0); // watch readers' threads
    }

    /** "1,10,50", or "none" to skip that part. */
    private static int[] ints(String list) {
        return list.equals("none") ? new int[0] : Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    /**
     * With {@code --server-pid} (a server on this machine), the CPU seconds its JIT compiler threads
     * have used: a fresh server's C1/C2 compilers take a large and varying share of its CPU during
     * the first minutes, which a long-running server no longer spends; 0 without a pid.
     */
    private double serverJitSeconds() {
        if (serverPid <= 0) {
            return 0;
        }
        double ticks = 0;
        try (var tasks = java.nio.file.Files.list(Path.of("/proc", Long.toString(serverPid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String comm = java.nio.file.Files.readString(task.resolve("comm")).strip();
                    if (!comm.startsWith("C1 CompilerThre") && !comm.startsWith("C2 CompilerThre")) {
                        continue;
                    }
                    String stat = java.nio.file.Files.readString(task.resolve("stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
                } catch (java.io.IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (java.io.IOException e) {
            return 0;
        }
        return ticks / 100.0; // USER_HZ
    }

    /** With a pid, " server_jit_ms_per_op=…": the part of server_cpu_ms_per_op its JIT compilers used. */
    private String jitField(String name, double jitSeconds, int ops) {
        return serverPid <= 0 ? "" : String.format(Locale.ROOT, " server_jit_ms_per_%s=%.2f", name, jitSeconds * 1000 / ops);
    }

    /** The server's process_cpu_seconds_total: CPU it used, whatever else the machine runs. */
    private double serverCpuSeconds() throws Exception {
        String metrics = send(client(), get("/metrics"), 200);
        return metrics.lines().filter(line -> line.startsWith("process_cpu_seconds_total "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.indexOf(' ') + 1))).findFirst().orElse(Double.NaN);
    }

    private HttpClient client() throws Exception {
        return TlsClients.client(pki, true);
    }

    private void awaitReady() throws Exception {
        HttpClient client = client();
        for (int i = 0; i < 600; i++) {
            try {
                if (client.send(get("/readyz"), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the server never became ready");
    }

    // ---- create / get / update / list ----

    private void crud(int clients, int ops) throws Exception {
        String ns = "bench-crud-" + clients + namespaceSuffix;
        HttpClient setup = client();
        createNamespace(setup, ns);
        String listNs = "bench-list-" + clients + namespaceSuffix;
        createNamespace(setup, listNs);
        for (int i = 0; i < 100; i++) {
            send(setup, post("/api/v1/namespaces/" + listNs + "/configmaps", configMap("l" + i, "x")), 201);
        }
        List<HttpClient> connections = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            connections.add(client());
        }
        // Each client's connection (TLS handshake with the client certificate) is opened before the
        // timed phases, as long-lived clients (kubectl, controllers, informers) keep theirs: otherwise
        // the first phase's first request of every client carries a handshake, 5 % of its requests at
        // 50 clients (20 each), which is then that phase's p99. The handshakes are timed on their own.
        double configuredRate = rate;
        rate = 0; // the connections are opened all at once, whatever the mode
        phase("connect", clients, 1, connections, (client, c, i) -> send(client, get("/readyz"), 200));
        rate = configuredRate;
        int perClient = Math.max(1, ops / clients);
        phase("create", clients, perClient, connections, (client, c, i) ->
                send(client, post("/api/v1/namespaces/" + ns + "/configmaps", configMap("c" + c + "-" + i, "0")), 201));
        phase("get", clients, perClient, connections, (client, c, i) ->
                send(client, get("/api/v1/namespaces/" + ns + "/configmaps/c" + c + "-" + i), 200));
        // each update sends the object as read by the get before it, so no conflicts: clients own their objects
        phase("update", clients, perClient, connections, (client, c, i) -> {
            String path = "/api/v1/namespaces/" + ns + "/configmaps/c" + c + "-" + i;
            JsonNode current = JSON.readTree(send(client, get(path), 200));
            ((com.fasterxml.jackson.databind.node.ObjectNode) current.path("data")).put("v", "1");
            send(client, HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(current.toString())).build(), 200);
        }, true);
        phase("list", clients, perClient, connections, (client, c, i) ->
                send(client, get("/api/v1/namespaces/" + listNs + "/configmaps"), 200));
    }

    @FunctionalInterface
    private interface Op {
        void run(HttpClient client, int clientIndex, int opIndex) throws Exception;
    }

    private void phase(String name, int clients, int perClient, List<HttpClient> connections, Op op) throws Exception {
        phase(name, clients, perClient, connections, op, false);
    }

    /** @param lastCallOnly time only the op's last request (update: the get before the PUT is not counted) */
    private void phase(String name, int clients, int perClient, List<HttpClient> connections, Op op, boolean lastCallOnly)
            throws Exception {
        long[][] latencies = new long[clients][perClient];
        CountDownLatch go = new CountDownLatch(1);
        long[] startedAt = new long[1];
        // open loop: client c sends its i-th request at i * clients + c request intervals after the start
        double intervalNanos = rate > 0 ? 1e9 / rate : 0;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            done.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < perClient; i++) {
                    long due = 0;
                    if (intervalNanos > 0) {
                        due = startedAt[0] + (long) ((i * (double) clients + client) * intervalNanos);
                        for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                            java.util.concurrent.locks.LockSupport.parkNanos(wait);
                        }
                    }
                    long start = System.nanoTime();
                    LAST_CALL_START.set(start);
                    op.run(connections.get(client), client, i);
                    long end = System.nanoTime();
                    long latency = end - (lastCallOnly ? LAST_CALL_START.get() : start);
                    if (intervalNanos > 0) {
                        latency += start - due; // how late the request left (and for update, after its get)
                    }
                    latencies[client][i] = latency;
                }
                return null;
            }));
        }
        double cpuBefore = serverCpuSeconds();
        double jitBefore = serverJitSeconds();
        long start = System.nanoTime();
        startedAt[0] = start;
        go.countDown();
        for (Future<?> future : done) {
            future.get();
        }
        long elapsed = System.nanoTime() - start;
        double cpu = serverCpuSeconds() - cpuBefore;
        double jit = serverJitSeconds() - jitBefore;
        pool.shutdown();
        long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
        System.out.printf(Locale.ROOT, "RESULT label=%s op=%s clients=%d%s ops=%d p50_ms=%.2f p99_ms=%.2f ops_per_s=%.0f"
                        + " server_cpu_ms_per_op=%.2f%s%n", label, name, clients,
                rate > 0 ? String.format(Locale.ROOT, " rate=%.0f", rate) : "", all.length, millis(percentile(all, 50)),
                millis(percentile(all, 99)), all.length / (elapsed / 1e9), cpu * 1000 / all.length,
                jitField("op", jit, all.length));
    }

    /** When the op's current request started (ops of one thread). */
    private static final ThreadLocal<Long> LAST_CALL_START = ThreadLocal.withInitial(() -> 0L);

    // ---- watch latency ----

    private void watchLatency(int watchers, int writes) throws Exception {
        String ns = "bench-watch-" + watchers + namespaceSuffix;
        HttpClient writer = client();
        createNamespace(writer, ns);
        String version = JSON.readTree(send(writer, post("/api/v1/namespaces/" + ns + "/configmaps",
                configMap("ticker", "0")), 201)).path("metadata").path("resourceVersion").asText();
        long[][] seen = new long[watchers][writes];
        AtomicInteger ready = new AtomicInteger();
        CountDownLatch finished = new CountDownLatch(watchers);
        long[] sentAt = new long[writes];
        for (int w = 0; w < watchers; w++) {
            int watcher = w;
            HttpClient client = client();
            HttpResponse<InputStream> stream = client.send(get("/api/v1/namespaces/" + ns
                    + "/configmaps?watch=1&timeoutSeconds=600&resourceVersion=" + version), HttpResponse.BodyHandlers.ofInputStream());
            if (stream.statusCode() != 200) {
                throw new IllegalStateException("watch answered " + stream.statusCode());
            }
            ready.incrementAndGet();
            Thread.ofPlatform().daemon().name("watcher-" + w).start(() -> {
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                    int received = 0;
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        long now = System.nanoTime();
                        JsonNode event = JSON.readTree(line);
                        int n = event.path("object").path("data").path("n").asInt(-1);
                        if (n >= 0 && n < writes) {
                            seen[watcher][n] = now;
                            if (++received == writes) {
                                break;
                            }
                        }
                    }
                } catch (Exception e) {
                    System.err.println("watcher " + watcher + ": " + e);
                } finally {
                    finished.countDown();
                }
            });
        }
        Thread.sleep(500); // every watch registered
        String path = "/api/v1/namespaces/" + ns + "/configmaps/ticker";
        double cpuBefore = serverCpuSeconds();
        double jitBefore = serverJitSeconds();
        for (int n = 0; n < writes; n++) {
            sentAt[n] = System.nanoTime();
            send(writer, HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/merge-patch+json")
                    .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"data\":{\"n\":\"" + n + "\"}}")).build(), 200);
            Thread.sleep(10);
        }
        if (!finished.await(120, TimeUnit.SECONDS)) {
            System.err.println("some watchers did not see every write");
        }
        double cpu = serverCpuSeconds() - cpuBefore; // the writes and the delivery of their events
        double jit = serverJitSeconds() - jitBefore;
        List<Long> latencies = new ArrayList<>();
        int missing = 0;
        for (long[] watcher : seen) {
            for (int n = 0; n < writes; n++) {
                if (watcher[n] == 0) {
                    missing++;
                } else {
                    latencies.add(watcher[n] - sentAt[n]);
                }
            }
        }
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "RESULT label=%s op=watch watchers=%d writes=%d events=%d missing=%d p50_ms=%.2f"
                        + " p99_ms=%.2f max_ms=%.2f server_cpu_ms_per_write=%.2f%s%n", label, watchers, writes, sorted.length,
                missing, millis(percentile(sorted, 50)), millis(percentile(sorted, 99)), millis(sorted[sorted.length - 1]),
                cpu * 1000 / writes, jitField("write", jit, writes));
    }

    // ---- a list of 10,000 ----

    private void bigList(int items) throws Exception {
        String ns = "bench-10k";
        HttpClient setup = client();
        createNamespace(setup, ns);
        int creators = 20;
        ExecutorService pool = Executors.newFixedThreadPool(creators);
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < creators; c++) {
            int creator = c;
            HttpClient client = client();
            done.add(pool.submit(() -> {
                for (int i = creator; i < items; i += creators) {
                    send(client, post("/api/v1/namespaces/" + ns + "/configmaps", configMap("item-" + i, "some-value-" + i)), 201);
                }
                return null;
            }));
        }
        for (Future<?> future : done) {
            future.get();
        }
        pool.shutdown();
        for (String version : List.of("0", "")) {
            String path = "/api/v1/namespaces/" + ns + "/configmaps" + (version.isEmpty() ? "" : "?resourceVersion=" + version);
            long[] times = new long[10];
            int count = 0;
            long bytes = 0;
            double cpuBefore = 0;
            for (int i = 0; i < times.length + 2; i++) { // two to warm up
                if (i == 2) {
                    cpuBefore = serverCpuSeconds();
                }
                long start = System.nanoTime();
                HttpResponse<byte[]> response = setup.send(get(path), HttpResponse.BodyHandlers.ofByteArray());
                long elapsed = System.nanoTime() - start;
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("list answered " + response.statusCode());
                }
                if (i >= 2) {
                    times[i - 2] = elapsed;
                }
                bytes = response.body().length;
                count = JSON.readTree(response.body()).path("items").size();
            }
            double cpu = serverCpuSeconds() - cpuBefore;
            Arrays.sort(times);
            System.out.printf(Locale.ROOT, "RESULT label=%s op=list-%d resourceVersion=%s items=%d bytes=%d p50_ms=%.1f"
                    + " max_ms=%.1f server_cpu_ms_per_list=%.1f%n", label, items, version.isEmpty() ? "\"\"" : version,
                    count, bytes, millis(percentile(times, 50)), millis(times[times.length - 1]), cpu * 1000 / times.length);
        }
    }

    // ---- helpers ----

    private void createNamespace(HttpClient client, String name) throws Exception {
        HttpResponse<String> response = client.send(post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + name + "\"}}"),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201 && response.statusCode() != 409) {
            throw new IllegalStateException("namespace " + name + ": " + response.statusCode() + " " + response.body());
        }
    }

    private static String configMap(String name, String value) {
        return "{\"metadata\":{\"name\":\"" + name + "\",\"labels\":{\"bench\":\"kj\"}},\"data\":{\"v\":\"" + value + "\"}}";
    }

    private String send(HttpClient client, HttpRequest request, int expected) throws Exception {
        LAST_CALL_START.set(System.nanoTime());
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IllegalStateException(request.method() + " " + request.uri() + ": " + response.statusCode() + " "
                    + response.body());
        }
        return response.body();
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(uri(path)).GET().build();
    }

    private HttpRequest post(String path, String body) {
        return HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private URI uri(String path) {
        return URI.create(server + path);
    }

    private static long percentile(long[] sorted, int percent) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }
}
