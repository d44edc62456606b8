package dev.kj.rhino.backend.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.RhinoServer;
import dev.kj.rhino.backend.KeyRange;
import dev.kj.rhino.backend.ReadTxn;
import dev.kj.rhino.backend.Row;
import dev.kj.rhino.backend.WriteConflictException;
import dev.kj.rhino.backend.WriteTxn;
import dev.kj.rhino.testing.PrivateRedis;
import dev.kj.rhino.testing.TempDirs;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A DeleteRange over tens of thousands of keys on a durable Redis (appendfsync always) shared by
 * two rhino servers: Redis applies it with a handful of bulk commands, not per-key work (the per-key
 * commit script held Redis for seconds), it is one revision, readers on either server see all of it
 * or none, watchers on both get one DELETE per key with its previous value, and prev_kv still
 * returns every deleted pair.
 */
@Timeout(120)
class RedisLargeDeleteRangeTest {
    private static final int KEYS = 40_000;
    private static final String PREFIX = "big/";
    /**
     * The commands that change data, as Redis counts them in INFO commandstats (those a script
     * runs included; reads use none of them). Per-key work runs about three per deleted key; the
     * bulk commit a ZREMRANGEBYLEX, two ZADDs per chunk of tombstones and the revision's few.
     */
    private static final Set<String> WRITE_COMMANDS = Set.of("zadd", "zrem", "zremrangebylex", "zremrangebyscore",
            "zremrangebyrank", "set", "setnx", "incr", "del", "unlink", "xadd", "hset", "hsetnx", "hdel", "sadd", "srem");
    /** Write commands the delete of {@link #KEYS} keys may take: a hundredth of a command per key. */
    private static final long WRITE_COMMAND_BOUND = KEYS / 100;

    private Path dir;
    private PrivateRedis redis;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("rhino-redis-bigdelete-");
        Files.createDirectories(dir.resolve("redis"));
        redis = PrivateRedis.start(dir.resolve("redis"), "--appendonly", "yes", "--appendfsync", "always");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        redis.close();
        TempDirs.deleteRecursively(dir);
    }

    private String endpoint() {
        return redis.url() + "?prefix=bigdelete:";
    }

    private Client server(String name) throws Exception {
        RhinoServer server = RhinoServer.start(RhinoConfig.defaults(dir.resolve(name)).withEndpoint(endpoint())
                .withListenClientUrls(List.of(URI.create("http://127.0.0.1:0"))));
        open.add(server);
        // one watch response carries all 40,000 events, past gRPC's default 4 MiB
        Client c = Client.builder().endpoints("http://127.0.0.1:" + server.clientAddresses().get(0).getPort())
                .maxInboundMessageSize(64 << 20).build();
        open.add(c);
        return c;
    }

    @Test
    void aLargeDeleteRangeIsBulkAtomicOneRevisionAndWatchedKeyByKey() throws Exception {
        Client a = server("a");
        Client b = server("b");
        load(a, PREFIX, KEYS);
        long leaseId = a.getLeaseClient().grant(600).get(10, TimeUnit.SECONDS).getID();
        a.getKVClient().put(bytes(PREFIX + "leased"), bytes("on a lease"),
                PutOption.builder().withLeaseId(leaseId).build()).get(10, TimeUnit.SECONDS);
        a.getKVClient().put(bytes("bif"), bytes("before the range")).get(10, TimeUnit.SECONDS);
        a.getKVClient().put(bytes("bih"), bytes("after the range")).get(10, TimeUnit.SECONDS);
        int inRange = KEYS + 1;
        long before = a.getKVClient().get(bytes("x")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        // b must have heard of every revision before its watcher starts from the next one
        while (b.getKVClient().get(bytes("x")).get(10, TimeUnit.SECONDS).getHeader().getRevision() < before) {
            Thread.sleep(10);
        }

        // with prev_kv: replayed from history (the delete did not load previous values); without: live
        Counted onA = watchDeletes(a, before + 1, inRange, true);
        Counted onB = watchDeletes(b, before + 1, inRange, true);
        Counted onAWithoutPrevious = watchDeletes(a, 0, inRange, false);
        AtomicBoolean stop = new AtomicBoolean();
        Set<Long> countsSeen = ConcurrentHashMap.newKeySet();
        // When the delete was answered (0 before), and how many readers have since completed a read
        // that began after it: a count of 40,001 keys can outlast any fixed pause.
        AtomicLong deletedAt = new AtomicLong();
        CountDownLatch lookedAfter = new CountDownLatch(2);
        List<Thread> readers = new ArrayList<>();
        for (Client c : List.of(a, b)) {
            readers.add(Thread.ofPlatform().start(() -> {
                boolean counted = false;
                while (!stop.get()) {
                    long began = System.nanoTime();
                    long answered = deletedAt.get();
                    try {
                        countsSeen.add(c.getKVClient().get(bytes(PREFIX),
                                GetOption.builder().isPrefix(true).withCountOnly(true).build()).get(10, TimeUnit.SECONDS).getCount());
                    } catch (Exception e) {
                        countsSeen.add(-1L);
                    }
                    if (!counted && answered != 0 && began > answered) {
                        counted = true;
                        lookedAfter.countDown();
                    }
                }
            }));
        }

        long writesBefore = writeCommands();
        DeleteResponse deleted = a.getKVClient().delete(bytes(PREFIX), DeleteOption.builder().isPrefix(true).build())
                .get(60, TimeUnit.SECONDS);
        long writes = writeCommands() - writesBefore;
        deletedAt.set(System.nanoTime());
        assertTrue(lookedAfter.await(30, TimeUnit.SECONDS), "each reader read again after the delete was answered");
        stop.set(true);
        for (Thread t : readers) {
            t.join();
        }

        assertEquals(inRange, deleted.getDeleted());
        assertEquals(before + 1, deleted.getHeader().getRevision(), "the whole DeleteRange is one revision");
        assertTrue(writes > 0 && writes < WRITE_COMMAND_BOUND,
                "deleting " + inRange + " keys ran " + writes + " write commands in Redis");
        assertEquals(Set.of((long) inRange, 0L), countsSeen, "readers saw all of the delete or none of it");
        for (Client c : List.of(a, b)) {
            assertEquals(0, c.getKVClient().get(bytes(PREFIX), GetOption.builder().isPrefix(true).withCountOnly(true).build())
                    .get(10, TimeUnit.SECONDS).getCount());
            assertEquals(inRange, c.getKVClient().get(bytes(PREFIX), GetOption.builder().isPrefix(true).withCountOnly(true)
                    .withRevision(before).build()).get(10, TimeUnit.SECONDS).getCount(), "history before it is intact");
            assertEquals(2, c.getKVClient().get(bytes("bi"), GetOption.builder().isPrefix(true).build())
                    .get(10, TimeUnit.SECONDS).getKvs().size(), "keys next to the range stay");
        }
        assertEquals(List.of(), a.getLeaseClient().timeToLive(leaseId, io.etcd.jetcd.options.LeaseOption.builder()
                .withAttachedKeys().build()).get(10, TimeUnit.SECONDS).getKeys(), "the deleted key left its lease");
        onA.await(before + 1);
        onB.await(before + 1);
        onAWithoutPrevious.await(before + 1);

        // prev_kv: every deleted pair comes back with its value (a bulk commit too)
        load(b, "prev/", 2_000);
        DeleteResponse withPrev = b.getKVClient().delete(bytes("prev/"),
                DeleteOption.builder().isPrefix(true).withPrevKV(true).build()).get(30, TimeUnit.SECONDS);
        assertEquals(2_000, withPrev.getDeleted());
        assertEquals(2_000, withPrev.getPrevKvs().size());
        assertEquals(value("prev/".length()), withPrev.getPrevKvs().get(7).getValue().toString(StandardCharsets.UTF_8));
    }

    @Test
    void opsAroundABulkDeleteInOneCommitApplyInOrderAndAConflictWritesNothing() {
        try (RedisBackend backend = RedisBackend.open(endpoint())) {
            long rev;
            try (WriteTxn w = backend.beginWrite()) {
                rev = w.revision() + 1;
                for (int i = 0; i < RedisWriteTxn.BULK_DELETES; i++) {
                    w.put(new Row(bs("r/" + i), rev, rev, 1, 0, bs("v")));
                }
                w.setRevision(rev);
                w.commit();
            }
            try (WriteTxn w = backend.beginWrite()) {
                w.put(new Row(bs("r/put-before"), rev + 1, rev + 1, 1, 0, bs("v")));
                w.setRevision(rev + 1);
                KeyRange range = KeyRange.of(bs("r/").toByteArray(), bs("r0").toByteArray());
                List<Row> current = w.range(range, rev + 1, 0, true);
                assertEquals(RedisWriteTxn.BULK_DELETES + 1, current.size(), "our own put is read back");
                w.deleteRange(range, current, rev + 2);
                w.put(new Row(bs("r/put-after"), rev + 2, rev + 2, 1, 0, bs("v")));
                w.setRevision(rev + 2);
                w.commit();
            }
            try (ReadTxn r = backend.beginRead()) {
                assertEquals(rev + 2, r.revision());
                KeyRange range = KeyRange.of(bs("r/").toByteArray(), bs("r0").toByteArray());
                assertEquals(List.of(bs("r/put-after")), r.range(range, rev + 2, 0, true).stream().map(Row::key).toList());
                assertEquals(RedisWriteTxn.BULK_DELETES + 1, r.count(range, rev + 1));
                List<Long> revisions = new ArrayList<>();
                r.history(range, rev + 2, rev + 2, false, h -> revisions.add(h.row().modRevision()));
                assertEquals(RedisWriteTxn.BULK_DELETES + 2, revisions.size(), "tombstones plus the put after");
            }
            // another process commits between begin and commit: the bulk commit writes nothing
            try (WriteTxn w = backend.beginWrite()) {
                KeyRange all = KeyRange.of(bs("r/").toByteArray(), bs("r0").toByteArray());
                List<Row> current = w.range(all, rev + 2, 0, true);
                for (int i = 0; i < RedisWriteTxn.BULK_DELETES; i++) {
                    w.put(new Row(bs("r/again-" + i), rev + 3, rev + 3, 1, 0, bs("v")));
                }
                w.deleteRange(all, w.range(all, rev + 3, 0, true), rev + 4);
                w.setRevision(rev + 4);
                try (RedisBackend other = RedisBackend.open(endpoint()); WriteTxn o = other.beginWrite()) {
                    o.setMeta("other", 1);
                    o.commit();
                }
                assertEquals(1, current.size());
                assertThrows(WriteConflictException.class, w::commit);
            }
            try (ReadTxn r = backend.beginRead()) {
                assertEquals(rev + 2, r.revision(), "nothing of the refused commit is visible");
                assertEquals(1, r.count(KeyRange.of(bs("r/").toByteArray(), bs("r0").toByteArray()), rev + 2));
            }
        }
    }

    /** How many write commands Redis has run since it started (nothing else writes during the delete). */
    private long writeCommands() {
        io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(redis.url());
        try (var c = client.connect()) {
            long calls = 0;
            for (String line : c.sync().info("commandstats").split("\\R")) {
                // cmdstat_zadd:calls=12,usec=...
                int colon = line.indexOf(':');
                if (line.startsWith("cmdstat_") && WRITE_COMMANDS.contains(line.substring("cmdstat_".length(), colon))) {
                    String fields = line.substring(colon + 1);
                    calls += Long.parseLong(fields.substring("calls=".length(), fields.indexOf(',')));
                }
            }
            return calls;
        } finally {
            client.shutdown();
        }
    }

    /** A prefix watch with prev_kv that counts DELETE events and checks each one. */
    private static final class Counted {
        final CountDownLatch done;
        final AtomicLong wrongRevision = new AtomicLong();
        final AtomicLong withoutPrevious = new AtomicLong();
        final AtomicLong other = new AtomicLong();

        Counted(int expected) {
            done = new CountDownLatch(expected);
        }

        void await(long revision) throws InterruptedException {
            assertTrue(done.await(60, TimeUnit.SECONDS), "missing " + done.getCount() + " DELETE events");
            assertEquals(0, wrongRevision.get(), "events not at revision " + revision);
            assertEquals(0, withoutPrevious.get(), "events without their previous value");
            assertEquals(0, other.get(), "events other than the deletes");
        }
    }

    /** From {@code revision} (0: now); with {@code previous} each event must carry its previous value. */
    private Counted watchDeletes(Client c, long revision, int expected, boolean previous) {
        Counted counted = new Counted(expected);
        Watch.Watcher w = c.getWatchClient().watch(bytes(PREFIX),
                WatchOption.builder().isPrefix(true).withRevision(revision).withPrevKV(previous).build(), r -> {
                    for (WatchEvent e : r.getEvents()) {
                        if (e.getEventType() != WatchEvent.EventType.DELETE) {
                            counted.other.incrementAndGet();
                        } else {
                            if (revision != 0 && e.getKeyValue().getModRevision() != revision) {
                                counted.wrongRevision.incrementAndGet();
                            }
                            if (previous && (e.getPrevKV() == null || e.getPrevKV().getValue().isEmpty())) {
                                counted.withoutPrevious.incrementAndGet();
                            }
                        }
                        counted.done.countDown();
                    }
                });
        open.add(w);
        return counted;
    }

    /** {@code n} keys under {@code prefix}, 100 puts per Txn. */
    private static void load(Client c, String prefix, int n) throws Exception {
        for (int from = 0; from < n; from += 100) {
            List<Op> puts = new ArrayList<>();
            for (int i = from; i < Math.min(n, from + 100); i++) {
                puts.add(Op.put(bytes(String.format("%s%08d", prefix, i)), bytes(value(prefix.length())), PutOption.DEFAULT));
            }
            c.getKVClient().txn().Then(puts.toArray(new Op[0])).commit().get(30, TimeUnit.SECONDS);
        }
    }

    private static String value(int seed) {
        return "value-" + seed + "-" + "v".repeat(100);
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }
}
