package dev.kj.rhino.v3rpc;

import com.google.protobuf.ByteString;
import dev.kj.rhino.RhinoVersion;
import dev.kj.rhino.auth.AuthStore;
import dev.kj.rhino.auth.Caller;
import dev.kj.rhino.api.etcdserverpb.AlarmMember;
import dev.kj.rhino.api.etcdserverpb.AlarmRequest;
import dev.kj.rhino.api.etcdserverpb.AlarmResponse;
import dev.kj.rhino.api.etcdserverpb.DefragmentRequest;
import dev.kj.rhino.api.etcdserverpb.DefragmentResponse;
import dev.kj.rhino.api.etcdserverpb.DowngradeRequest;
import dev.kj.rhino.api.etcdserverpb.DowngradeResponse;
import dev.kj.rhino.api.etcdserverpb.HashKVRequest;
import dev.kj.rhino.api.etcdserverpb.HashKVResponse;
import dev.kj.rhino.api.etcdserverpb.HashRequest;
import dev.kj.rhino.api.etcdserverpb.HashResponse;
import dev.kj.rhino.api.etcdserverpb.MaintenanceGrpc;
import dev.kj.rhino.api.etcdserverpb.MoveLeaderRequest;
import dev.kj.rhino.api.etcdserverpb.MoveLeaderResponse;
import dev.kj.rhino.api.etcdserverpb.SnapshotRequest;
import dev.kj.rhino.api.etcdserverpb.SnapshotResponse;
import dev.kj.rhino.api.etcdserverpb.StatusRequest;
import dev.kj.rhino.api.etcdserverpb.StatusResponse;
import dev.kj.rhino.mvcc.EtcdError;
import dev.kj.rhino.mvcc.MvccStore;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** etcdserverpb.Maintenance, answered as the single member (and therefore leader) of its cluster. */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
    private static final System.Logger LOG = System.getLogger(MaintenanceService.class.getName());
    /** etcd's chunk size: several OS pages per message. */
    static final int SNAPSHOT_CHUNK_BYTES = 32 * 1024;
    private static final int SHA256_BYTES = 32;

    private final MvccStore store;
    private final Alarms alarms;
    private final AuthStore auth;
    private final Path scratchDir;

    /** @param scratchDir where snapshots are staged (next to the database, so space is alike) */
    MaintenanceService(MvccStore store, Alarms alarms, Path scratchDir, AuthStore auth) {
        this.store = store;
        this.alarms = alarms;
        this.scratchDir = scratchDir;
        this.auth = auth;
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
        Calls.unary(observer, () -> {
            var header = store.header();
            StatusResponse.Builder response = StatusResponse.newBuilder()
                    .setHeader(header)
                    .setVersion(RhinoVersion.ETCD_API_VERSION)
                    .setDbSize(store.dbSize())
                    .setDbSizeInUse(store.dbSizeInUse())
                    .setLeader(store.memberId())
                    .setRaftIndex(header.getRevision())
                    .setRaftAppliedIndex(header.getRevision())
                    .setRaftTerm(store.raftTerm());
            for (AlarmMember alarm : alarms.get(dev.kj.rhino.api.etcdserverpb.AlarmType.NONE)) {
                // etcd prints the alarm in protobuf text form
                response.addErrors("memberID:" + Long.toUnsignedString(alarm.getMemberID())
                        + " alarm:" + alarm.getAlarm().name() + " ");
            }
            return response.build();
        });
    }

    @Override
    public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> observer) {
        Calls.unary(observer, () -> {
            // etcd 3.4 answers alarms without a header; clients read only the alarm list
            AlarmResponse.Builder response = AlarmResponse.newBuilder();
            switch (request.getAction()) {
                case GET -> response.addAllAlarms(alarms.get(request.getAlarm()));
                case ACTIVATE -> {
                    if (request.getAlarm() != dev.kj.rhino.api.etcdserverpb.AlarmType.NONE) {
                        response.addAlarms(alarms.activate(request.getMemberID(), request.getAlarm()));
                    }
                }
                case DEACTIVATE -> {
                    AlarmMember removed = alarms.deactivate(request.getMemberID(), request.getAlarm());
                    if (removed != null) {
                        response.addAlarms(removed);
                    }
                }
                case UNRECOGNIZED -> { }
            }
            return response.build();
        });
    }

    @Override
    public void defragment(DefragmentRequest request, StreamObserver<DefragmentResponse> observer) {
        Calls.unary(observer, () -> {
            auth.checkMaintenanceAdmin(Caller.current());
            LOG.log(System.Logger.Level.INFO, "starting defragment");
            store.defragment();
            LOG.log(System.Logger.Level.INFO, "finished defragment");
            return DefragmentResponse.newBuilder().setHeader(store.header()).build();
        });
    }

    @Override
    public void hash(HashRequest request, StreamObserver<HashResponse> observer) {
        Calls.unary(observer, () -> {
            auth.checkMaintenanceAdmin(Caller.current());
            var header = store.header();
            return HashResponse.newBuilder().setHeader(header).setHash((int) store.hash()).build();
        });
    }

    @Override
    public void hashKV(HashKVRequest request, StreamObserver<HashKVResponse> observer) {
        Calls.unary(observer, () -> {
            auth.checkMaintenanceAdmin(Caller.current());
            MvccStore.HashKV hash = store.hashKV(request.getRevision());
            return HashKVResponse.newBuilder()
                    .setHeader(store.header())
                    .setHash((int) hash.hash())
                    .setCompactRevision(hash.compactRevision())
                    .setHashRevision(hash.hashRevision())
                    .build();
        });
    }

    /**
     * The database in {@value #SNAPSHOT_CHUNK_BYTES}-byte chunks counting down remaining_bytes to 0,
     * then, as etcd does, one more message holding the SHA-256 of the data (etcdctl appends it to
     * the saved file; restore verifies and strips it). The snapshot is staged in a file first so the
     * total is known up front and the store is not held open while a slow client reads.
     */
    @Override
    public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> observer) {
        try {
            auth.checkMaintenanceAdmin(Caller.current());
        } catch (RuntimeException denied) {
            observer.onError(Calls.toStatus(denied));
            return;
        }
        FlowControlledSender<SnapshotResponse> sender = new FlowControlledSender<>(observer, null);
        // Stream from another thread so this call's executor stays free for onReady callbacks.
        Thread.ofVirtual().name("rhino-snapshot").start(Context.current().wrap(() -> {
            try {
                sendSnapshot(sender);
                sender.complete();
            } catch (InterruptedException e) {
                sender.fail(Status.CANCELLED.withDescription("interrupted"));
            } catch (Throwable failure) {
                sender.fail(Calls.toStatus(failure).getStatus());
            }
        }));
    }

    private void sendSnapshot(FlowControlledSender<SnapshotResponse> sender) throws Exception {
        Path staged = Files.createTempFile(scratchDir, "snapshot-", ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(staged)) {
                store.snapshot(out);
            }
            long total = Files.size(staged);
            byte[] trailer = trailingHash(staged, total);
            long dataBytes = trailer == null ? total : total - SHA256_BYTES;
            LOG.log(System.Logger.Level.INFO, "sending database snapshot to client ({0} bytes)", dataBytes);
            MessageDigest sha256 = sha256();
            long sent = 0;
            var header = store.header();
            try (InputStream in = Files.newInputStream(staged)) {
                byte[] buffer = new byte[SNAPSHOT_CHUNK_BYTES];
                while (sent < dataBytes) {
                    int n = in.readNBytes(buffer, 0, (int) Math.min(buffer.length, dataBytes - sent));
                    if (n == 0) {
                        throw new IOException("snapshot file shrank while sending");
                    }
                    sent += n;
                    sha256.update(buffer, 0, n);
                    SnapshotResponse chunk = SnapshotResponse.newBuilder()
                            .setHeader(header)
                            .setRemainingBytes(dataBytes - sent)
                            .setBlob(ByteString.copyFrom(buffer, 0, n))
                            .build();
                    if (!sender.send(chunk)) {
                        return;
                    }
                }
            }
            sender.send(SnapshotResponse.newBuilder()
                    .setHeader(header)
                    .setRemainingBytes(0)
                    .setBlob(ByteString.copyFrom(trailer != null ? trailer : sha256.digest()))
                    .build());
        } finally {
            try {
                Files.deleteIfExists(staged);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "could not delete staged snapshot " + staged, e);
            }
        }
    }

    /**
     * The SHA-256 trailer the store may already have appended to its snapshot (the format restore
     * expects), or {@code null} when the file is bare data and the trailer must be computed here.
     */
    private static byte[] trailingHash(Path file, long total) throws IOException {
        if (total < SHA256_BYTES) {
            return null;
        }
        MessageDigest sha256 = sha256();
        byte[] trailer;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[64 * 1024];
            long left = total - SHA256_BYTES;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new IOException("snapshot file shrank while hashing");
                }
                sha256.update(buffer, 0, n);
                left -= n;
            }
            trailer = in.readNBytes(SHA256_BYTES);
        }
        return MessageDigest.isEqual(trailer, sha256.digest()) ? trailer : null;
    }

    /** A single member is always the leader: moving leadership to itself succeeds, to anyone else fails. */
    @Override
    public void moveLeader(MoveLeaderRequest request, StreamObserver<MoveLeaderResponse> observer) {
        Calls.unary(observer, () -> {
            auth.checkMaintenanceAdmin(Caller.current());
            if (request.getTargetID() != store.memberId()) {
                throw EtcdError.BAD_LEADER_TRANSFEREE.exception();
            }
            return MoveLeaderResponse.newBuilder().setHeader(store.header()).build();
        });
    }

    @Override
    public void downgrade(DowngradeRequest request, StreamObserver<DowngradeResponse> observer) {
        observer.onError(Status.UNIMPLEMENTED
                .withDescription("rhino: cluster downgrade is not supported").asRuntimeException());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
