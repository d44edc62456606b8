package dev.kj.rhino.backend.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.RhinoServer;
import dev.kj.rhino.testing.RedisStores;
import dev.kj.rhino.testing.TempDirs;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two rhino servers on one Redis store, as two processes would be: each sees the other's writes
 * and revisions, watchers on one hear writes made through the other, and concurrent writers on both
 * serialize (optimistic commits re-run on conflict) without losing an update.
 */
@Timeout(120)
class RedisSharedStoreTest {
    private Path dir;
    private final List<AutoCloseable> open = new ArrayList<>();
    private Client a;
    private Client b;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("rhino-redis-shared-");
        String endpoint = RedisStores.freshEndpoint();
        a = client(start(endpoint, "a"));
        b = client(start(endpoint, "b"));
    }

    private RhinoServer start(String endpoint, String name) throws Exception {
        RhinoServer server = RhinoServer.start(RhinoConfig.defaults(dir.resolve(name)).withEndpoint(endpoint)
                .withListenClientUrls(List.of(URI.create("http://127.0.0.1:0"))));
        open.add(server);
        return server;
    }

    private Client client(RhinoServer server) {
        Client c = Client.builder().endpoints("http://127.0.0.1:" + server.clientAddresses().get(0).getPort()).build();
        open.add(c);
        return c;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        TempDirs.deleteRecursively(dir);
    }

    @Test
    void aWriteThroughOneIsReadAndWatchedThroughTheOther() throws Exception {
        BlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
        long start = b.getKVClient().get(bytes("w/")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        try (Watch.Watcher w = b.getWatchClient().watch(bytes("w/"),
                WatchOption.builder().isPrefix(true).withRevision(start + 1).withPrevKV(true).build(),
                r -> events.addAll(r.getEvents()))) {
            long put1 = a.getKVClient().put(bytes("w/k"), bytes("one")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
            GetResponse got = b.getKVClient().get(bytes("w/k")).get(10, TimeUnit.SECONDS);
            assertEquals(1, got.getKvs().size(), "b reads a's write at once (same datastore)");
            assertEquals(put1, got.getKvs().getFirst().getModRevision());
            assertTrue(got.getHeader().getRevision() >= put1);

            WatchEvent first = events.poll(10, TimeUnit.SECONDS);
            assertEquals(WatchEvent.EventType.PUT, first.getEventType());
            assertEquals(put1, first.getKeyValue().getModRevision());
            assertEquals("one", text(first.getKeyValue().getValue()));

            long put2 = a.getKVClient().put(bytes("w/k"), bytes("two")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
            long del = a.getKVClient().delete(bytes("w/k")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
            WatchEvent second = events.poll(10, TimeUnit.SECONDS);
            assertEquals(put2, second.getKeyValue().getModRevision());
            assertEquals("one", text(second.getPrevKV().getValue()), "prev kv read back from history");
            WatchEvent third = events.poll(10, TimeUnit.SECONDS);
            assertEquals(WatchEvent.EventType.DELETE, third.getEventType());
            assertEquals(del, third.getKeyValue().getModRevision());
        }
        // both report the same current revision once b has heard of a's last commit
        long ra = a.getKVClient().get(bytes("x")).get().getHeader().getRevision();
        long rb = b.getKVClient().get(bytes("x")).get().getHeader().getRevision();
        assertEquals(ra, rb);
    }

    @Test
    void concurrentWritersOnBothServersSerializeWithoutLosingUpdates() throws Exception {
        ByteSequence counter = bytes("c/counter");
        a.getKVClient().put(counter, bytes("0")).get(10, TimeUnit.SECONDS);
        long start = a.getKVClient().get(counter).get().getHeader().getRevision();
        BlockingQueue<Long> watched = new LinkedBlockingQueue<>();
        int threadsPerServer = 3;
        int increments = 40;
        ExecutorService pool = Executors.newFixedThreadPool(2 * threadsPerServer);
        try (Watch.Watcher w = b.getWatchClient().watch(bytes("c/"),
                WatchOption.builder().isPrefix(true).withRevision(start + 1).build(),
                r -> r.getEvents().forEach(e -> watched.add(e.getKeyValue().getModRevision())))) {
            List<Future<?>> done = new ArrayList<>();
            for (Client c : List.of(a, b)) {
                for (int t = 0; t < threadsPerServer; t++) {
                    int thread = t;
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < increments; i++) {
                            incrementWithCompareAndSwap(c, counter);
                            c.getKVClient().put(bytes("c/" + (c == a ? "a" : "b") + thread + "/" + i), bytes("x"),
                                    PutOption.DEFAULT).get(10, TimeUnit.SECONDS);
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> f : done) {
                f.get(100, TimeUnit.SECONDS);
            }
            int total = 2 * threadsPerServer * increments;
            KeyValue kv = b.getKVClient().get(counter).get().getKvs().getFirst();
            assertEquals(Integer.toString(total), text(kv.getValue()), "every increment applied exactly once");
            GetResponse all = a.getKVClient().get(bytes("c/"), GetOption.builder().isPrefix(true).withCountOnly(true).build()).get();
            assertEquals(total + 1, all.getCount());

            // b's watcher sees every revision of those writes, in order, none skipped
            long end = a.getKVClient().get(counter).get().getHeader().getRevision();
            List<Long> revisions = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (revisions.size() < end - start && System.nanoTime() < deadline) {
                Long r = watched.poll(1, TimeUnit.SECONDS);
                if (r != null) {
                    revisions.add(r);
                }
            }
            List<Long> expected = new ArrayList<>();
            for (long r = start + 1; r <= end; r++) {
                expected.add(r);
            }
            assertEquals(expected, revisions);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void incrementWithCompareAndSwap(Client c, ByteSequence key) throws Exception {
        while (true) {
            KeyValue kv = c.getKVClient().get(key).get(10, TimeUnit.SECONDS).getKvs().getFirst();
            int next = Integer.parseInt(text(kv.getValue())) + 1;
            TxnResponse r = c.getKVClient().txn()
                    .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(kv.getModRevision())))
                    .Then(Op.put(key, bytes(Integer.toString(next)), PutOption.DEFAULT))
                    .commit().get(10, TimeUnit.SECONDS);
            if (r.isSucceeded()) {
                return;
            }
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static String text(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }
}
