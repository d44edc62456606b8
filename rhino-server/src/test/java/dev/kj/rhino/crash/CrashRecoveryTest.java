package dev.kj.rhino.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import dev.kj.rhino.api.etcdserverpb.KVGrpc;
import dev.kj.rhino.api.etcdserverpb.PutRequest;
import dev.kj.rhino.api.etcdserverpb.PutResponse;
import dev.kj.rhino.api.etcdserverpb.RangeRequest;
import dev.kj.rhino.api.etcdserverpb.RangeResponse;
import dev.kj.rhino.api.etcdserverpb.WatchCreateRequest;
import dev.kj.rhino.api.etcdserverpb.WatchGrpc;
import dev.kj.rhino.api.etcdserverpb.WatchRequest;
import dev.kj.rhino.api.etcdserverpb.WatchResponse;
import dev.kj.rhino.api.mvccpb.Event;
import dev.kj.rhino.api.mvccpb.KeyValue;
import dev.kj.rhino.testing.TempDirs;
import dev.kj.rhino.testing.TestBackends;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kills a Rhino JVM with SIGKILL in the middle of concurrent writes and restarts it on the same data
 * dir. Group commit promises that no write is acknowledged before it is durable and that revisions
 * are allocated in commit order without gaps; this checks both from the outside, plus that a watcher
 * resuming from its last seen revision misses and repeats nothing.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CrashRecoveryTest {
    static final int WRITERS = 8;
    /** Acknowledged writes to wait for before the kill (or {@link #LOAD_BEFORE_KILL}, whichever first). */
    static final int ACKS_BEFORE_KILL = 3_000;
    static final Duration LOAD_BEFORE_KILL = Duration.ofSeconds(15);
    static final String PREFIX = "/crash/";
    static final Duration STARTUP = Duration.ofSeconds(60);

    Path root;
    final List<Process> processes = new ArrayList<>();
    final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeEach
    void scratch() throws IOException {
        root = Files.createTempDirectory("kj-rhino-crash-");
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (Process process : processes) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        TempDirs.deleteRecursively(root);
    }

    record Ack(String key, String value, long revision) {
    }

    @Test
    void acknowledgedWritesSurviveSigkillAndRevisionsHaveNoGaps() throws Exception {
        Path dataDir = root.resolve("data");
        // The backend under test (-Dkj.test.backend); both JVMs use the same datastore.
        String endpoint = TestBackends.config(dataDir).endpoint();
        Process first = startServer(dataDir, endpoint, root.resolve("first.log"));
        ManagedChannel channel = channel(port(first, root.resolve("first.log")));
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
        long startRevision = kv.range(RangeRequest.newBuilder().setKey(bs("x")).build()).getHeader().getRevision();

        // A watcher on the whole keyspace from the next revision, recording every event's revision.
        List<Long> seenBeforeCrash = java.util.Collections.synchronizedList(new ArrayList<>());
        Map<Long, String> keyAtRevision = new ConcurrentHashMap<>();
        CountDownLatch created = new CountDownLatch(1);
        StreamObserver<WatchRequest> watchRequests = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
            @Override
            public void onNext(WatchResponse response) {
                if (response.getCreated()) {
                    created.countDown();
                }
                for (Event event : response.getEventsList()) {
                    seenBeforeCrash.add(event.getKv().getModRevision());
                    keyAtRevision.put(event.getKv().getModRevision(), event.getKv().getKey().toStringUtf8());
                }
            }

            @Override
            public void onError(Throwable t) {
                // expected: the server dies
            }

            @Override
            public void onCompleted() {
            }
        });
        watchRequests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                .setKey(bs("\0")).setRangeEnd(bs("\0")).setStartRevision(startRevision + 1)).build());
        assertTrue(created.await(10, TimeUnit.SECONDS), "watch not created");

        // Writers: distinct keys, each acknowledged revision recorded.
        List<Ack> acks = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger failures = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> unexpected = new AtomicReference<>();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            writers.add(Thread.ofPlatform().name("crash-writer-" + w).start(() -> {
                KVGrpc.KVBlockingStub stub = KVGrpc.newBlockingStub(channel);
                for (int i = 0; !stop.get(); i++) {
                    String key = PREFIX + "w" + writer + "/" + i;
                    String value = "value-" + writer + "-" + i;
                    try {
                        PutResponse response = stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                                .put(PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value)).build());
                        acks.add(new Ack(key, value, response.getHeader().getRevision()));
                    } catch (io.grpc.StatusRuntimeException e) {
                        failures.incrementAndGet();
                        return; // the server is gone; this write may or may not have committed
                    } catch (RuntimeException e) {
                        unexpected.set(e);
                        return;
                    }
                }
            }));
        }

        long deadline = System.nanoTime() + LOAD_BEFORE_KILL.toNanos();
        while (acks.size() < ACKS_BEFORE_KILL && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        int acksAtKill = acks.size();
        assertTrue(acksAtKill > 0, "no write was acknowledged before the kill; server log:\n" + log(root.resolve("first.log")));
        first.destroyForcibly(); // SIGKILL
        assertTrue(first.waitFor(10, TimeUnit.SECONDS), "server did not die");
        for (Thread writer : writers) {
            writer.join(Duration.ofSeconds(30));
        }
        stop.set(true);
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        if (unexpected.get() != null) {
            fail("writer failed unexpectedly", unexpected.get());
        }
        assertTrue(failures.get() > 0, "writers saw no failure: the kill did not hit them mid-load");

        List<Long> beforeCrash;
        synchronized (seenBeforeCrash) {
            beforeCrash = List.copyOf(seenBeforeCrash);
        }
        List<Ack> acknowledged;
        synchronized (acks) {
            acknowledged = List.copyOf(acks);
        }

        // Restart on the same data dir.
        Process second = startServer(dataDir, endpoint, root.resolve("second.log"));
        ManagedChannel after = channel(port(second, root.resolve("second.log")));
        KVGrpc.KVBlockingStub kvAfter = KVGrpc.newBlockingStub(after);
        long current = kvAfter.range(RangeRequest.newBuilder().setKey(bs("x")).build()).getHeader().getRevision();

        // 1. Every acknowledged write is there, at its acknowledged revision.
        for (Ack ack : acknowledged) {
            RangeResponse got = kvAfter.range(RangeRequest.newBuilder().setKey(bs(ack.key())).build());
            assertEquals(1, got.getKvsCount(), "acknowledged write lost: " + ack);
            KeyValue kvAfterRestart = got.getKvs(0);
            assertEquals(ack.revision(), kvAfterRestart.getModRevision(), "mod_revision changed: " + ack);
            assertEquals(ack.value(), kvAfterRestart.getValue().toStringUtf8(), "value changed: " + ack);
            assertTrue(ack.revision() <= current, "acknowledged revision " + ack.revision() + " > current " + current);
        }

        // 2. History from revision 2: exactly one event per revision, no gaps, up to current.
        List<Event> history = watchAll(after, 2, current);
        List<Long> historyRevisions = history.stream().map(e -> e.getKv().getModRevision()).toList();
        assertContiguous(2, current, historyRevisions, "history after restart");

        // Whatever the watcher saw before the crash was durable: same key at the same revision.
        for (Event event : history) {
            String before = keyAtRevision.get(event.getKv().getModRevision());
            if (before != null) {
                assertEquals(before, event.getKv().getKey().toStringUtf8(),
                        "revision " + event.getKv().getModRevision() + " names another key after restart");
            }
        }
        assertTrue(beforeCrash.stream().allMatch(r -> r <= current),
                "the watcher saw a revision that did not survive: max seen " + beforeCrash.stream().max(Long::compare)
                        + ", current after restart " + current);

        // 3. The pre-crash watcher resumes from its last seen revision + 1: together, each revision once.
        long lastSeen = beforeCrash.isEmpty() ? startRevision : beforeCrash.get(beforeCrash.size() - 1);
        assertContiguous(startRevision + 1, lastSeen, beforeCrash, "watcher before the crash");
        List<Long> resumed = watchAll(after, lastSeen + 1, current).stream().map(e -> e.getKv().getModRevision()).toList();
        List<Long> combined = new ArrayList<>(beforeCrash);
        combined.addAll(resumed);
        assertContiguous(startRevision + 1, current, combined, "watcher before + after the crash");

        // New writes continue right after the recovered revision.
        long next = kvAfter.put(PutRequest.newBuilder().setKey(bs(PREFIX + "after")).setValue(bs("v")).build())
                .getHeader().getRevision();
        assertEquals(current + 1, next);
        System.out.printf("crash test: %d acknowledged (%d at kill), %d writes failed at kill, watcher saw %d,"
                        + " revision %d after restart (%d committed but unacknowledged)%n",
                acknowledged.size(), acksAtKill, failures.get(), beforeCrash.size(), current,
                current - startRevision - acknowledged.size());
    }

    /** Asserts {@code revisions} is exactly from..to, in order, each once. */
    static void assertContiguous(long from, long to, List<Long> revisions, String what) {
        long expected = from;
        for (int i = 0; i < revisions.size(); i++) {
            long revision = revisions.get(i);
            if (revision != expected) {
                fail(what + ": at position " + i + " expected revision " + expected + " but got " + revision
                        + (revision < expected ? " (duplicate or out of order)" : " (gap)"));
            }
            expected++;
        }
        assertEquals(to, expected - 1, what + ": revisions end early");
    }

    /** Watches the whole keyspace from {@code from} and returns every event up to {@code to}. */
    static List<Event> watchAll(ManagedChannel channel, long from, long to) throws InterruptedException {
        List<Event> events = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<String> problem = new AtomicReference<>();
        if (from > to) {
            return List.of();
        }
        StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
            @Override
            public void onNext(WatchResponse response) {
                if (response.getCanceled()) {
                    problem.set("watch canceled: " + response.getCancelReason() + " compact_revision="
                            + response.getCompactRevision());
                    done.countDown();
                    return;
                }
                events.addAll(response.getEventsList());
                if (!response.getEventsList().isEmpty()
                        && response.getEvents(response.getEventsCount() - 1).getKv().getModRevision() >= to) {
                    done.countDown();
                }
            }

            @Override
            public void onError(Throwable t) {
                problem.set(t.toString());
                done.countDown();
            }

            @Override
            public void onCompleted() {
                done.countDown();
            }
        });
        requests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                .setKey(bs("\0")).setRangeEnd(bs("\0")).setStartRevision(from)).build());
        boolean finished = done.await(60, TimeUnit.SECONDS);
        requests.onCompleted();
        assertTrue(finished, "watch from " + from + " did not reach revision " + to + "; got " + events.size() + " events");
        if (problem.get() != null) {
            fail("watch from " + from + ": " + problem.get());
        }
        synchronized (events) {
            return events.stream().filter(e -> e.getKv().getModRevision() <= to).toList();
        }
    }

    /** A Rhino JVM on {@code dataDir}, or on {@code endpoint} when it is not null. */
    static Process startServer(Path dataDir, String endpoint, Path log, List<Process> processes) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                CrashServerMain.class.getName(), dataDir.toString(), "0", endpoint == null ? "" : endpoint)
                .redirectError(log.toFile());
        Process process = builder.start();
        processes.add(process);
        return process;
    }

    private Process startServer(Path dataDir, String endpoint, Path log) throws IOException {
        return startServer(dataDir, endpoint, log, processes);
    }

    /** Reads the port the server prints once it serves, then keeps draining its stdout. */
    static int port(Process process, Path log) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        AtomicReference<String> portLine = new AtomicReference<>();
        CountDownLatch ready = new CountDownLatch(1);
        Thread.ofVirtual().start(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith(CrashServerMain.PORT_LINE) && portLine.get() == null) {
                        portLine.set(line);
                        ready.countDown();
                    }
                }
            } catch (IOException ignored) {
                // the process died
            }
            ready.countDown();
        });
        boolean started = ready.await(STARTUP.toSeconds(), TimeUnit.SECONDS);
        String line = portLine.get();
        if (!started || line == null) {
            fail("rhino did not start (alive=" + process.isAlive() + "); log:\n" + log(log));
        }
        assertNotNull(line);
        return Integer.parseInt(line.substring(CrashServerMain.PORT_LINE.length()).trim());
    }

    private ManagedChannel channel(int port) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        channels.add(channel);
        return channel;
    }

    static String log(Path log) {
        try {
            String all = Files.readString(log);
            return all.length() > 4000 ? all.substring(all.length() - 4000) : all;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }
}
