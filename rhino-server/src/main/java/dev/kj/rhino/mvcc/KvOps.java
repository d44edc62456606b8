package dev.kj.rhino.mvcc;

import com.google.protobuf.ByteString;
import dev.kj.rhino.api.etcdserverpb.Compare;
import dev.kj.rhino.api.etcdserverpb.DeleteRangeRequest;
import dev.kj.rhino.api.etcdserverpb.DeleteRangeResponse;
import dev.kj.rhino.api.etcdserverpb.PutRequest;
import dev.kj.rhino.api.etcdserverpb.PutResponse;
import dev.kj.rhino.api.etcdserverpb.RangeRequest;
import dev.kj.rhino.api.etcdserverpb.RangeResponse;
import dev.kj.rhino.api.etcdserverpb.RequestOp;
import dev.kj.rhino.api.etcdserverpb.ResponseHeader;
import dev.kj.rhino.api.etcdserverpb.ResponseOp;
import dev.kj.rhino.api.etcdserverpb.TxnRequest;
import dev.kj.rhino.api.etcdserverpb.TxnResponse;
import dev.kj.rhino.api.mvccpb.KeyValue;
import dev.kj.rhino.backend.KeyRange;
import dev.kj.rhino.backend.ReadTxn;
import dev.kj.rhino.backend.Row;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * etcd's KV semantics (Range, Put, DeleteRange, Txn) over a backend transaction. Reads go through
 * a {@link ReadTxn}; writes through a {@link WriteContext}, which is null for read-only requests.
 * Headers set here carry only the revision; the store adds the member identity at the top level.
 */
public final class KvOps {
    static final int MAX_TXN_OPS = 128;
    /** A DeleteRange of at least this many keys (without prev_kv) reads them keys only. */
    static final int LARGE_DELETE_KEYS = 1_000;

    private KvOps() {}

    // --- validation before anything runs (etcd's v3rpc checks) ---

    static void checkRange(RangeRequest r) {
        if (r.getKey().isEmpty()) {
            throw EtcdError.EMPTY_KEY.exception();
        }
        if (r.getSortOrder() == RangeRequest.SortOrder.UNRECOGNIZED
                || r.getSortTarget() == RangeRequest.SortTarget.UNRECOGNIZED) {
            throw EtcdError.INVALID_SORT_OPTION.exception();
        }
    }

    static void checkPut(PutRequest r) {
        if (r.getKey().isEmpty()) {
            throw EtcdError.EMPTY_KEY.exception();
        }
        if (r.getIgnoreValue() && !r.getValue().isEmpty()) {
            throw EtcdError.VALUE_PROVIDED.exception();
        }
        if (r.getIgnoreLease() && r.getLease() != 0) {
            throw EtcdError.LEASE_PROVIDED.exception();
        }
    }

    static void checkDelete(DeleteRangeRequest r) {
        if (r.getKey().isEmpty()) {
            throw EtcdError.EMPTY_KEY.exception();
        }
    }

    static void checkTxn(TxnRequest r) {
        checkTxnOps(r, MAX_TXN_OPS);
        checkIntervals(r.getSuccessList());
        checkIntervals(r.getFailureList());
    }

    private static void checkTxnOps(TxnRequest r, int maxOps) {
        int ops = Math.max(r.getCompareCount(), Math.max(r.getSuccessCount(), r.getFailureCount()));
        if (ops > maxOps) {
            throw EtcdError.TOO_MANY_OPS.exception();
        }
        for (Compare c : r.getCompareList()) {
            if (c.getKey().isEmpty()) {
                throw EtcdError.EMPTY_KEY.exception();
            }
        }
        for (RequestOp op : r.getSuccessList()) {
            checkOp(op, maxOps - ops);
        }
        for (RequestOp op : r.getFailureList()) {
            checkOp(op, maxOps - ops);
        }
    }

    private static void checkOp(RequestOp op, int maxOps) {
        switch (op.getRequestCase()) {
            case REQUEST_RANGE -> checkRange(op.getRequestRange());
            case REQUEST_PUT -> checkPut(op.getRequestPut());
            case REQUEST_DELETE_RANGE -> checkDelete(op.getRequestDeleteRange());
            case REQUEST_TXN -> checkTxnOps(op.getRequestTxn(), maxOps);
            case REQUEST_NOT_SET -> throw EtcdError.KEY_NOT_FOUND.exception();
        }
    }

    /** The keys put on one branch path, and the ranges deleted; a put may not touch a deleted range or another put. */
    private record Writes(List<ByteString> puts, List<KeyRange> deletes) {}

    private static Writes checkIntervals(List<RequestOp> ops) {
        List<KeyRange> deletes = new ArrayList<>();
        for (RequestOp op : ops) {
            if (op.hasRequestDeleteRange()) {
                DeleteRangeRequest d = op.getRequestDeleteRange();
                deletes.add(KeyRange.of(d.getKey().toByteArray(), d.getRangeEnd().toByteArray()));
            }
        }
        List<ByteString> puts = new ArrayList<>();
        for (RequestOp op : ops) {
            if (!op.hasRequestTxn()) {
                continue;
            }
            Writes then = checkIntervals(op.getRequestTxn().getSuccessList());
            Writes otherwise = checkIntervals(op.getRequestTxn().getFailureList());
            for (ByteString k : then.puts()) {
                if (puts.contains(k) || intersects(deletes, k)) {
                    throw EtcdError.DUPLICATE_KEY.exception();
                }
                puts.add(k);
            }
            for (ByteString k : otherwise.puts()) {
                // then and else never both run, so the same key on both sides is fine
                if ((puts.contains(k) && !then.puts().contains(k)) || intersects(deletes, k)) {
                    throw EtcdError.DUPLICATE_KEY.exception();
                }
                if (!puts.contains(k)) {
                    puts.add(k);
                }
            }
            deletes.addAll(then.deletes());
            deletes.addAll(otherwise.deletes());
        }
        for (RequestOp op : ops) {
            if (!op.hasRequestPut()) {
                continue;
            }
            ByteString k = op.getRequestPut().getKey();
            if (puts.contains(k) || intersects(deletes, k)) {
                throw EtcdError.DUPLICATE_KEY.exception();
            }
            puts.add(k);
        }
        return new Writes(puts, deletes);
    }

    private static boolean intersects(List<KeyRange> ranges, ByteString key) {
        byte[] k = key.toByteArray();
        for (KeyRange r : ranges) {
            if (r.contains(k)) {
                return true;
            }
        }
        return false;
    }

    /** Whether no branch of the txn writes, so it can run on a read snapshot. */
    public static boolean isReadOnly(TxnRequest r) {
        return opsReadOnly(r.getSuccessList()) && opsReadOnly(r.getFailureList());
    }

    private static boolean opsReadOnly(List<RequestOp> ops) {
        for (RequestOp op : ops) {
            switch (op.getRequestCase()) {
                case REQUEST_PUT, REQUEST_DELETE_RANGE -> {
                    return false;
                }
                case REQUEST_TXN -> {
                    if (!isReadOnly(op.getRequestTxn())) {
                        return false;
                    }
                }
                default -> { }
            }
        }
        return true;
    }

    // --- execution ---

    /**
     * Range at {@code currentRevision} (the revision the caller's view is at). Count is the number of
     * keys in the range at the read revision, before limit and filters, as etcd reports it.
     */
    static RangeResponse range(ReadTxn txn, RangeRequest r, long currentRevision) {
        long rev = r.getRevision() <= 0 ? currentRevision : r.getRevision();
        if (rev > currentRevision) {
            throw EtcdError.FUTURE_REV.exception();
        }
        if (rev < txn.compactRevision()) {
            throw EtcdError.COMPACTED.exception();
        }
        KeyRange keys = KeyRange.of(r.getKey().toByteArray(), r.getRangeEnd().toByteArray());
        RangeResponse.Builder resp = RangeResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(currentRevision));
        if (r.getCountOnly()) {
            return resp.setCount(txn.count(keys, rev)).build();
        }
        RangeRequest.SortOrder order = r.getSortOrder();
        if (r.getSortTarget() != RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.NONE) {
            order = RangeRequest.SortOrder.ASCEND;
        }
        boolean keyOrder = order == RangeRequest.SortOrder.NONE
                || (r.getSortTarget() == RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.ASCEND);
        boolean filters = r.getMinModRevision() != 0 || r.getMaxModRevision() != 0
                || r.getMinCreateRevision() != 0 || r.getMaxCreateRevision() != 0;
        // Sorting or filtering needs every key first; otherwise fetch one extra to learn "more".
        long fetch = (!keyOrder || filters || r.getLimit() <= 0) ? 0 : r.getLimit() + 1;
        boolean keysOnly = r.getKeysOnly() && r.getSortTarget() != RangeRequest.SortTarget.VALUE;
        List<Row> rows = txn.range(keys, rev, fetch, keysOnly);
        // Only a truncated fetch needs a separate count.
        long count = (fetch > 0 && rows.size() >= fetch) ? txn.count(keys, rev) : rows.size();

        List<KeyValue> kvs = new ArrayList<>(rows.size());
        for (Row row : rows) {
            if (r.getMaxModRevision() != 0 && row.modRevision() > r.getMaxModRevision()) {
                continue;
            }
            if (r.getMinModRevision() != 0 && row.modRevision() < r.getMinModRevision()) {
                continue;
            }
            if (r.getMaxCreateRevision() != 0 && row.createRevision() > r.getMaxCreateRevision()) {
                continue;
            }
            if (r.getMinCreateRevision() != 0 && row.createRevision() < r.getMinCreateRevision()) {
                continue;
            }
            kvs.add(row.toKeyValue());
        }
        if (!keyOrder) {
            Comparator<KeyValue> cmp = switch (r.getSortTarget()) {
                case KEY -> (a, b) -> ByteString.unsignedLexicographicalComparator().compare(a.getKey(), b.getKey());
                case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
                case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
                case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
                case VALUE -> (a, b) -> ByteString.unsignedLexicographicalComparator().compare(a.getValue(), b.getValue());
                case UNRECOGNIZED -> throw EtcdError.INVALID_SORT_OPTION.exception();
            };
            kvs.sort(order == RangeRequest.SortOrder.DESCEND ? cmp.reversed() : cmp);
        }
        if (r.getLimit() > 0 && kvs.size() > r.getLimit()) {
            kvs = kvs.subList(0, (int) r.getLimit());
            resp.setMore(true);
        }
        for (KeyValue kv : kvs) {
            resp.addKvs(r.getKeysOnly() ? kv.toBuilder().clearValue().build() : kv);
        }
        return resp.setCount(count).build();
    }

    /** etcd checks a put's lease and ignore_* flags before writing anything. */
    private static Row checkPutAgainstStore(ReadTxn txn, PutRequest p, long currentRevision) {
        if (p.getLease() != 0 && txn.lease(p.getLease()) == null) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
        }
        Row previous = null;
        if (p.getIgnoreValue() || p.getIgnoreLease() || p.getPrevKv()) {
            List<Row> rows = txn.range(KeyRange.single(p.getKey().toByteArray()), currentRevision, 1, false);
            previous = rows.isEmpty() ? null : rows.getFirst();
            if ((p.getIgnoreValue() || p.getIgnoreLease()) && previous == null) {
                throw EtcdError.KEY_NOT_FOUND.exception();
            }
        }
        return previous;
    }

    static PutResponse put(WriteContext ctx, PutRequest p) {
        Row previous = checkPutAgainstStore(ctx.txn(), p, ctx.currentRevision());
        return doPut(ctx, p, previous);
    }

    private static PutResponse doPut(WriteContext ctx, PutRequest p, Row checkedPrevious) {
        ByteString value = p.getIgnoreValue() ? checkedPrevious.value() : p.getValue();
        long lease = p.getIgnoreLease() ? checkedPrevious.lease() : p.getLease();
        Row previous = ctx.put(p.getKey(), value, lease);
        PutResponse.Builder resp = PutResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(ctx.writeRevision()));
        if (p.getPrevKv() && previous != null) {
            resp.setPrevKv(previous.toKeyValue());
        }
        return resp.build();
    }

    static DeleteRangeResponse deleteRange(WriteContext ctx, DeleteRangeRequest d) {
        KeyRange keys = KeyRange.of(d.getKey().toByteArray(), d.getRangeEnd().toByteArray());
        // Every previous value of a large range would be loaded only for watchers that want them;
        // those read them back from history instead (see RevisionEvents).
        boolean keysOnly = !d.getPrevKv() && !keys.isSingleKey()
                && ctx.txn().count(keys, ctx.currentRevision()) >= LARGE_DELETE_KEYS;
        List<Row> rows = ctx.txn().range(keys, ctx.currentRevision(), 0, keysOnly);
        DeleteRangeResponse.Builder resp = DeleteRangeResponse.newBuilder();
        ctx.deleteRange(keys, rows, !keysOnly);
        if (d.getPrevKv()) {
            for (Row row : rows) {
                resp.addPrevKvs(row.toKeyValue());
            }
        }
        return resp.setDeleted(rows.size())
                .setHeader(ResponseHeader.newBuilder().setRevision(ctx.currentRevision()))
                .build();
    }

    /**
     * Runs a txn: compares pick the branch on every level first, then the chosen ops are checked
     * (revisions, leases, ignore_* flags) and only then executed, so a failing txn writes nothing.
     * {@code ctx} is null for a read-only txn served from {@code reader}.
     */
    static TxnResponse txn(ReadTxn reader, WriteContext ctx, TxnRequest r, long currentRevision) {
        List<Boolean> path = new ArrayList<>();
        choosePath(reader, r, currentRevision, path);
        checkChosen(reader, r, path, new int[] {0}, currentRevision);
        TxnResponse.Builder resp = execute(reader, ctx, r, path, new int[] {0}, currentRevision);
        long rev = ctx == null ? currentRevision : ctx.currentRevision();
        return resp.setHeader(ResponseHeader.newBuilder().setRevision(rev)).build();
    }

    private static void choosePath(ReadTxn txn, TxnRequest r, long rev, List<Boolean> path) {
        boolean succeeded = true;
        for (Compare c : r.getCompareList()) {
            if (!compare(txn, c, rev)) {
                succeeded = false;
                break;
            }
        }
        path.add(succeeded);
        for (RequestOp op : succeeded ? r.getSuccessList() : r.getFailureList()) {
            if (op.hasRequestTxn()) {
                choosePath(txn, op.getRequestTxn(), rev, path);
            }
        }
    }

    private static void checkChosen(ReadTxn txn, TxnRequest r, List<Boolean> path, int[] at, long rev) {
        boolean succeeded = path.get(at[0]++);
        for (RequestOp op : succeeded ? r.getSuccessList() : r.getFailureList()) {
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> {
                    long want = op.getRequestRange().getRevision();
                    if (want > rev) {
                        throw EtcdError.FUTURE_REV.exception();
                    }
                    if (want != 0 && want < txn.compactRevision()) {
                        throw EtcdError.COMPACTED.exception();
                    }
                }
                case REQUEST_PUT -> checkPutAgainstStore(txn, op.getRequestPut(), rev);
                case REQUEST_TXN -> checkChosen(txn, op.getRequestTxn(), path, at, rev);
                default -> { }
            }
        }
    }

    private static TxnResponse.Builder execute(
            ReadTxn reader, WriteContext ctx, TxnRequest r, List<Boolean> path, int[] at, long baseRevision) {
        boolean succeeded = path.get(at[0]++);
        TxnResponse.Builder resp = TxnResponse.newBuilder().setSucceeded(succeeded);
        for (RequestOp op : succeeded ? r.getSuccessList() : r.getFailureList()) {
            ResponseOp.Builder out = ResponseOp.newBuilder();
            long current = ctx == null ? baseRevision : ctx.currentRevision();
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> out.setResponseRange(range(reader, op.getRequestRange(), current));
                case REQUEST_PUT -> {
                    PutRequest p = op.getRequestPut();
                    out.setResponsePut(doPut(ctx, p, checkPutAgainstStore(reader, p, current)));
                }
                case REQUEST_DELETE_RANGE -> out.setResponseDeleteRange(deleteRange(ctx, op.getRequestDeleteRange()));
                case REQUEST_TXN -> out.setResponseTxn(
                        execute(reader, ctx, op.getRequestTxn(), path, at, baseRevision)
                                .setHeader(ResponseHeader.getDefaultInstance()));
                case REQUEST_NOT_SET -> { }
            }
            resp.addResponses(out);
        }
        return resp;
    }

    /** One compare over every key in its range; a missing key compares as zero, and a VALUE compare on it fails. */
    private static boolean compare(ReadTxn txn, Compare c, long rev) {
        KeyRange keys = KeyRange.of(c.getKey().toByteArray(), c.getRangeEnd().toByteArray());
        List<Row> rows = txn.range(keys, rev, 0, false);
        if (rows.isEmpty()) {
            if (c.getTarget() == Compare.CompareTarget.VALUE) {
                return false;
            }
            return compareRow(c, null);
        }
        for (Row row : rows) {
            if (!compareRow(c, row)) {
                return false;
            }
        }
        return true;
    }

    private static boolean compareRow(Compare c, Row row) {
        int result = switch (c.getTarget()) {
            case VALUE -> ByteString.unsignedLexicographicalComparator().compare(
                    row == null ? ByteString.EMPTY : row.value(), c.getValue());
            case CREATE -> Long.compare(row == null ? 0 : row.createRevision(), c.getCreateRevision());
            case MOD -> Long.compare(row == null ? 0 : row.modRevision(), c.getModRevision());
            case VERSION -> Long.compare(row == null ? 0 : row.version(), c.getVersion());
            case LEASE -> Long.compare(row == null ? 0 : row.lease(), c.getLease());
            case UNRECOGNIZED -> 0;
        };
        return switch (c.getResult()) {
            case EQUAL -> result == 0;
            case NOT_EQUAL -> result != 0;
            case GREATER -> result > 0;
            case LESS -> result < 0;
            case UNRECOGNIZED -> false;
        };
    }
}
