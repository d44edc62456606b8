package dev.kj.rhino.crash;

import static dev.kj.rhino.crash.CrashRecoveryTest.assertContiguous;
import static dev.kj.rhino.crash.CrashRecoveryTest.bs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.RhinoServer;
import dev.kj.rhino.api.etcdserverpb.AuthEnableRequest;
import dev.kj.rhino.api.etcdserverpb.AuthGrpc;
import dev.kj.rhino.api.etcdserverpb.AuthUserAddRequest;
import dev.kj.rhino.api.etcdserverpb.AuthUserGrantRoleRequest;
import dev.kj.rhino.api.etcdserverpb.AuthenticateRequest;
import dev.kj.rhino.api.etcdserverpb.KVGrpc;
import dev.kj.rhino.api.etcdserverpb.LeaseGrantRequest;
import dev.kj.rhino.api.etcdserverpb.LeaseGrpc;
import dev.kj.rhino.api.etcdserverpb.LeaseKeepAliveRequest;
import dev.kj.rhino.api.etcdserverpb.LeaseKeepAliveResponse;
import dev.kj.rhino.api.etcdserverpb.LeaseLeasesRequest;
import dev.kj.rhino.api.etcdserverpb.LeaseTimeToLiveRequest;
import dev.kj.rhino.api.etcdserverpb.LeaseTimeToLiveResponse;
import dev.kj.rhino.api.etcdserverpb.PutRequest;
import dev.kj.rhino.api.etcdserverpb.RangeRequest;
import dev.kj.rhino.api.etcdserverpb.RangeResponse;
import dev.kj.rhino.api.etcdserverpb.WatchCreateRequest;
import dev.kj.rhino.api.etcdserverpb.WatchGrpc;
import dev.kj.rhino.api.etcdserverpb.WatchRequest;
import dev.kj.rhino.api.etcdserverpb.WatchResponse;
import dev.kj.rhino.api.mvccpb.Event;
import dev.kj.rhino.testing.TempDirs;
import dev.kj.rhino.testing.TestBackends;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

/**
 * Several rhino processes on one shared datastore (a PostgreSQL database, a Redis database): writes
 * through either are one revision sequence, visible to reads through the other, and a watcher on
 * one hears every revision (its own and the other's) in order with no gaps; a lease granted through
 * one is kept alive through the other and expires exactly once; killing one process with SIGKILL
 * mid-load loses nothing it acknowledged and does not stall the other.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SharedBackendTest {
    Path root;
    String endpoint;
    final List<AutoCloseable> open = new ArrayList<>();
    final List<Process> processes = new ArrayList<>();

    record Ack(String key, String value, long revision) {
    }

    @BeforeEach
    void scratch() throws IOException {
        root = Files.createTempDirectory("kj-rhino-shared-");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        Collections.reverse(open);
        for (AutoCloseable c : open) {
            c.close();
        }
        TempDirs.deleteRecursively(root);
    }

    RhinoServer server(String name) throws IOException {
        RhinoServer server = RhinoServer.start(RhinoConfig.defaults(root.resolve(name)).withEndpoint(endpoint)
                .withListenClientUrls(List.of(URI.create("http://127.0.0.1:0"))));
        open.add(server);
        return server;
    }

    ManagedChannel channel(InetSocketAddress address) {
        ManagedChannel channel = NettyChannelBuilder.forAddress(address).usePlaintext().build();
        open.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return channel;
    }

    /** Every event a whole-keyspace watcher from {@code fromRevision} receives, as they arrive. */
    static final class Recorder {
        final List<Event> events = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch created = new CountDownLatch(1);
        final AtomicReference<String> problem = new AtomicReference<>();

        Recorder(ManagedChannel channel, long fromRevision) throws InterruptedException {
            StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
                @Override
                public void onNext(WatchResponse r) {
                    if (r.getCreated()) {
                        created.countDown();
                    }
                    if (r.getCanceled()) {
                        problem.set("canceled: " + r.getCancelReason());
                    }
                    events.addAll(r.getEventsList());
                }

                @Override
                public void onError(Throwable t) {
                    problem.set(t.toString());
                }

                @Override
                public void onCompleted() {
                }
            });
            requests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                    .setKey(bs("\0")).setRangeEnd(bs("\0")).setStartRevision(fromRevision)).build());
            assertTrue(created.await(10, TimeUnit.SECONDS), "watch not created");
        }

        /** Waits until an event at {@code revision} (or later) arrived; returns the events so far. */
        List<Event> until(long revision) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                synchronized (events) {
                    if (!events.isEmpty() && events.getLast().getKv().getModRevision() >= revision) {
                        return List.copyOf(events);
                    }
                }
                if (problem.get() != null) {
                    fail("watch failed: " + problem.get());
                }
                Thread.sleep(10);
            }
            fail("the watcher did not reach revision " + revision + "; it has " + events.size() + " events");
            return List.of();
        }
    }

    /** Puts {@code count} distinct keys through {@code channel} from one thread, recording acks. */
    static Thread writer(ManagedChannel channel, String prefix, int count, List<Ack> acks, AtomicBoolean stop,
                         AtomicReference<Throwable> failure) {
        return Thread.ofPlatform().start(() -> {
            KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
            for (int i = 0; i < count && !stop.get(); i++) {
                String key = prefix + i;
                String value = "v-" + prefix + i;
                try {
                    long rev = kv.withDeadlineAfter(10, TimeUnit.SECONDS)
                            .put(PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value)).build())
                            .getHeader().getRevision();
                    acks.add(new Ack(key, value, rev));
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                    return;
                }
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgres", "redis"})
    void twoServersShareOneRevisionSequenceAndWatchersHearBoth(String backend) throws Exception {
        endpoint = TestBackends.freshEndpoint(backend);
        RhinoServer a = server("a");
        RhinoServer b = server("b");
        ManagedChannel toA = channel(a.clientAddresses().getFirst());
        ManagedChannel toB = channel(b.clientAddresses().getFirst());
        KVGrpc.KVBlockingStub kvA = KVGrpc.newBlockingStub(toA);
        KVGrpc.KVBlockingStub kvB = KVGrpc.newBlockingStub(toB);

        long start = kvB.range(RangeRequest.newBuilder().setKey(bs("x")).build()).getHeader().getRevision();
        Recorder onB = new Recorder(toB, start + 1);
        Recorder onA = new Recorder(toA, start + 1);

        // One write through A is at once visible through B, with the revision A acknowledged.
        long first = kvA.put(PutRequest.newBuilder().setKey(bs("/shared/first")).setValue(bs("from-a")).build())
                .getHeader().getRevision();
        assertEquals(start + 1, first);
        RangeResponse viaB = kvB.range(RangeRequest.newBuilder().setKey(bs("/shared/first")).build());
        assertEquals("from-a", viaB.getKvs(0).getValue().toStringUtf8());
        assertEquals(first, viaB.getKvs(0).getModRevision());
        assertEquals(first, viaB.getHeader().getRevision());

        // Concurrent writers on both servers: 2 x 4 threads x 50 puts.
        List<Ack> acks = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            writers.add(writer(toA, "/shared/a" + t + "/", 50, acks, new AtomicBoolean(), failure));
            writers.add(writer(toB, "/shared/b" + t + "/", 50, acks, new AtomicBoolean(), failure));
        }
        for (Thread w : writers) {
            w.join(Duration.ofSeconds(60));
        }
        if (failure.get() != null) {
            fail("a write failed", failure.get());
        }
        assertEquals(400, acks.size());
        long last = start + 401;
        List<Long> acked = acks.stream().map(Ack::revision).sorted().toList();
        assertContiguous(start + 2, last, acked, "acknowledged revisions of both servers");

        Map<Long, Ack> byRevision = new HashMap<>();
        acks.forEach(ack -> byRevision.put(ack.revision(), ack));
        for (Recorder watcher : List.of(onB, onA)) {
            List<Event> events = watcher.until(last);
            assertContiguous(start + 1, last, events.stream().map(e -> e.getKv().getModRevision()).toList(),
                    "watcher events");
            for (Event e : events.subList(1, events.size())) {
                Ack ack = byRevision.get(e.getKv().getModRevision());
                assertEquals(ack.key(), e.getKv().getKey().toStringUtf8());
                assertEquals(ack.value(), e.getKv().getValue().toStringUtf8());
            }
        }

        // Both servers report the same revision and the same contents.
        RangeResponse allA = kvA.range(RangeRequest.newBuilder().setKey(bs("/shared/")).setRangeEnd(bs("/shared0")).build());
        RangeResponse allB = kvB.range(RangeRequest.newBuilder().setKey(bs("/shared/")).setRangeEnd(bs("/shared0")).build());
        assertEquals(last, allA.getHeader().getRevision());
        assertEquals(allA.getHeader().getRevision(), allB.getHeader().getRevision());
        assertEquals(allA.getKvsList(), allB.getKvsList());
        assertEquals(401, allB.getKvsCount());
        assertEquals(last, a.store().currentRevision());
        assertEquals(last, b.store().currentRevision());
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgres", "redis"})
    void leasesAreKeptAliveAndExpiredAcrossServers(String backend) throws Exception {
        endpoint = TestBackends.freshEndpoint(backend);
        RhinoServer a = server("a");
        RhinoServer b = server("b");
        ManagedChannel toA = channel(a.clientAddresses().getFirst());
        ManagedChannel toB = channel(b.clientAddresses().getFirst());
        KVGrpc.KVBlockingStub kvA = KVGrpc.newBlockingStub(toA);
        KVGrpc.KVBlockingStub kvB = KVGrpc.newBlockingStub(toB);
        LeaseGrpc.LeaseBlockingStub leasesA = LeaseGrpc.newBlockingStub(toA);
        LeaseGrpc.LeaseBlockingStub leasesB = LeaseGrpc.newBlockingStub(toB);
        long start = kvB.range(RangeRequest.newBuilder().setKey(bs("x")).build()).getHeader().getRevision();
        Recorder onB = new Recorder(toB, start + 1);

        // Granted through A, attached through A, kept alive only through B for twice its TTL.
        long kept = leasesA.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(3).build()).getID();
        kvA.put(PutRequest.newBuilder().setKey(bs("/lease/kept")).setValue(bs("x")).setLease(kept).build());
        assertTrue(leasesB.leaseLeases(LeaseLeasesRequest.getDefaultInstance()).getLeasesList().stream()
                .anyMatch(l -> l.getID() == kept), "B does not list the lease A granted");
        for (int i = 0; i < 6; i++) {
            assertEquals(3, keepAlive(toB, kept).getTTL(), "keep-alive through B");
            Thread.sleep(1_000);
        }
        LeaseTimeToLiveResponse ttl = leasesA.leaseTimeToLive(
                LeaseTimeToLiveRequest.newBuilder().setID(kept).setKeys(true).build());
        assertTrue(ttl.getTTL() > 0, "A expired a lease kept alive through B: " + ttl);
        assertEquals(List.of(bs("/lease/kept")), ttl.getKeysList());
        assertEquals(1, kvA.range(RangeRequest.newBuilder().setKey(bs("/lease/kept")).build()).getKvsCount());

        // A second lease only A knows of; then A goes away and B alone must expire both.
        long orphan = leasesA.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(2).build()).getID();
        kvA.put(PutRequest.newBuilder().setKey(bs("/lease/orphan")).setValue(bs("y")).setLease(orphan).build());
        a.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (kvB.range(RangeRequest.newBuilder().setKey(bs("/lease/")).setRangeEnd(bs("/lease0")).build())
                .getKvsCount() > 0) {
            assertTrue(System.nanoTime() < deadline, "B did not expire the leases of a server that is gone");
            Thread.sleep(200);
        }
        assertEquals(-1, leasesB.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(kept).build()).getTTL());
        assertEquals(-1, leasesB.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(orphan).build()).getTTL());
        Thread.sleep(1_500); // a second revocation would show up as another DELETE
        List<Event> deletes;
        synchronized (onB.events) {
            deletes = onB.events.stream().filter(e -> e.getType() == Event.EventType.DELETE).toList();
        }
        assertEquals(List.of("/lease/kept", "/lease/orphan"),
                deletes.stream().map(e -> e.getKv().getKey().toStringUtf8()).sorted().toList(),
                "each expired lease's key deleted exactly once");
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgres", "redis"})
    void authChangesThroughOneServerReachTheOther(String backend) throws Exception {
        endpoint = TestBackends.freshEndpoint(backend);
        RhinoServer a = server("a");
        RhinoServer b = server("b");
        ManagedChannel toA = channel(a.clientAddresses().getFirst());
        ManagedChannel toB = channel(b.clientAddresses().getFirst());
        AuthGrpc.AuthBlockingStub authA = AuthGrpc.newBlockingStub(toA);
        authA.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("rootpw").build());
        authA.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
        authA.authEnable(AuthEnableRequest.getDefaultInstance());

        // B refuses anonymous reads once it has seen the change (within its refresh interval).
        KVGrpc.KVBlockingStub anonymousB = KVGrpc.newBlockingStub(toB);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                anonymousB.range(RangeRequest.newBuilder().setKey(bs("k")).build());
            } catch (StatusRuntimeException e) {
                assertEquals("etcdserver: user name is empty", e.getStatus().getDescription());
                break;
            }
            assertTrue(System.nanoTime() < deadline, "B still serves anonymous reads after auth was enabled through A");
            Thread.sleep(100);
        }
        // A user A created logs in through B; its token works there.
        String token = AuthGrpc.newBlockingStub(toB).authenticate(
                AuthenticateRequest.newBuilder().setName("root").setPassword("rootpw").build()).getToken();
        io.grpc.Metadata headers = new io.grpc.Metadata();
        headers.put(io.grpc.Metadata.Key.of("token", io.grpc.Metadata.ASCII_STRING_MARSHALLER), token);
        KVGrpc.newBlockingStub(toB).withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers))
                .put(PutRequest.newBuilder().setKey(bs("/auth/k")).setValue(bs("v")).build());
    }

    private static LeaseKeepAliveResponse keepAlive(ManagedChannel channel, long lease) throws InterruptedException {
        CountDownLatch answered = new CountDownLatch(1);
        AtomicReference<LeaseKeepAliveResponse> answer = new AtomicReference<>();
        StreamObserver<LeaseKeepAliveRequest> requests = LeaseGrpc.newStub(channel).leaseKeepAlive(new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse r) {
                answer.set(r);
                answered.countDown();
            }

            @Override
            public void onError(Throwable t) {
                answered.countDown();
            }

            @Override
            public void onCompleted() {
                answered.countDown();
            }
        });
        requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(lease).build());
        assertTrue(answered.await(10, TimeUnit.SECONDS), "no keep-alive answer");
        requests.onCompleted();
        assertTrue(answer.get() != null, "keep-alive stream failed");
        return answer.get();
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgres", "redis"})
    void sigkillOfOneProcessLosesNothingAcknowledgedAndTheOtherCarriesOn(String backend) throws Exception {
        endpoint = TestBackends.freshEndpoint(backend);
        Path log = root.resolve("other.log");
        Process other = CrashRecoveryTest.startServer(root.resolve("other"), endpoint, log, processes);
        ManagedChannel toOther = channel(new InetSocketAddress("127.0.0.1", CrashRecoveryTest.port(other, log)));
        RhinoServer survivor = server("survivor");
        ManagedChannel toSurvivor = channel(survivor.clientAddresses().getFirst());
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(toSurvivor);
        long start = kv.range(RangeRequest.newBuilder().setKey(bs("x")).build()).getHeader().getRevision();
        Recorder watcher = new Recorder(toSurvivor, start + 1);

        List<Ack> acks = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Throwable> otherFailure = new AtomicReference<>();
        AtomicReference<Throwable> survivorFailure = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> onOther = new ArrayList<>();
        List<Thread> onSurvivor = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            onOther.add(writer(toOther, "/kill/o" + t + "/", Integer.MAX_VALUE, acks, stop, otherFailure));
            onSurvivor.add(writer(toSurvivor, "/kill/s" + t + "/", Integer.MAX_VALUE, acks, stop, survivorFailure));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (acks.size() < 2_000 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        other.destroyForcibly(); // SIGKILL, possibly holding the revision lock mid-transaction
        assertTrue(other.waitFor(10, TimeUnit.SECONDS));
        for (Thread w : onOther) {
            w.join(Duration.ofSeconds(30));
        }
        assertTrue(otherFailure.get() instanceof StatusRuntimeException, "writes to the killed process failed");
        int acksAtKill = acks.size();
        // The survivor keeps committing after the kill.
        long killedAt = System.nanoTime();
        while (acks.size() < acksAtKill + 200 && System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(20)) {
            Thread.sleep(20);
        }
        stop.set(true);
        for (Thread w : onSurvivor) {
            w.join(Duration.ofSeconds(30));
        }
        if (survivorFailure.get() != null) {
            fail("a write to the surviving process failed", survivorFailure.get());
        }
        assertTrue(acks.size() >= acksAtKill + 200, "the survivor stalled after the kill: "
                + (acks.size() - acksAtKill) + " writes in 20 s");

        long current = kv.range(RangeRequest.newBuilder().setKey(bs("x")).build()).getHeader().getRevision();
        List<Ack> acknowledged;
        synchronized (acks) {
            acknowledged = List.copyOf(acks);
        }
        for (Ack ack : acknowledged) {
            RangeResponse got = kv.range(RangeRequest.newBuilder().setKey(bs(ack.key())).build());
            assertEquals(1, got.getKvsCount(), "acknowledged write lost: " + ack);
            assertEquals(ack.revision(), got.getKvs(0).getModRevision(), ack.toString());
            assertEquals(ack.value(), got.getKvs(0).getValue().toStringUtf8(), ack.toString());
        }
        List<Event> events = watcher.until(current);
        assertContiguous(start + 1, current, events.stream().map(e -> e.getKv().getModRevision()).toList(),
                "the survivor's watcher");
        System.out.printf("shared kill test: %d acknowledged (%d before the kill), %d committed but unacknowledged,"
                        + " revision %d%n", acknowledged.size(), acksAtKill,
                current - start - acknowledged.size(), current);
    }
}
