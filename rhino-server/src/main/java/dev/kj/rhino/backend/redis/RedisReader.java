package dev.kj.rhino.backend.redis;

import com.google.protobuf.ByteString;
import dev.kj.rhino.backend.KeyRange;
import dev.kj.rhino.backend.ReadTxn.HistoryRow;
import dev.kj.rhino.backend.ReadTxn.LeaseRow;
import dev.kj.rhino.backend.Row;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.ValueListOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Reads of committed data as of a revision. Rows at or below a committed revision never change
 * (only compaction removes rows, and only ones reads at or above the compaction point cannot see),
 * so reads at a transaction's revision are consistent without a server-side snapshot; the one read
 * that needs the current state (the live set) runs in the same script that checks the counter.
 */
final class RedisReader {
    private static final int PAGE = 1_000;
    /** Rows per page of a range scan (about 6 MiB with 1 KiB values). */
    private static final int SCAN_PAGE = 5_000;
    private static final byte[] EMPTY = new byte[0];

    private final Layout layout;
    private final Supplier<RedisCommands<byte[], byte[]>> redis;

    RedisReader(Layout layout, Supplier<RedisCommands<byte[], byte[]>> redis) {
        this.layout = layout;
        this.redis = redis;
    }

    Layout layout() {
        return layout;
    }

    /** Where a transaction starts: the revision, the commit sequence and the compaction point. */
    record Start(long revision, byte[] seq, long compactRevision) {}

    static Start begin(Layout layout, RedisCommands<byte[], byte[]> redis) {
        List<Object> r = Script.BEGIN.run(redis, ScriptOutputType.MULTI,
                new byte[][] {layout.rev, layout.seq, layout.meta});
        if (r.get(0) == null || r.get(1) == null) {
            throw new IllegalStateException("redis has no rhino store under prefix " + layout.prefix
                    + " (its counters are gone)");
        }
        return new Start(number(r.get(0)), (byte[]) r.get(1), r.get(2) == null ? 0 : number(r.get(2)));
    }

    List<Row> range(KeyRange range, long revision, long limit, boolean keysOnly) {
        List<Object> members = Script.RANGE.run(redis.get(), ScriptOutputType.MULTI,
                new byte[][] {layout.rev, layout.live, layout.hist}, rangeArgs(range, revision, limit, keysOnly, false));
        if (members.size() == 1 && ((byte[]) members.getFirst()).length == 0) {
            return scan(range, revision, keysOnly);
        }
        List<Row> rows = new ArrayList<>(members.size());
        for (Object m : members) {
            rows.add(Layout.row((byte[]) m));
        }
        return rows;
    }

    /**
     * A whole range read as every row of its keys in hist, in pages of native ZRANGEBYLEX: within a
     * key rows ascend by revision, so the last one at or below {@code revision} is the key's state.
     * Rows at or below a committed revision never change, so pages read at different moments still
     * make one consistent answer.
     */
    private List<Row> scan(KeyRange range, long revision, boolean keysOnly) {
        byte[] min = Layout.concat(ascii("["), Layout.esc(range.start()));
        byte[] max = range.isUnbounded() ? ascii("+") : Layout.concat(ascii("("), Layout.esc(range.end()));
        List<Row> rows = new ArrayList<>();
        Row newest = null;
        while (true) {
            List<byte[]> page = redis.get().dispatch(CommandType.ZRANGEBYLEX, new ValueListOutput<>(ByteArrayCodec.INSTANCE),
                    new CommandArgs<>(ByteArrayCodec.INSTANCE).addKey(layout.hist).add(min).add(max)
                            .add("LIMIT").add(0).add(SCAN_PAGE));
            for (byte[] member : page) {
                Row row = Layout.row(member, keysOnly);
                if (newest != null && !newest.key().equals(row.key())) {
                    if (!newest.isTombstone()) {
                        rows.add(newest);
                    }
                    newest = null;
                }
                if (row.modRevision() <= revision) {
                    newest = row;
                }
            }
            if (page.size() < SCAN_PAGE) {
                break;
            }
            min = Layout.concat(ascii("("), page.getLast());
        }
        if (newest != null && !newest.isTombstone()) {
            rows.add(newest);
        }
        return rows;
    }

    long count(KeyRange range, long revision) {
        List<Object> r = Script.RANGE.run(redis.get(), ScriptOutputType.MULTI,
                new byte[][] {layout.rev, layout.live, layout.hist}, rangeArgs(range, revision, 0, true, true));
        return (Long) r.getFirst();
    }

    private static byte[][] rangeArgs(KeyRange range, long revision, long limit, boolean keysOnly, boolean countOnly) {
        return new byte[][] {
            ascii(Long.toString(revision)), Layout.be8(revision + 1), ascii(mode(range)),
            range.start(), range.end(), ascii(Long.toString(Math.max(0, limit))),
            ascii(keysOnly ? "1" : "0"), ascii(countOnly ? "1" : "0")};
    }

    private static String mode(KeyRange range) {
        return range.isSingleKey() ? "s" : range.isUnbounded() ? "u" : "r";
    }

    void history(KeyRange range, long fromRevision, long toRevision, boolean withPrevious, Consumer<HistoryRow> sink) {
        historyPages(range == null ? "a" : mode(range), range, fromRevision, toRevision, withPrevious, sink);
    }

    /** Every stored row up to {@code maxRevision} in write order. */
    void scanRows(long maxRevision, Consumer<Row> sink) {
        historyPages("a", null, 0, maxRevision, false, h -> sink.accept(h.row()));
    }

    private void historyPages(String mode, KeyRange range, long from, long to, boolean withPrevious,
                              Consumer<HistoryRow> sink) {
        if (to < from) {
            return;
        }
        byte[] min = Layout.concat(ascii("["), Layout.be8(Math.max(0, from)));
        byte[] max = Layout.concat(ascii("("), Layout.be8(to + 1));
        byte[] start = range == null ? EMPTY : range.start();
        byte[] end = range == null ? EMPTY : range.end();
        while (true) {
            List<Object> r = Script.HISTORY.run(redis.get(), ScriptOutputType.MULTI,
                    new byte[][] {layout.log, layout.hist},
                    min, max, ascii(Integer.toString(PAGE)), ascii(withPrevious ? "1" : "0"), ascii(mode), start, end);
            for (int i = 0; i + 1 < r.size(); i += 2) {
                Row row = Layout.row((byte[]) r.get(i));
                byte[] prev = (byte[]) r.get(i + 1);
                Row previous = prev.length == 0 ? null : Layout.row(prev);
                sink.accept(new HistoryRow(row, previous == null || previous.isTombstone() ? null : previous));
            }
            byte[] cursor = (byte[]) r.getLast();
            if (cursor.length == 0) {
                return;
            }
            min = Layout.concat(ascii("("), cursor);
        }
    }

    List<byte[]> keysWithLease(long lease) {
        byte[] from = Layout.be8(lease);
        byte[] min = Layout.concat(ascii("["), from);
        byte[] max = lease == Long.MAX_VALUE ? ascii("+") : Layout.concat(ascii("("), Layout.be8(lease + 1));
        List<Object> members = Script.LEX.run(redis.get(), ScriptOutputType.MULTI, new byte[][] {layout.leaseKeys}, min, max);
        List<byte[]> keys = new ArrayList<>(members.size());
        for (Object m : members) {
            byte[] b = (byte[]) m;
            keys.add(Arrays.copyOfRange(b, 8, b.length));
        }
        return keys;
    }

    LeaseRow lease(long id) {
        byte[] v = redis.get().hget(layout.leases, ascii(Long.toString(id)));
        return v == null ? null : leaseRow(id, v);
    }

    List<LeaseRow> leases() {
        List<LeaseRow> out = new ArrayList<>();
        for (Map.Entry<byte[], byte[]> e : redis.get().hgetall(layout.leases).entrySet()) {
            out.add(leaseRow(Long.parseLong(text(e.getKey())), e.getValue()));
        }
        out.sort((a, b) -> Long.compare(a.id(), b.id()));
        return out;
    }

    static byte[] leaseValue(LeaseRow lease) {
        return ascii(lease.ttlSeconds() + " " + lease.expiresAtMillis());
    }

    private static LeaseRow leaseRow(long id, byte[] value) {
        String[] parts = text(value).split(" ");
        return new LeaseRow(id, Long.parseLong(parts[0]), Long.parseLong(parts[1]));
    }

    Long meta(String name) {
        byte[] v = redis.get().hget(layout.meta, ascii(name));
        return v == null ? null : Long.parseLong(text(v));
    }

    SortedMap<String, Long> allMeta() {
        SortedMap<String, Long> out = new TreeMap<>();
        redis.get().hgetall(layout.meta).forEach((k, v) -> out.put(text(k), Long.parseLong(text(v))));
        return out;
    }

    byte[] record(String bucket, String name) {
        return redis.get().hget(layout.records(bucket), name.getBytes(StandardCharsets.UTF_8));
    }

    SortedMap<String, byte[]> records(String bucket) {
        SortedMap<String, byte[]> out = new TreeMap<>();
        redis.get().hgetall(layout.records(bucket)).forEach((k, v) -> out.put(new String(k, StandardCharsets.UTF_8), v));
        return out;
    }

    List<String> buckets() {
        List<String> out = new ArrayList<>();
        for (byte[] b : redis.get().smembers(layout.buckets)) {
            out.add(new String(b, StandardCharsets.UTF_8));
        }
        out.sort(null);
        return out;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    static long number(Object redisValue) {
        return redisValue instanceof Long l ? l : Long.parseLong(text((byte[]) redisValue));
    }

    static ByteString bytes(byte[] b) {
        return ByteString.copyFrom(b);
    }
}
