package dev.kj.rhino.backend.redis;

import static dev.kj.rhino.backend.redis.RedisReader.ascii;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.kj.rhino.backend.KeyRange;
import dev.kj.rhino.backend.Row;
import dev.kj.rhino.backend.WriteConflictException;
import dev.kj.rhino.backend.WriteTxn;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The write transaction: reads go to Redis as of the base revision with this transaction's own
 * buffered writes laid over them; writes are buffered as ops and {@link #commit()} sends them all
 * in one script that applies them only if no other commit happened since {@link #begin} (the
 * commit sequence it read is unchanged), else writes nothing and we throw
 * {@link WriteConflictException}. The sequence, not the revision, is compared because lease,
 * meta and compaction commits change state without a new revision. DeleteRanges of
 * {@link #BULK_DELETES} keys or more in all make the commit one MULTI/EXEC of native bulk
 * commands instead, guarded by WATCH of the same sequence ({@link #commitInBulk()}).
 *
 * <p>Commit ops (arguments after the op letter): P put (esc key, key, hist member, log member,
 * lease), D delete (esc key, key, tombstone member, log member), R revision, M meta (name, value),
 * L lease (id, value), l lease deleted (id), S record (bucket, name, value), s record deleted
 * (bucket, name), K compact a key's rows below a revision (esc key, key, revision), T drop a
 * tombstone (hist member, log member).
 */
final class RedisWriteTxn implements WriteTxn {
    /** DeleteRange keys in one commit from which it goes through {@link #commitInBulk()}. */
    static final int BULK_DELETES = 1_000;
    /** Members per ZADD in a bulk commit: big enough to amortize a round trip, small enough to stream. */
    private static final int BULK_CHUNK = 10_000;
    private static final byte[] ZERO_SCORE = {'0'};
    private static final Comparator<ByteString> KEY_ORDER = ByteString.unsignedLexicographicalComparator();

    private final RedisReader reader;
    private final RedisCommands<byte[], byte[]> redis;
    private final Durability durability;
    private final long base;
    private final byte[] baseSeq;
    private long revision;
    private long compactRevision;
    private boolean revisionDirty;
    private boolean done;

    /** Buffered commit ops in order: script ops, interleaved with DeleteRanges kept apart. */
    private final List<Segment> segments = new ArrayList<>();
    private int rangeDeletes;
    /** Buffered rows per key, oldest first. */
    private final NavigableMap<ByteString, List<Row>> buffered = new TreeMap<>(KEY_ORDER);
    /** Buffered rows in write order. */
    private final List<Row> written = new ArrayList<>();
    /** Rows at the base revision already read from Redis (empty = the key did not exist). */
    private final Map<ByteString, Optional<Row>> baseRows = new HashMap<>();
    private final Map<String, Long> meta = new HashMap<>();
    /** Buffered lease changes; a null value is a deletion. */
    private final Map<Long, LeaseRow> leases = new HashMap<>();
    /** Buffered record changes per bucket; a null value is a deletion. */
    private final Map<String, Map<String, byte[]>> records = new HashMap<>();
    private long subRevision = -1;
    private int nextSub;

    private RedisWriteTxn(RedisReader reader, RedisCommands<byte[], byte[]> redis, Durability durability,
                          RedisReader.Start start) {
        this.reader = reader;
        this.redis = redis;
        this.durability = durability;
        this.base = start.revision();
        this.baseSeq = start.seq();
        this.revision = base;
        this.compactRevision = start.compactRevision();
    }

    static RedisWriteTxn begin(RedisReader reader, RedisCommands<byte[], byte[]> redis, Durability durability) {
        return new RedisWriteTxn(reader, redis, durability, RedisReader.begin(reader.layout(), redis));
    }

    // --- reads: Redis at the base revision, then our own writes ---

    @Override
    public long revision() {
        return revision;
    }

    @Override
    public long compactRevision() {
        return compactRevision;
    }

    @Override
    public Long meta(String name) {
        return meta.containsKey(name) ? meta.get(name) : reader.meta(name);
    }

    @Override
    public List<Row> range(KeyRange range, long atRevision, long limit, boolean keysOnly) {
        long redisRevision = Math.min(atRevision, base);
        if (range.isSingleKey()) {
            ByteString key = UnsafeByteOperations.unsafeWrap(range.start());
            Row row = newestBuffered(buffered.get(key), atRevision);
            if (row == null) {
                row = atRevision >= base ? baseRow(key).orElse(null) : single(range, redisRevision);
            }
            return row == null || row.isTombstone() ? List.of() : List.of(keysOnly ? withoutValue(row) : row);
        }
        SortedMap<ByteString, List<Row>> touched = bufferedIn(range);
        if (atRevision <= base || touched.isEmpty()) {
            return reader.range(range, redisRevision, limit, keysOnly);
        }
        // Our deletes can hide at most touched.size() of Redis's first rows.
        long fetch = limit > 0 ? limit + touched.size() : 0;
        TreeMap<ByteString, Row> merged = new TreeMap<>(KEY_ORDER);
        for (Row row : reader.range(range, base, fetch, keysOnly)) {
            merged.put(row.key(), row);
        }
        for (Map.Entry<ByteString, List<Row>> e : touched.entrySet()) {
            Row row = newestBuffered(e.getValue(), atRevision);
            if (row == null) {
                continue;
            }
            if (row.isTombstone()) {
                merged.remove(e.getKey());
            } else {
                merged.put(e.getKey(), keysOnly ? withoutValue(row) : row);
            }
        }
        List<Row> out = new ArrayList<>(merged.values());
        return limit > 0 && out.size() > limit ? out.subList(0, (int) limit) : out;
    }

    @Override
    public long count(KeyRange range, long atRevision) {
        if (range.isSingleKey()) {
            return range(range, atRevision, 1, true).size();
        }
        SortedMap<ByteString, List<Row>> touched = bufferedIn(range);
        if (atRevision <= base || touched.isEmpty()) {
            return reader.count(range, Math.min(atRevision, base));
        }
        long n = reader.count(range, base);
        for (Map.Entry<ByteString, List<Row>> e : touched.entrySet()) {
            Row row = newestBuffered(e.getValue(), atRevision);
            if (row != null) {
                n += (row.isTombstone() ? 0 : 1) - (baseRow(e.getKey()).isPresent() ? 1 : 0);
            }
        }
        return n;
    }

    private Row single(KeyRange range, long atRevision) {
        List<Row> rows = reader.range(range, atRevision, 1, false);
        return rows.isEmpty() ? null : rows.getFirst();
    }

    /** The key's live row at the base revision, read from Redis once per transaction. */
    private Optional<Row> baseRow(ByteString key) {
        Optional<Row> row = baseRows.get(key);
        if (row == null) {
            row = Optional.ofNullable(single(KeyRange.single(key.toByteArray()), base));
            baseRows.put(key, row);
        }
        return row;
    }

    private static Row newestBuffered(List<Row> rows, long atRevision) {
        if (rows == null) {
            return null;
        }
        for (int i = rows.size() - 1; i >= 0; i--) {
            if (rows.get(i).modRevision() <= atRevision) {
                return rows.get(i);
            }
        }
        return null;
    }

    private SortedMap<ByteString, List<Row>> bufferedIn(KeyRange range) {
        if (buffered.isEmpty()) {
            return Collections.emptySortedMap();
        }
        ByteString start = UnsafeByteOperations.unsafeWrap(range.start());
        if (range.isUnbounded()) {
            return buffered.tailMap(start, true);
        }
        ByteString end = UnsafeByteOperations.unsafeWrap(range.end());
        return KEY_ORDER.compare(start, end) >= 0 ? Collections.emptySortedMap() : buffered.subMap(start, true, end, false);
    }

    private static Row withoutValue(Row row) {
        return new Row(row.key(), row.modRevision(), row.createRevision(), row.version(), row.lease(), ByteString.EMPTY);
    }

    @Override
    public void history(KeyRange range, long fromRevision, long toRevision, boolean withPrevious,
                        Consumer<HistoryRow> sink) {
        reader.history(range, fromRevision, Math.min(toRevision, base), withPrevious, sink);
        Map<ByteString, Row> previous = new HashMap<>();
        for (Row row : written) {
            Row before = previous.containsKey(row.key()) ? previous.get(row.key()) : baseRow(row.key()).orElse(null);
            previous.put(row.key(), row.isTombstone() ? null : row);
            if (row.modRevision() >= fromRevision && row.modRevision() <= toRevision && range.contains(row.key())) {
                sink.accept(new HistoryRow(row, withPrevious ? before : null));
            }
        }
    }

    @Override
    public List<byte[]> keysWithLease(long lease) {
        TreeSet<ByteString> keys = new TreeSet<>(KEY_ORDER);
        for (byte[] key : reader.keysWithLease(lease)) {
            keys.add(ByteString.copyFrom(key));
        }
        for (Map.Entry<ByteString, List<Row>> e : buffered.entrySet()) {
            Row newest = e.getValue().getLast();
            if (!newest.isTombstone() && newest.lease() == lease) {
                keys.add(e.getKey());
            } else {
                keys.remove(e.getKey());
            }
        }
        return keys.stream().map(ByteString::toByteArray).toList();
    }

    @Override
    public LeaseRow lease(long id) {
        return leases.containsKey(id) ? leases.get(id) : reader.lease(id);
    }

    @Override
    public List<LeaseRow> leases() {
        TreeMap<Long, LeaseRow> all = new TreeMap<>();
        for (LeaseRow row : reader.leases()) {
            all.put(row.id(), row);
        }
        leases.forEach((id, row) -> {
            if (row == null) {
                all.remove(id);
            } else {
                all.put(id, row);
            }
        });
        return List.copyOf(all.values());
    }

    @Override
    public byte[] record(String bucket, String name) {
        Map<String, byte[]> changes = records.get(bucket);
        return changes != null && changes.containsKey(name) ? changes.get(name) : reader.record(bucket, name);
    }

    @Override
    public SortedMap<String, byte[]> records(String bucket) {
        SortedMap<String, byte[]> all = reader.records(bucket);
        records.getOrDefault(bucket, Map.of()).forEach((name, value) -> {
            if (value == null) {
                all.remove(name);
            } else {
                all.put(name, value);
            }
        });
        return all;
    }

    @Override
    public void scanRows(long maxRevision, Consumer<Row> sink) {
        reader.scanRows(Math.min(maxRevision, base), sink);
        for (Row row : written) {
            if (row.modRevision() <= maxRevision) {
                sink.accept(row);
            }
        }
    }

    // --- writes: buffered until commit ---

    private int nextSub(long rowRevision) {
        if (rowRevision != subRevision) {
            subRevision = rowRevision;
            nextSub = 0;
        }
        return nextSub++;
    }

    private void buffer(Row row) {
        buffered.computeIfAbsent(row.key(), k -> new ArrayList<>(1)).add(row);
        written.add(row);
    }

    @Override
    public void put(Row row) {
        ensureOpen();
        byte[] key = row.key().toByteArray();
        int sub = nextSub(row.modRevision());
        ops().add(ascii("P"));
        ops().add(Layout.esc(key));
        ops().add(key);
        ops().add(Layout.histMember(row, sub));
        ops().add(Layout.logMember(row.modRevision(), sub, key));
        ops().add(Layout.be8(row.lease()));
        buffer(row);
    }

    @Override
    public void delete(ByteString key, long atRevision) {
        ensureOpen();
        byte[] raw = key.toByteArray();
        int sub = nextSub(atRevision);
        Row tombstone = new Row(key, atRevision, 0, 0, 0, ByteString.EMPTY);
        ops().add(ascii("D"));
        ops().add(Layout.esc(raw));
        ops().add(raw);
        ops().add(Layout.histMember(tombstone, sub));
        ops().add(Layout.logMember(atRevision, sub, raw));
        buffer(tombstone);
    }

    /**
     * Keeps a DeleteRange's tombstones together (and the range itself) so a large one can commit
     * with a few native bulk commands instead of per-key work in the commit script.
     */
    @Override
    public void deleteRange(KeyRange range, List<Row> current, long atRevision) {
        ensureOpen();
        if (range.isSingleKey()) {
            for (Row row : current) {
                delete(row.key(), atRevision);
            }
            return;
        }
        List<Tombstone> tombstones = new ArrayList<>(current.size());
        for (Row row : current) {
            byte[] raw = row.key().toByteArray();
            int sub = nextSub(atRevision);
            Row tombstone = new Row(row.key(), atRevision, 0, 0, 0, ByteString.EMPTY);
            tombstones.add(new Tombstone(raw, Layout.histMember(tombstone, sub), Layout.logMember(atRevision, sub, raw),
                    row.lease()));
            buffer(tombstone);
        }
        segments.add(new RangeDelete(range, tombstones));
        rangeDeletes += tombstones.size();
    }

    @Override
    public void setRevision(long newRevision) {
        ensureOpen();
        revision = newRevision;
        revisionDirty = true;
    }

    @Override
    public void setCompactRevision(long newCompactRevision) {
        setMeta("compact_revision", newCompactRevision);
        compactRevision = newCompactRevision;
    }

    @Override
    public void setMeta(String name, long value) {
        ensureOpen();
        ops().add(ascii("M"));
        ops().add(name.getBytes(StandardCharsets.UTF_8));
        ops().add(ascii(Long.toString(value)));
        meta.put(name, value);
    }

    @Override
    public void putLease(LeaseRow lease) {
        ensureOpen();
        ops().add(ascii("L"));
        ops().add(ascii(Long.toString(lease.id())));
        ops().add(RedisReader.leaseValue(lease));
        leases.put(lease.id(), lease);
    }

    @Override
    public void deleteLease(long id) {
        ensureOpen();
        ops().add(ascii("l"));
        ops().add(ascii(Long.toString(id)));
        leases.put(id, null);
    }

    @Override
    public void putRecord(String bucket, String name, byte[] value) {
        ensureOpen();
        ops().add(ascii("S"));
        ops().add(bucket.getBytes(StandardCharsets.UTF_8));
        ops().add(name.getBytes(StandardCharsets.UTF_8));
        ops().add(value.clone());
        records.computeIfAbsent(bucket, b -> new HashMap<>()).put(name, value.clone());
    }

    @Override
    public void deleteRecord(String bucket, String name) {
        ensureOpen();
        ops().add(ascii("s"));
        ops().add(bucket.getBytes(StandardCharsets.UTF_8));
        ops().add(name.getBytes(StandardCharsets.UTF_8));
        records.computeIfAbsent(bucket, b -> new HashMap<>()).put(name, null);
    }

    /** Plans the removals in Redis (nothing is removed before commit) and counts them. */
    @Override
    public long compactWindow(long fromRevision, long toRevision) {
        ensureOpen();
        Layout layout = reader.layout();
        List<Object> plan = Script.COMPACT_PLAN.run(redis, ScriptOutputType.MULTI,
                new byte[][] {layout.log, layout.hist},
                Layout.concat(ascii("["), Layout.be8(fromRevision + 1)),
                Layout.concat(ascii("("), Layout.be8(toRevision + 1)));
        for (int i = 1; i + 2 < plan.size(); i += 3) {
            byte[] key = (byte[]) plan.get(i);
            byte[] revision8 = (byte[]) plan.get(i + 1);
            byte[] tombstone = (byte[]) plan.get(i + 2);
            ops().add(ascii("K"));
            ops().add(Layout.esc(key));
            ops().add(key);
            ops().add(revision8);
            if (tombstone.length > 0) {
                ops().add(ascii("T"));
                ops().add(tombstone);
                ops().add(Layout.concat(Layout.idOf(tombstone), key));
            }
        }
        return (Long) plan.getFirst();
    }

    @Override
    public void commit() {
        ensureOpen();
        done = true;
        if (segments.isEmpty() && !revisionDirty) {
            return;
        }
        try {
            if (rangeDeletes < BULK_DELETES) {
                commitInOneScript();
            } else {
                commitInBulk();
            }
        } catch (RedisException e) {
            throw new IllegalStateException("redis commit of revision " + revision
                    + " failed (it may or may not have been applied): " + e.getMessage(), e);
        }
        durability.afterCommit(redis);
    }

    private byte[][] commitKeys() {
        Layout l = reader.layout();
        return new byte[][] {l.seq, l.rev, l.meta, l.hist, l.log, l.live, l.leaseKeys, l.leases, l.events, l.buckets};
    }

    private List<byte[]> revisionOp() {
        return revisionDirty ? List.of(ascii("R"), ascii(Long.toString(revision))) : List.of();
    }

    /** The common path: every op, DeleteRanges as per-key deletes, in one script that checks the sequence. */
    private void commitInOneScript() {
        List<byte[]> args = new ArrayList<>();
        args.add(baseSeq);
        args.add(reader.layout().prefix.getBytes(StandardCharsets.UTF_8));
        for (Segment segment : segments) {
            switch (segment) {
                case ScriptOps ops -> args.addAll(ops.args());
                case RangeDelete delete -> {
                    for (Tombstone t : delete.tombstones()) {
                        args.add(ascii("D"));
                        args.add(Layout.esc(t.key()));
                        args.add(t.key());
                        args.add(t.histMember());
                        args.add(t.logMember());
                    }
                }
            }
        }
        args.addAll(revisionOp());
        Long applied = Script.COMMIT.run(redis, ScriptOutputType.INTEGER, commitKeys(), args.toArray(new byte[0][]));
        if (applied == 0) {
            throw conflict();
        }
    }

    /**
     * Large DeleteRanges: one MULTI/EXEC under WATCH of the sequence, so the whole commit is still
     * atomic for readers and other processes, and all or nothing in the append-only file. Each
     * DeleteRange is ZREMRANGEBYLEX on the live set plus ZADDs of its tombstones in chunks; the ops
     * around it go through the commit script (told not to check the sequence: WATCH does, and EXEC
     * runs nothing if the sequence changed). EVAL, not EVALSHA: a missing script would fail inside
     * EXEC while the other commands still apply.
     */
    private void commitInBulk() {
        Layout l = reader.layout();
        redis.watch(l.seq);
        if (!Arrays.equals(redis.get(l.seq), baseSeq)) {
            redis.unwatch();
            throw conflict();
        }
        byte[] prefix = l.prefix.getBytes(StandardCharsets.UTF_8);
        redis.multi();
        TransactionResult result;
        try {
            for (Segment segment : segments) {
                switch (segment) {
                    case ScriptOps ops -> evalCommit(prefix, ops.args());
                    case RangeDelete delete -> queueBulkDelete(l, delete);
                }
            }
            evalCommit(prefix, revisionOp()); // also bumps the sequence
            result = redis.exec();
        } catch (RuntimeException e) {
            discardQuietly();
            throw e;
        }
        if (result.wasDiscarded()) {
            throw conflict();
        }
        for (Object reply : result) {
            if (reply instanceof Exception e) {
                throw new IllegalStateException("redis commit of revision " + revision
                        + " failed part way (a command inside MULTI/EXEC): " + e.getMessage(), e);
            }
        }
    }

    private void evalCommit(byte[] prefix, List<byte[]> ops) {
        List<byte[]> args = new ArrayList<>(ops.size() + 2);
        args.add(new byte[0]);
        args.add(prefix);
        args.addAll(ops);
        redis.eval(Script.COMMIT.text(), ScriptOutputType.INTEGER, commitKeys(), args.toArray(new byte[0][]));
    }

    private void queueBulkDelete(Layout l, RangeDelete delete) {
        KeyRange range = delete.range();
        byte[] max = range.isUnbounded() ? ascii("+") : Layout.concat(ascii("("), range.end());
        redis.dispatch(CommandType.ZREMRANGEBYLEX, new IntegerOutput<>(ByteArrayCodec.INSTANCE),
                new CommandArgs<>(ByteArrayCodec.INSTANCE).addKey(l.live)
                        .add(Layout.concat(ascii("["), range.start())).add(max));
        List<Tombstone> all = delete.tombstones();
        for (int from = 0; from < all.size(); from += BULK_CHUNK) {
            List<Tombstone> chunk = all.subList(from, Math.min(all.size(), from + BULK_CHUNK));
            // raw args: Lettuce would format each 0.0 score anew
            CommandArgs<byte[], byte[]> hist = new CommandArgs<>(ByteArrayCodec.INSTANCE).addKey(l.hist);
            CommandArgs<byte[], byte[]> log = new CommandArgs<>(ByteArrayCodec.INSTANCE).addKey(l.log);
            List<byte[]> leased = new ArrayList<>();
            for (Tombstone t : chunk) {
                hist.add(ZERO_SCORE).add(t.histMember());
                log.add(ZERO_SCORE).add(t.logMember());
                if (t.lease() != 0) {
                    leased.add(Layout.concat(Layout.be8(t.lease()), t.key()));
                }
            }
            redis.dispatch(CommandType.ZADD, new IntegerOutput<>(ByteArrayCodec.INSTANCE), hist);
            redis.dispatch(CommandType.ZADD, new IntegerOutput<>(ByteArrayCodec.INSTANCE), log);
            if (!leased.isEmpty()) {
                redis.zrem(l.leaseKeys, leased.toArray(new byte[0][]));
            }
        }
    }

    private void discardQuietly() {
        try {
            redis.discard();
        } catch (RuntimeException ignored) {
            // the connection broke: the server dropped the transaction with it
        }
    }

    private WriteConflictException conflict() {
        return new WriteConflictException("another rhino process committed since revision " + base);
    }

    @Override
    public void rollback() {
        done = true;
        segments.clear();
        rangeDeletes = 0;
    }

    @Override
    public void close() {
        done = true;
    }

    /** The script ops being appended to: the last segment, or a new one after a DeleteRange. */
    private List<byte[]> ops() {
        if (!segments.isEmpty() && segments.getLast() instanceof ScriptOps last) {
            return last.args();
        }
        ScriptOps next = new ScriptOps(new ArrayList<>());
        segments.add(next);
        return next.args();
    }

    private sealed interface Segment permits ScriptOps, RangeDelete {}

    /** Ops for the commit script (see the class comment). */
    private record ScriptOps(List<byte[]> args) implements Segment {}

    /** Every live key of {@code range} deleted at one revision; {@code tombstones} in key order. */
    private record RangeDelete(KeyRange range, List<Tombstone> tombstones) implements Segment {}

    /** One deleted key: its raw key, tombstone row, log entry and the lease it was attached to (0: none). */
    private record Tombstone(byte[] key, byte[] histMember, byte[] logMember, long lease) {}

    private void ensureOpen() {
        if (done) {
            throw new IllegalStateException("transaction already finished");
        }
    }
}
