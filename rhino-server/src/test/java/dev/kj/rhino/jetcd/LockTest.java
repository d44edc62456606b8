package dev.kj.rhino.jetcd;

import static dev.kj.rhino.jetcd.InProcessRhino.bytes;
import static dev.kj.rhino.jetcd.InProcessRhino.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Lock;
import io.etcd.jetcd.lock.LockResponse;
import io.etcd.jetcd.options.GetOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** jetcd's Lock client against Rhino, following jetcd's LockTest (names in the comments). */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LockTest {
    static final ByteSequence NAMESPACE = bytes("test-ns/");
    static final ByteSequence NAMESPACE2 = bytes("test-ns2/");
    static InProcessRhino rhino;
    static Client plain;

    @BeforeAll
    static void start() {
        rhino = InProcessRhino.start();
        plain = rhino.newClient();
    }

    @AfterAll
    static void stop() {
        if (rhino != null) {
            rhino.close();
        }
    }

    private static Lock lockClient(boolean useNamespace) {
        return useNamespace ? rhino.newClient(NAMESPACE).getLockClient() : plain.getLockClient();
    }

    private static long grant(long ttl) throws Exception {
        return plain.getLeaseClient().grant(ttl).get().getID();
    }

    // testLockWithoutLease: etcd's lock service then makes a session lease of its own
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void lockWithoutALease(boolean useNamespace) throws Exception {
        Lock lock = lockClient(useNamespace);
        ByteSequence name = bytes(unique("nolease"));
        LockResponse response = lock.lock(name, 0).get(10, TimeUnit.SECONDS);
        assertTrue(response.getHeader().getRevision() > 0);
        assertTrue(response.getKey().startsWith(name), response.getKey().toString());
        lock.unlock(response.getKey()).get();
    }

    // testLockWithNotExistingLease
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void lockWithAnUnknownLeaseFails(boolean useNamespace) {
        Lock lock = lockClient(useNamespace);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> lock.lock(bytes(unique("badlease")), 123456).get(10, TimeUnit.SECONDS));
        assertTrue(e.getMessage().contains("etcdserver: requested lease not found"), e.getMessage());
    }

    // testLockWithLease: the second locker waits until the first holder's lease expires
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aSecondLockerWaitsForTheHoldersLeaseToExpire(boolean useNamespace) throws Exception {
        Lock lock = lockClient(useNamespace);
        ByteSequence name = bytes(unique("expire"));
        LockResponse first = lock.lock(name, grant(2)).get(10, TimeUnit.SECONDS);
        long start = System.nanoTime();
        LockResponse second = lock.lock(name, grant(30)).get(15, TimeUnit.SECONDS);
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertNotEquals(first.getKey(), second.getKey());
        assertTrue(waited >= 1_000 && waited <= 6_000, "second lock after " + waited + " ms, the first lease had 2 s");
        lock.unlock(second.getKey()).get();
    }

    // testLockAndUnlock, plus the blocking in between
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aSecondLockerBlocksUntilUnlock(boolean useNamespace) throws Exception {
        Lock lock = lockClient(useNamespace);
        ByteSequence name = bytes(unique("unlock"));
        LockResponse first = lock.lock(name, grant(30)).get(10, TimeUnit.SECONDS);
        CompletableFuture<LockResponse> second = lock.lock(name, grant(30));
        Thread.sleep(1_000);
        assertFalse(second.isDone(), "the second locker got the lock while the first held it");

        long start = System.nanoTime();
        lock.unlock(first.getKey()).get();
        LockResponse acquired = second.get(5, TimeUnit.SECONDS);
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(waited <= 1_000, "lock handed over " + waited + " ms after unlock");
        assertNotEquals(first.getKey(), acquired.getKey());
        assertTrue(acquired.getKey().startsWith(name));
        // The lock key lives in the keyspace, owned by the lease it was taken with.
        assertEquals(1, plain.getKVClient().get(useNamespace ? NAMESPACE.concat(name) : name,
                GetOption.builder().isPrefix(true).build()).get().getCount());
        lock.unlock(acquired.getKey()).get();
    }

    // testLockSegregationByNamespaces
    @Test
    void locksInDifferentNamespacesDoNotContend() throws Exception {
        ByteSequence name = bytes(unique("segregation"));
        Lock inNamespace = rhino.newClient(NAMESPACE).getLockClient();
        LockResponse held = inNamespace.lock(name, grant(30)).get(10, TimeUnit.SECONDS);
        assertTrue(held.getKey().startsWith(name));

        // unlocking by the full key through a client without a namespace releases it
        plain.getLockClient().unlock(NAMESPACE.concat(held.getKey())).get();
        LockResponse again = inNamespace.lock(name, grant(30)).get(2, TimeUnit.SECONDS);
        assertNotEquals(held.getKey(), again.getKey());

        // the same name in another namespace is another lock
        Lock inNamespace2 = rhino.newClient(NAMESPACE2).getLockClient();
        LockResponse other = inNamespace2.lock(name, grant(30)).get(2, TimeUnit.SECONDS);
        assertTrue(other.getKey().startsWith(name));
        inNamespace.unlock(again.getKey()).get();
        inNamespace2.unlock(other.getKey()).get();
    }
}
