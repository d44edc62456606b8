package dev.kj.rhino.jetcd;

import static dev.kj.rhino.jetcd.InProcessRhino.bytes;
import static dev.kj.rhino.jetcd.InProcessRhino.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcd.jetcd.support.Observers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** jetcd's Lease client against Rhino, following jetcd's LeaseTest (names in the comments). */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LeaseTest {
    static InProcessRhino rhino;
    static Client client;
    static KV kv;
    static Lease lease;

    @BeforeAll
    static void start() {
        rhino = InProcessRhino.start();
        client = rhino.newClient();
        kv = client.getKVClient();
        lease = client.getLeaseClient();
    }

    @AfterAll
    static void stop() {
        if (rhino != null) {
            rhino.close();
        }
    }

    // testGrant
    @Test
    void aKeyOnAGrantedLeaseExpiresWithIt() throws Exception {
        ByteSequence key = bytes(unique("grant"));
        long id = lease.grant(2).get().getID();
        kv.put(key, bytes("v"), PutOption.builder().withLeaseId(id).build()).get();
        assertEquals(1, kv.get(key).get().getCount());
        assertEquals(id, kv.get(key).get().getKvs().get(0).getLease());
        long gone = awaitGone(key, Duration.ofSeconds(10));
        assertTrue(gone >= 1_000, "key vanished after " + gone + " ms, before its 2 s TTL");
    }

    // testRevoke
    @Test
    void revokeDeletesTheLeasesKeys() throws Exception {
        ByteSequence key = bytes(unique("revoke"));
        ByteSequence other = bytes(unique("revoke-other"));
        long id = lease.grant(60).get().getID();
        kv.put(key, bytes("v"), PutOption.builder().withLeaseId(id).build()).get();
        kv.put(other, bytes("v"), PutOption.builder().withLeaseId(id).build()).get();
        lease.revoke(id).get();
        assertEquals(0, kv.get(key).get().getCount());
        assertEquals(0, kv.get(other).get().getCount());
        ExecutionException e = assertThrows(ExecutionException.class, () -> lease.revoke(id).get());
        assertTrue(e.getMessage().endsWith("etcdserver: requested lease not found"), e.getMessage());
    }

    // testKeepAliveOnce
    @Test
    void keepAliveOnceAnswersWithTheTtl() throws Exception {
        long id = lease.grant(5).get().getID();
        LeaseKeepAliveResponse response = lease.keepAliveOnce(id).get();
        assertEquals(id, response.getID());
        assertEquals(5, response.getTTL());
    }

    // testKeepAliveOnceAverage
    @Test
    void keepAliveOnceIsFast() throws Exception {
        long id = lease.grant(5).get().getID();
        long start = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            lease.keepAliveOnce(id).get();
        }
        long averageMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) / 10;
        assertTrue(averageMillis < 100, "average keep-alive took " + averageMillis + " ms");
    }

    // testKeepAlive
    @Test
    void keepAliveKeepsKeysPastTheTtlAndTheyExpireAfterItStops() throws Exception {
        ByteSequence key = bytes(unique("keepalive"));
        long id = lease.grant(2).get().getID();
        kv.put(key, bytes("v"), PutOption.builder().withLeaseId(id).build()).get();
        AtomicReference<LeaseKeepAliveResponse> last = new AtomicReference<>();
        AtomicInteger answers = new AtomicInteger();
        AtomicReference<Throwable> error = new AtomicReference<>();
        try (CloseableClient ignored = lease.keepAlive(id, Observers.<LeaseKeepAliveResponse>builder()
                .onNext(r -> {
                    last.set(r);
                    answers.incrementAndGet();
                })
                .onError(error::set)
                .build())) {
            Thread.sleep(5_000);
            assertNull(error.get());
            assertEquals(1, kv.get(key).get().getCount(), "key expired although its lease was kept alive");
            assertNotNull(last.get());
            assertTrue(last.get().getTTL() > 0);
            assertTrue(answers.get() >= 2, "only " + answers.get() + " keep-alive answers in 5 s");
        }
        long gone = awaitGone(key, Duration.ofSeconds(10));
        assertTrue(gone >= 200, "key vanished " + gone + " ms after the keep-alive stopped");
    }

    // testTimeToLive
    @Test
    void timeToLive() throws Exception {
        long id = lease.grant(5).get().getID();
        LeaseTimeToLiveResponse response = lease.timeToLive(id, LeaseOption.DEFAULT).get();
        assertTrue(response.getTTL() > 0 && response.getTTL() <= 5, "TTL " + response.getTTL());
        assertEquals(5, response.getGrantedTTL());
        assertTrue(response.getKeys().isEmpty());
    }

    // testTimeToLiveWithKeys
    @Test
    void timeToLiveWithAttachedKeys() throws Exception {
        ByteSequence first = bytes(unique("ttl-a"));
        ByteSequence second = bytes(unique("ttl-b"));
        long id = lease.grant(5).get().getID();
        kv.put(first, bytes("v"), PutOption.builder().withLeaseId(id).build()).get();
        kv.put(second, bytes("v"), PutOption.builder().withLeaseId(id).build()).get();
        LeaseTimeToLiveResponse response = lease.timeToLive(id, LeaseOption.builder().withAttachedKeys().build()).get();
        assertTrue(response.getTTL() > 0);
        assertEquals(5, response.getGrantedTTL());
        assertEquals(java.util.Set.of(first, second), java.util.Set.copyOf(response.getKeys()));
    }

    @Test
    void timeToLiveOfAnUnknownLeaseIsMinusOne() throws Exception {
        LeaseTimeToLiveResponse response = lease.timeToLive(424242, LeaseOption.DEFAULT).get();
        assertEquals(-1, response.getTTL());
        assertEquals(List.of(), response.getKeys());
    }

    /** Polls until {@code key} is gone; returns how long that took (fails after {@code timeout}). */
    private static long awaitGone(ByteSequence key, Duration timeout) throws Exception {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (kv.get(key).get().getCount() != 0) {
            assertTrue(System.nanoTime() < deadline, "key still present after " + timeout);
            Thread.sleep(100);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }
}
