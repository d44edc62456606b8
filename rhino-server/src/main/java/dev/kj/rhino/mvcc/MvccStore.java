package dev.kj.rhino.mvcc;

import dev.kj.rhino.api.etcdserverpb.CompactionRequest;
import dev.kj.rhino.api.etcdserverpb.CompactionResponse;
import dev.kj.rhino.api.etcdserverpb.DeleteRangeRequest;
import dev.kj.rhino.api.etcdserverpb.DeleteRangeResponse;
import dev.kj.rhino.api.etcdserverpb.PutRequest;
import dev.kj.rhino.api.etcdserverpb.PutResponse;
import dev.kj.rhino.api.etcdserverpb.RangeRequest;
import dev.kj.rhino.api.etcdserverpb.RangeResponse;
import dev.kj.rhino.api.etcdserverpb.ResponseHeader;
import dev.kj.rhino.api.etcdserverpb.TxnRequest;
import dev.kj.rhino.api.etcdserverpb.TxnResponse;
import dev.kj.rhino.backend.Backend;
import dev.kj.rhino.backend.ReadTxn;
import dev.kj.rhino.backend.WriteTxn;
import dev.kj.rhino.lease.Lessor;
import dev.kj.rhino.watch.WatchHub;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32C;

/**
 * etcd's MVCC key-value store over a {@link Backend}: one revision counter advanced inside each
 * write transaction (so revision order is commit order, with no gaps), group commit through a
 * single {@link Writer}, leases, a watch hub fed after each durable commit, and compaction.
 */
public final class MvccStore implements AutoCloseable {
    /** etcd's default --max-request-bytes. */
    public static final int MAX_REQUEST_BYTES = 1536 * 1024;

    private final Backend backend;
    private final long clusterId;
    private final long memberId;
    private final long raftTerm;
    private final Writer writer;
    private final WatchHub watchHub;
    private final CommitFeed feed;
    private final Lessor lessor;
    private final Compactor compactor;
    private volatile long compactRevision;

    /** Tuning that is not etcd semantics. */
    public record Options(Duration progressNotifyInterval, Duration compactionInterval) {
        public static Options defaults() {
            return new Options(Duration.ofMinutes(10), Duration.ofSeconds(5));
        }
    }

    private MvccStore(Backend backend, Options options) {
        this.backend = backend;
        long[] identity = initIdentity(backend);
        this.clusterId = identity[0];
        this.memberId = identity[1];
        this.raftTerm = identity[2];
        long revision;
        long doneCompacting;
        try (ReadTxn txn = backend.beginRead()) {
            revision = txn.revision();
            compactRevision = txn.compactRevision();
            Long done = txn.meta("compact_done");
            doneCompacting = done == null ? 0 : done;
        }
        this.watchHub = new WatchHub(this, options.progressNotifyInterval());
        this.feed = new CommitFeed(backend, watchHub, revision, this::observeCompactRevision);
        this.writer = new Writer(backend, revision, feed);
        this.compactor = new Compactor(writer, doneCompacting, options.compactionInterval());
        try (ReadTxn txn = backend.beginRead()) {
            this.lessor = new Lessor(this, txn.leases());
        }
    }

    public static MvccStore open(Backend backend, Options options) {
        MvccStore store = new MvccStore(backend, options);
        backend.listen(revision -> {
            store.writer.observe(revision);
            store.feed.committedElsewhere(revision);
        });
        store.writer.start();
        store.compactor.start(store.compactRevision);
        store.lessor.start();
        store.watchHub.start();
        return store;
    }

    /** Stable member/cluster ids, created on first start; the term grows by one per start, like a new election. */
    private static long[] initIdentity(Backend backend) {
        for (int attempt = 1; ; attempt++) {
            try {
                return tryInitIdentity(backend);
            } catch (dev.kj.rhino.backend.WriteConflictException e) {
                // another process on a shared backend committed meanwhile; read its state again
                if (attempt == 100) {
                    throw e;
                }
            }
        }
    }

    private static long[] tryInitIdentity(Backend backend) {
        try (WriteTxn txn = backend.beginWrite()) {
            SecureRandom random = new SecureRandom();
            Long cluster = txn.meta("cluster_id");
            if (cluster == null) {
                cluster = random.nextLong() & Long.MAX_VALUE | 1;
                txn.setMeta("cluster_id", cluster);
            }
            Long member = txn.meta("member_id");
            if (member == null) {
                member = random.nextLong() & Long.MAX_VALUE | 1;
                txn.setMeta("member_id", member);
            }
            Long term = txn.meta("raft_term");
            long newTerm = (term == null ? 1 : term) + 1;
            txn.setMeta("raft_term", newTerm);
            txn.commit();
            return new long[] {cluster, member, newTerm};
        }
    }

    public long clusterId() {
        return clusterId;
    }

    public long memberId() {
        return memberId;
    }

    public long raftTerm() {
        return raftTerm;
    }

    public ResponseHeader header() {
        return header(currentRevision());
    }

    public ResponseHeader header(long revision) {
        return ResponseHeader.newBuilder()
                .setClusterId(clusterId)
                .setMemberId(memberId)
                .setRevision(revision)
                .setRaftTerm(raftTerm)
                .build();
    }

    /** The newest durable revision. */
    public long currentRevision() {
        return writer.currentRevision();
    }

    public long compactRevision() {
        return compactRevision;
    }

    /** A compaction another process made (shared backends). */
    private void observeCompactRevision(long revision) {
        synchronized (feed) {
            if (revision > compactRevision) {
                compactRevision = revision;
            }
        }
    }

    public Backend backend() {
        return backend;
    }

    /** A consistent read view (close it). */
    public ReadTxn beginRead() {
        return backend.beginRead();
    }

    /** Runs a write through group commit; exposed for leases, locks and elections. */
    public <R> CompletableFuture<R> write(WriteOp<R> op) {
        return writer.submit(op);
    }

    public RangeResponse range(RangeRequest request) {
        KvOps.checkRange(request);
        try (ReadTxn txn = backend.beginRead()) {
            RangeResponse resp = KvOps.range(txn, request, txn.revision());
            return resp.toBuilder().setHeader(header(resp.getHeader().getRevision())).build();
        }
    }

    public CompletableFuture<PutResponse> put(PutRequest request) {
        try {
            checkSize(request.getSerializedSize());
            KvOps.checkPut(request);
            checkKeyLength(request.getKey());
        } catch (EtcdException e) {
            return CompletableFuture.failedFuture(e);
        }
        return writer.submit(ctx -> KvOps.put(ctx, request))
                .thenApply(r -> r.toBuilder().setHeader(header(r.getHeader().getRevision())).build());
    }

    public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
        try {
            KvOps.checkDelete(request);
        } catch (EtcdException e) {
            return CompletableFuture.failedFuture(e);
        }
        return writer.submit(ctx -> KvOps.deleteRange(ctx, request))
                .thenApply(r -> r.toBuilder().setHeader(header(r.getHeader().getRevision())).build());
    }

    public CompletableFuture<TxnResponse> txn(TxnRequest request) {
        try {
            checkSize(request.getSerializedSize());
            KvOps.checkTxn(request);
            checkKeyLengths(request);
            if (KvOps.isReadOnly(request)) {
                try (ReadTxn txn = backend.beginRead()) {
                    TxnResponse resp = KvOps.txn(txn, null, request, txn.revision());
                    return CompletableFuture.completedFuture(
                            resp.toBuilder().setHeader(header(resp.getHeader().getRevision())).build());
                }
            }
        } catch (EtcdException e) {
            return CompletableFuture.failedFuture(e);
        }
        return writer.submit(ctx -> KvOps.txn(ctx.txn(), ctx, request, ctx.currentRevision()))
                .thenApply(r -> r.toBuilder().setHeader(header(r.getHeader().getRevision())).build());
    }

    /**
     * Compaction: logically at once (reads below the revision fail from now on), physically in the
     * background; with {@code physical} the answer waits until the rows are gone, as etcd's does.
     */
    public CompletableFuture<CompactionResponse> compact(CompactionRequest request) {
        long target = request.getRevision();
        CompletableFuture<Long> logical = writer.submit(ctx -> {
            WriteTxn txn = ctx.txn();
            if (target <= txn.compactRevision()) {
                throw EtcdError.COMPACTED.exception();
            }
            if (target > ctx.currentRevision()) {
                throw EtcdError.FUTURE_REV.exception();
            }
            txn.setCompactRevision(target);
            ctx.afterCommit(() -> {
                compactRevision = target;
                compactor.compactTo(target);
            });
            return ctx.currentRevision();
        });
        CompletableFuture<Long> done = request.getPhysical()
                ? logical.thenCompose(rev -> compactor.whenCompacted(target).thenApply(v -> rev))
                : logical;
        return done.thenApply(rev -> CompactionResponse.newBuilder().setHeader(header(rev)).build());
    }

    public Lessor lessor() {
        return lessor;
    }

    public WatchHub watchHub() {
        return watchHub;
    }

    public long dbSize() {
        return backend.sizeBytes();
    }

    public long dbSizeInUse() {
        return backend.sizeInUseBytes();
    }

    public void defragment() {
        writer.submitExclusive(Backend::defragment).join();
    }

    /** A hash of every stored row (Maintenance.Hash). */
    public long hash() {
        return hashKV(0).hash();
    }

    /** A CRC-32C over every row up to {@code revision} (0 = current), for comparing replicas and copies. */
    public HashKV hashKV(long revision) {
        try (ReadTxn txn = backend.beginRead()) {
            long rev = revision <= 0 ? txn.revision() : revision;
            if (rev > txn.revision()) {
                throw EtcdError.FUTURE_REV.exception();
            }
            if (rev < txn.compactRevision()) {
                throw EtcdError.COMPACTED.exception();
            }
            CRC32C crc = new CRC32C();
            byte[] buf = new byte[40];
            java.nio.ByteBuffer nums = java.nio.ByteBuffer.wrap(buf);
            txn.scanRows(rev, row -> {
                crc.update(row.key().asReadOnlyByteBuffer());
                nums.clear();
                nums.putLong(row.modRevision()).putLong(row.createRevision()).putLong(row.version())
                        .putLong(row.lease()).putLong(row.value().size());
                crc.update(buf);
                crc.update(row.value().asReadOnlyByteBuffer());
            });
            // etcd reports -1 until the first compaction
            long compacted = txn.compactRevision() == 0 ? -1 : txn.compactRevision();
            return new HashKV(crc.getValue(), compacted, rev);
        }
    }

    public void snapshot(OutputStream out) {
        backend.snapshot(out);
    }

    private void checkKeyLength(com.google.protobuf.ByteString key) {
        if (key.size() > backend.maxKeyBytes()) {
            throw EtcdError.KEY_TOO_LONG.exception();
        }
    }

    private void checkKeyLengths(TxnRequest request) {
        for (var ops : List.of(request.getSuccessList(), request.getFailureList())) {
            for (var op : ops) {
                if (op.hasRequestPut()) {
                    checkKeyLength(op.getRequestPut().getKey());
                } else if (op.hasRequestTxn()) {
                    checkKeyLengths(op.getRequestTxn());
                }
            }
        }
    }

    private static void checkSize(int bytes) {
        if (bytes > MAX_REQUEST_BYTES) {
            throw EtcdError.REQUEST_TOO_LARGE.exception();
        }
    }

    /** Stops accepting work, lets queued writes commit, then closes the backend. */
    @Override
    public void close() {
        lessor.close();
        watchHub.close();
        compactor.close();
        writer.close();
        backend.close();
    }

    /** Result of HashKV: a hash over all MVCC rows up to {@code hashRevision}. */
    public record HashKV(long hash, long compactRevision, long hashRevision) {}
}
