package dev.kj.rhino.backend.redis;

import dev.kj.rhino.backend.Backend;
import dev.kj.rhino.backend.ReadTxn;
import dev.kj.rhino.backend.WriteTxn;
import dev.kj.rhino.backend.sqlite.SqliteBackend;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.LongConsumer;

/**
 * Rhino on Redis (standalone server; one database, keys under a prefix). Several rhino processes
 * may share a store: each write transaction commits through one Lua script that first checks that
 * no other commit happened since the transaction began, so commits are serialized without locks
 * (a loser gets {@link dev.kj.rhino.backend.WriteConflictException} and the writer re-runs its batch).
 * A commit with large DeleteRanges is one MULTI/EXEC under WATCH of the same sequence instead (see
 * {@link RedisWriteTxn}).
 *
 * <p>Data, under the prefix (member layouts in {@link Layout}):
 * {@code rev} the revision counter; {@code seq} a counter bumped by every commit (the conflict
 * check); {@code meta} a hash (compact revision, ids); {@code hist} a sorted set of every stored
 * row, ordered by (key, revision); {@code log} a sorted set of (revision, order, key) — history in
 * write order; {@code live} a sorted set of the keys that exist now; {@code leasekeys} a sorted set
 * of (lease, key); {@code lease} a hash of leases; {@code events} a stream with one entry per new
 * revision, which every process follows; {@code rec:<bucket>} hashes of records, listed in
 * {@code buckets}. All sorted sets have score 0, so Redis orders them bytewise.
 *
 * <p>How reads are answered:
 * <ul>
 *   <li>one key, at any revision: one ZREVRANGEBYLEX on {@code hist} (the key's newest row at or
 *       below the revision);</li>
 *   <li>a range (prefix) at the current revision: ZRANGEBYLEX on {@code live} with the limit, then
 *       one lookup per returned key, inside a script that checks the counter is still at that
 *       revision;</li>
 *   <li>a range at a past revision: a walk over {@code hist} that visits each key with rows in the
 *       range once (two O(log n) lookups per key), stopping at the limit;</li>
 *   <li>count: ZLEXCOUNT on {@code live} at the current revision, the same walk otherwise;</li>
 *   <li>history(from, to): ZRANGEBYLEX on {@code log} in pages of 1,000, each row (and its
 *       previous row) one lookup in {@code hist}.</li>
 * </ul>
 *
 * <p>Durability: see {@link Durability}; the server's settings are checked when the store opens.
 */
public final class RedisBackend implements Backend {
    private static final Logger LOG = System.getLogger(RedisBackend.class.getName());
    private static final long WAITAOF_TIMEOUT_MILLIS = 10_000;

    private final RedisEndpoint endpoint;
    private final RedisClient client;
    private final Layout layout;
    private final Link reads;
    private final Link writes;
    private final RedisReader reader;
    private final Durability durability;
    private CommitListener listener;
    private volatile boolean closed;

    private RedisBackend(RedisEndpoint endpoint, RedisClient client, Durability durability) {
        this.endpoint = endpoint;
        this.client = client;
        this.layout = new Layout(endpoint.prefix());
        this.reads = new Link(client, endpoint.uri());
        this.writes = new Link(client, endpoint.uri());
        this.reader = new RedisReader(layout, reads::commands);
        this.durability = durability;
    }

    /**
     * Connects, checks that the server keeps acknowledged writes (see {@link Durability}) and will not
     * evict them, and creates the counters of a new store.
     */
    public static RedisBackend open(String endpointUrl) {
        RedisEndpoint endpoint = RedisEndpoint.parse(endpointUrl);
        RedisClient client = RedisClient.create();
        ClientOptions.Builder options = ClientOptions.builder()
                .autoReconnect(false) // see Link
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(10)).build());
        if (endpoint.sslOptions() != null) {
            options.sslOptions(endpoint.sslOptions());
        }
        client.setOptions(options.build());
        RedisBackend backend = null;
        try {
            Link probe = new Link(client, endpoint.uri());
            Durability durability;
            try {
                durability = checkServer(endpoint, probe.commands());
            } finally {
                probe.close();
            }
            backend = new RedisBackend(endpoint, client, durability);
            backend.init();
            LOG.log(durability instanceof Durability.None ? Level.WARNING : Level.INFO, "redis store {0}: {1}",
                    endpoint.description(), durability.describe());
            return backend;
        } catch (RedisException e) {
            if (backend != null) {
                backend.close();
            } else {
                client.shutdown();
            }
            IllegalStateException failure = new IllegalStateException(
                    "cannot use redis at " + endpoint.description() + ": " + rootMessage(e));
            failure.addSuppressed(e);
            throw failure;
        } catch (RuntimeException e) {
            if (backend != null) {
                backend.close();
            } else {
                client.shutdown();
            }
            throw e;
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        if (message.startsWith("WRONGPASS") || message.startsWith("NOAUTH")
                || message.contains("without any password configured")) {
            return "authentication failed (" + message.strip() + ")";
        }
        if (message.contains("Connection refused")) {
            return "connection refused";
        }
        if (message.contains("NXDOMAIN")) {
            return "unknown host";
        }
        return message.strip();
    }

    private static Durability checkServer(RedisEndpoint endpoint, RedisCommands<byte[], byte[]> redis) {
        Map<String, String> server = info(redis, "server");
        Map<String, String> persistence = info(redis, "persistence");
        String version = server.getOrDefault("redis_version", "0");
        if (!"standalone".equals(server.getOrDefault("redis_mode", "standalone"))) {
            throw new IllegalStateException("redis at " + endpoint.description() + " runs in "
                    + server.get("redis_mode") + " mode; rhino needs a standalone server");
        }
        String policy = config(redis, "maxmemory-policy");
        if (policy != null && policy.startsWith("allkeys")) {
            throw new IllegalStateException("redis at " + endpoint.description() + " has maxmemory-policy "
                    + policy + ", which may evict rhino's data; set maxmemory-policy noeviction");
        }
        if (endpoint.unsafeNoFsync()) {
            return new Durability.None();
        }
        boolean aof = "1".equals(persistence.get("aof_enabled"));
        String fsync = config(redis, "appendfsync");
        if (aof && atLeast(version, 7, 2)) {
            return new Durability.WaitAof(WAITAOF_TIMEOUT_MILLIS);
        }
        if (aof && "always".equals(fsync)) {
            return new Durability.ServerFsync();
        }
        String why = !aof ? "appendonly is off"
                : "appendfsync is " + (fsync == null ? "unknown (CONFIG is not allowed)" : fsync)
                        + " and Redis " + version + " has no WAITAOF";
        throw new IllegalStateException("redis at " + endpoint.description()
                + " would acknowledge writes before they are on disk (" + why + "); run it with"
                + " appendonly yes and appendfsync always (Redis 7.2 and later: appendonly yes is enough),"
                + " or add ?unsafe-no-fsync=true to the endpoint to accept losing acknowledged writes"
                + " if Redis crashes");
    }

    private static Map<String, String> info(RedisCommands<byte[], byte[]> redis, String section) {
        Map<String, String> out = new HashMap<>();
        for (String line : redis.info(section).split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                out.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }
        return out;
    }

    /** A server setting, or null where CONFIG is not allowed (managed services rename it). */
    private static String config(RedisCommands<byte[], byte[]> redis, String name) {
        try {
            Map<String, String> values = redis.configGet(name);
            return values.get(name);
        } catch (RedisCommandExecutionException e) {
            return null;
        }
    }

    static boolean atLeast(String version, int major, int minor) {
        String[] parts = version.split("\\.");
        try {
            int ma = Integer.parseInt(parts[0]);
            int mi = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return ma > major || (ma == major && mi >= minor);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private void init() {
        byte[] schema = Script.INIT.run(writes.commands(), ScriptOutputType.VALUE,
                new byte[][] {layout.rev, layout.seq, layout.meta});
        String version = schema == null ? "" : new String(schema, StandardCharsets.US_ASCII);
        if (!version.equals("1")) {
            throw new IllegalStateException("redis keys under prefix " + layout.prefix
                    + " hold rhino schema version " + version + "; this rhino reads version 1");
        }
    }

    @Override
    public ReadTxn beginRead() {
        ensureOpen();
        return new RedisReadTxn(reader, RedisReader.begin(layout, reads.commands()));
    }

    @Override
    public WriteTxn beginWrite() {
        ensureOpen();
        return RedisWriteTxn.begin(reader, writes.commands(), durability);
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public synchronized void listen(LongConsumer committedRevision) {
        if (listener != null) {
            throw new IllegalStateException("already listening");
        }
        listener = new CommitListener(new Link(client, endpoint.uri()), layout, committedRevision);
        listener.start();
    }

    /** The sum of MEMORY USAGE (Redis's sampled estimate) over the store's keys. */
    @Override
    public long sizeBytes() {
        ensureOpen();
        RedisCommands<byte[], byte[]> redis = reads.commands();
        long total = 0;
        for (byte[] key : layout.fixedKeys()) {
            total += memoryUsage(redis, key);
        }
        for (String bucket : reader.buckets()) {
            total += memoryUsage(redis, layout.records(bucket));
        }
        return total;
    }

    private static long memoryUsage(RedisCommands<byte[], byte[]> redis, byte[] key) {
        Long bytes = redis.memoryUsage(key);
        return bytes == null ? 0 : bytes;
    }

    /**
     * Redis frees an element's memory when it is removed, so rhino's keys hold no free space: all
     * of it is in use. (Allocator fragmentation belongs to the whole server; Redis's own
     * activedefrag handles it.)
     */
    @Override
    public long sizeInUseBytes() {
        return sizeBytes();
    }

    /**
     * Nothing to release (see {@link #sizeInUseBytes()}): succeeds without touching the data, as
     * etcd's defragment does on a file that has no free pages.
     */
    @Override
    public void defragment() {
        ensureOpen();
    }

    /**
     * A consistent copy in rhino's SQLite snapshot format (restorable with {@code kj rhino --restore}):
     * every stored row up to the current revision replayed in write order, plus leases, meta and
     * records. A compaction that commits while the rows are copied could remove rows the copy
     * still needed, so the copy is made again when the compaction point moved meanwhile.
     */
    @Override
    public void snapshot(OutputStream out) {
        ensureOpen();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("rhino-redis-snapshot-");
            for (int attempt = 1; ; attempt++) {
                Path file = dir.resolve("snapshot-" + attempt + ".db");
                try (SqliteBackend copy = SqliteBackend.open(file)) {
                    if (copyInto(copy) || attempt == 10) {
                        copy.snapshot(out);
                        return;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("snapshot failed", e);
        } finally {
            if (dir != null) {
                deleteTree(dir);
            }
        }
    }

    /** Copies the store into {@code copy}; false when a compaction ran meanwhile. */
    private boolean copyInto(SqliteBackend copy) {
        try (ReadTxn view = beginRead(); WriteTxn w = copy.beginWrite()) {
            view.scanRows(view.revision(), row -> {
                if (row.isTombstone()) {
                    w.delete(row.key(), row.modRevision());
                } else {
                    w.put(row);
                }
            });
            RedisReader.Start after = RedisReader.begin(layout, reads.commands());
            if (after.compactRevision() != view.compactRevision()) {
                w.rollback();
                return false;
            }
            w.setRevision(view.revision());
            for (Map.Entry<String, Long> meta : reader.allMeta().entrySet()) {
                // The copy's layout is SQLite's, with its own schema version.
                if (!meta.getKey().equals("revision") && !meta.getKey().equals("schema_version")) {
                    w.setMeta(meta.getKey(), meta.getValue());
                }
            }
            for (ReadTxn.LeaseRow lease : view.leases()) {
                w.putLease(lease);
            }
            for (String bucket : reader.buckets()) {
                SortedMap<String, byte[]> records = view.records(bucket);
                records.forEach((name, value) -> w.putRecord(bucket, name, value));
            }
            w.commit();
            return true;
        }
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not remove snapshot scratch dir " + dir + ": " + e.getMessage());
        }
    }

    Durability durability() {
        return durability;
    }

    @Override
    public String describe() {
        return "redis " + endpoint.description();
    }

    /** Every key of the store (for tests and tools that remove a store). */
    List<byte[]> keys() {
        List<byte[]> keys = new java.util.ArrayList<>(List.of(layout.fixedKeys()));
        for (String bucket : reader.buckets()) {
            keys.add(layout.records(bucket));
        }
        return keys;
    }

    /** Deletes every key of the store (tests; the store must not be in use). */
    public void destroy() {
        ensureOpen();
        reads.commands().del(keys().toArray(new byte[0][]));
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("backend closed");
        }
    }

    @Override
    public void close() {
        CommitListener l;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            l = listener;
        }
        if (l != null) {
            l.close();
        }
        reads.close();
        writes.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
