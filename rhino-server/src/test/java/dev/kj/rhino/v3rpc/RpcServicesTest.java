package dev.kj.rhino.v3rpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.RhinoServer;
import dev.kj.rhino.RhinoVersion;
import dev.kj.rhino.api.etcdserverpb.AlarmRequest;
import dev.kj.rhino.api.etcdserverpb.AlarmResponse;
import dev.kj.rhino.api.etcdserverpb.AlarmType;
import dev.kj.rhino.api.etcdserverpb.ClusterGrpc;
import dev.kj.rhino.api.etcdserverpb.KVGrpc;
import dev.kj.rhino.api.etcdserverpb.LeaseGrpc;
import dev.kj.rhino.api.etcdserverpb.LeaseKeepAliveRequest;
import dev.kj.rhino.api.etcdserverpb.LeaseKeepAliveResponse;
import dev.kj.rhino.api.etcdserverpb.MaintenanceGrpc;
import dev.kj.rhino.api.etcdserverpb.MemberListRequest;
import dev.kj.rhino.api.etcdserverpb.MemberListResponse;
import dev.kj.rhino.api.etcdserverpb.MemberRemoveRequest;
import dev.kj.rhino.api.etcdserverpb.MoveLeaderRequest;
import dev.kj.rhino.api.etcdserverpb.PutRequest;
import dev.kj.rhino.api.etcdserverpb.RangeRequest;
import dev.kj.rhino.api.etcdserverpb.SnapshotRequest;
import dev.kj.rhino.api.etcdserverpb.SnapshotResponse;
import dev.kj.rhino.api.etcdserverpb.StatusRequest;
import dev.kj.rhino.api.etcdserverpb.StatusResponse;
import dev.kj.rhino.api.etcdserverpb.WatchCreateRequest;
import dev.kj.rhino.api.etcdserverpb.WatchGrpc;
import dev.kj.rhino.api.etcdserverpb.WatchRequest;
import dev.kj.rhino.api.etcdserverpb.WatchResponse;
import dev.kj.rhino.mvcc.EtcdError;
import dev.kj.rhino.mvcc.MvccStore;
import dev.kj.rhino.testing.TempDirs;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gRPC layer over a real store, through a real grpc-java client on loopback. */
class RpcServicesTest {
    private Path dir;
    private RhinoServer server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("rhino-rpc-test-");
        server = RhinoServer.start(RhinoConfig.defaults(dir.resolve("data"))
                .withListenClientUrls(List.of(URI.create("http://127.0.0.1:0"))));
        channel = channelTo(server.clientAddresses().get(0));
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.close();
        TempDirs.deleteRecursively(dir);
    }

    private void restart() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.close();
        server = RhinoServer.start(RhinoConfig.defaults(dir.resolve("data"))
                .withListenClientUrls(List.of(URI.create("http://127.0.0.1:0"))));
        channel = channelTo(server.clientAddresses().get(0));
    }

    static ManagedChannel channelTo(InetSocketAddress address) {
        return NettyChannelBuilder.forAddress(address).usePlaintext().maxInboundMessageSize(64 << 20).build();
    }

    @Test
    void dataDirIsCreatedPrivateAndHoldsTheDatabase() throws Exception {
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("data"))));
        assertTrue(Files.exists(dir.resolve("data").resolve("rhino.db")));
    }

    @Test
    void httpsListenUrlWithoutCertificateIsRefusedLikeEtcd() {
        var config = RhinoConfig.defaults(dir.resolve("tls"))
                .withListenClientUrls(List.of(URI.create("https://127.0.0.1:0")));
        var e = assertThrows(IllegalArgumentException.class, () -> RhinoServer.start(config));
        assertEquals("TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:0"
                + " with HTTPS scheme", e.getMessage());
    }

    @Test
    void putAboveTheRequestLimitIsTooLargeLikeEtcd() {
        var kv = KVGrpc.newBlockingStub(channel);
        byte[] value = new byte[MvccStore.MAX_REQUEST_BYTES]; // + key + framing > limit
        var e = assertThrows(StatusRuntimeException.class, () -> kv.put(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("big")).setValue(ByteString.copyFrom(value)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals(EtcdError.REQUEST_TOO_LARGE.message(), e.getStatus().getDescription());

        // Just under the limit is accepted.
        byte[] fits = new byte[MvccStore.MAX_REQUEST_BYTES - 1024];
        kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("big")).setValue(ByteString.copyFrom(fits)).build());
        assertEquals(fits.length, kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("big")).build())
                .getKvs(0).getValue().size());

        // Beyond the gRPC message limit (request limit + 512 KiB) gRPC itself refuses, as with etcd.
        byte[] huge = new byte[MvccStore.MAX_REQUEST_BYTES + 600 * 1024];
        var tooBig = assertThrows(StatusRuntimeException.class, () -> kv.put(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("huge")).setValue(ByteString.copyFrom(huge)).build()));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, tooBig.getStatus().getCode());
    }

    @Test
    void healthServiceReportsServing() {
        HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus());
    }

    @Test
    void statusDescribesASingleLeaderMember() {
        var kv = KVGrpc.newBlockingStub(channel);
        kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("a")).setValue(ByteString.copyFromUtf8("1")).build());
        StatusResponse status = MaintenanceGrpc.newBlockingStub(channel).status(StatusRequest.getDefaultInstance());
        assertEquals(RhinoVersion.ETCD_API_VERSION, status.getVersion());
        assertEquals(server.store().memberId(), status.getLeader());
        assertEquals(status.getHeader().getMemberId(), status.getLeader());
        assertEquals(server.store().clusterId(), status.getHeader().getClusterId());
        assertEquals(server.store().currentRevision(), status.getRaftIndex());
        assertEquals(status.getHeader().getRevision(), status.getRaftIndex());
        assertTrue(status.getRaftTerm() >= 1);
        assertTrue(status.getDbSize() > 0);
    }

    @Test
    void memberListReportsTheBoundClientUrl() {
        MemberListResponse members = ClusterGrpc.newBlockingStub(channel).memberList(MemberListRequest.getDefaultInstance());
        assertEquals(1, members.getMembersCount());
        var self = members.getMembers(0);
        assertEquals(server.store().memberId(), self.getID());
        assertEquals("default", self.getName());
        assertEquals(List.of("http://127.0.0.1:" + server.clientAddresses().get(0).getPort()), self.getClientURLsList());
        assertEquals(List.of(RhinoConfig.DEFAULT_PEER_URL.toString()), self.getPeerURLsList());
        assertEquals(0, members.getHeader().getRevision(), "etcd's cluster headers carry no revision");

        var removeSelf = assertThrows(StatusRuntimeException.class, () -> ClusterGrpc.newBlockingStub(channel)
                .memberRemove(MemberRemoveRequest.newBuilder().setID(self.getID()).build()));
        assertEquals("etcdserver: re-configuration failed due to not enough started members",
                removeSelf.getStatus().getDescription());
        var removeOther = assertThrows(StatusRuntimeException.class, () -> ClusterGrpc.newBlockingStub(channel)
                .memberRemove(MemberRemoveRequest.newBuilder().setID(self.getID() + 1).build()));
        assertEquals(EtcdError.MEMBER_NOT_FOUND.message(), removeOther.getStatus().getDescription());
    }

    @Test
    void moveLeaderSucceedsOnlyToSelf() {
        var maintenance = MaintenanceGrpc.newBlockingStub(channel);
        maintenance.moveLeader(MoveLeaderRequest.newBuilder().setTargetID(server.store().memberId()).build());
        var e = assertThrows(StatusRuntimeException.class, () -> maintenance.moveLeader(
                MoveLeaderRequest.newBuilder().setTargetID(server.store().memberId() + 1).build()));
        assertEquals(EtcdError.BAD_LEADER_TRANSFEREE.message(), e.getStatus().getDescription());
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
    }

    @Test
    void noSpaceAlarmBlocksPutsUntilDisarmedAndSurvivesRestart() throws Exception {
        var maintenance = MaintenanceGrpc.newBlockingStub(channel);
        var kv = KVGrpc.newBlockingStub(channel);
        long member = server.store().memberId();
        assertEquals(0, maintenance.alarm(AlarmRequest.getDefaultInstance()).getAlarmsCount());

        AlarmResponse activated = maintenance.alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE)
                .setMemberID(member).setAlarm(AlarmType.NOSPACE).build());
        assertEquals(1, activated.getAlarmsCount());
        var e = assertThrows(StatusRuntimeException.class, () -> kv.put(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("k")).build()));
        assertEquals(EtcdError.NO_SPACE.message(), e.getStatus().getDescription());
        assertEquals(List.of("memberID:" + Long.toUnsignedString(member) + " alarm:NOSPACE "),
                maintenance.status(StatusRequest.getDefaultInstance()).getErrorsList());

        AlarmResponse listed = maintenance.alarm(AlarmRequest.getDefaultInstance());
        assertEquals(AlarmType.NOSPACE, listed.getAlarms(0).getAlarm());

        // Alarms are persisted, as etcd's: a restart keeps refusing puts.
        restart();
        maintenance = MaintenanceGrpc.newBlockingStub(channel);
        var kvAfter = KVGrpc.newBlockingStub(channel);
        assertEquals(AlarmType.NOSPACE, maintenance.alarm(AlarmRequest.getDefaultInstance()).getAlarms(0).getAlarm());
        e = assertThrows(StatusRuntimeException.class, () -> kvAfter.put(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("k")).build()));
        assertEquals(EtcdError.NO_SPACE.message(), e.getStatus().getDescription());
        AlarmResponse disarmed = maintenance.alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.DEACTIVATE)
                .setMemberID(member).setAlarm(AlarmType.NOSPACE).build());
        assertEquals(1, disarmed.getAlarmsCount());
        assertEquals(0, maintenance.alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.DEACTIVATE)
                .setMemberID(member).setAlarm(AlarmType.NOSPACE).build()).getAlarmsCount());
        kvAfter.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build());
    }

    @Test
    void keepAliveOfAMissingLeaseAnswersTtlZero() throws Exception {
        BlockingQueue<LeaseKeepAliveResponse> responses = new LinkedBlockingQueue<>();
        var requests = LeaseGrpc.newStub(channel).leaseKeepAlive(new StreamObserver<>() {
            @Override public void onNext(LeaseKeepAliveResponse value) { responses.add(value); }
            @Override public void onError(Throwable t) { }
            @Override public void onCompleted() { }
        });
        long granted = LeaseGrpc.newBlockingStub(channel).leaseGrant(
                dev.kj.rhino.api.etcdserverpb.LeaseGrantRequest.newBuilder().setTTL(30).build()).getID();
        requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(424242).build());
        requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(granted).build());
        LeaseKeepAliveResponse missing = responses.poll(5, TimeUnit.SECONDS);
        LeaseKeepAliveResponse renewed = responses.poll(5, TimeUnit.SECONDS);
        requests.onCompleted();
        assertEquals(424242, missing.getID());
        assertEquals(0, missing.getTTL());
        assertTrue(missing.getHeader().getRevision() > 0);
        assertEquals(granted, renewed.getID());
        assertEquals(30, renewed.getTTL());
    }

    @Test
    void watchStreamsEventsAndOutlivesAHalfClose() throws Exception {
        BlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
        var requests = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
            @Override public void onNext(WatchResponse value) { responses.add(value); }
            @Override public void onError(Throwable t) { }
            @Override public void onCompleted() { }
        });
        requests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("w"))).build());
        WatchResponse created = responses.poll(5, TimeUnit.SECONDS);
        assertTrue(created.getCreated(), created.toString());
        requests.onCompleted(); // etcd keeps delivering after the client half-closes
        KVGrpc.newBlockingStub(channel).put(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("w")).setValue(ByteString.copyFromUtf8("v")).build());
        WatchResponse event = responses.poll(5, TimeUnit.SECONDS);
        assertEquals("v", event.getEvents(0).getKv().getValue().toStringUtf8(), String.valueOf(event));
    }

    @Test
    void watchFollowsFlowControlWithoutLosingEvents() throws Exception {
        // A client that reads nothing for a while, then everything: every event arrives, in order.
        var kv = KVGrpc.newBlockingStub(channel);
        BlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
        var call = new java.util.concurrent.atomic.AtomicReference<io.grpc.stub.ClientCallStreamObserver<WatchRequest>>();
        WatchGrpc.newStub(channel).watch(new io.grpc.stub.ClientResponseObserver<WatchRequest, WatchResponse>() {
            @Override public void beforeStart(io.grpc.stub.ClientCallStreamObserver<WatchRequest> stream) {
                stream.disableAutoRequestWithInitial(1);
                call.set(stream);
            }
            @Override public void onNext(WatchResponse value) { responses.add(value); }
            @Override public void onError(Throwable t) { }
            @Override public void onCompleted() { }
        });
        call.get().onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("f/")).setRangeEnd(ByteString.copyFromUtf8("f0"))).build());
        assertTrue(responses.poll(5, TimeUnit.SECONDS).getCreated());
        byte[] value = new byte[64 * 1024];
        int puts = 64; // 4 MiB of events: well past the transport windows
        for (int i = 0; i < puts; i++) {
            kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("f/" + i)).setValue(ByteString.copyFrom(value)).build());
        }
        Thread.sleep(300);
        assertTrue(responses.isEmpty(), "nothing is delivered before the client asks");
        call.get().request(Integer.MAX_VALUE);
        int seen = 0;
        while (seen < puts) {
            WatchResponse response = responses.poll(10, TimeUnit.SECONDS);
            assertTrue(response != null, "stalled after " + seen + " events");
            for (var event : response.getEventsList()) {
                assertEquals("f/" + seen, event.getKv().getKey().toStringUtf8());
                seen++;
            }
        }
        call.get().cancel("done", null);
    }

    @Test
    void snapshotStreamsChunksThenTheSha256OfTheDataAndRestores() throws Exception {
        var kv = KVGrpc.newBlockingStub(channel);
        for (int i = 0; i < 200; i++) {
            kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("s/" + i))
                    .setValue(ByteString.copyFrom(new byte[1024])).build());
        }
        Iterator<SnapshotResponse> stream = MaintenanceGrpc.newBlockingStub(channel).snapshot(SnapshotRequest.getDefaultInstance());
        ByteArrayOutputStream saved = new ByteArrayOutputStream();
        long previousRemaining = Long.MAX_VALUE;
        int chunks = 0;
        SnapshotResponse last = null;
        while (stream.hasNext()) {
            SnapshotResponse chunk = stream.next();
            assertTrue(chunk.getBlob().size() <= 32 * 1024);
            assertTrue(chunk.getRemainingBytes() <= previousRemaining);
            previousRemaining = chunk.getRemainingBytes();
            chunk.getBlob().writeTo(saved);
            last = chunk;
            chunks++;
        }
        assertTrue(chunks > 2);
        assertEquals(32, last.getBlob().size(), "the last message is the sha256 trailer");
        byte[] all = saved.toByteArray();
        byte[] data = Arrays.copyOf(all, all.length - 32);
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), last.getBlob().toByteArray());
        assertEquals("SQLite format 3", new String(data, 0, 15, java.nio.charset.StandardCharsets.US_ASCII));

        Path file = dir.resolve("snap.db");
        Files.write(file, all);
        Path restored = dir.resolve("restored");
        RhinoServer.restore(file, restored);
        try (RhinoServer second = RhinoServer.start(RhinoConfig.defaults(restored)
                .withListenClientUrls(List.of(URI.create("http://127.0.0.1:0"))))) {
            assertEquals(200, second.store().range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("s/"))
                    .setRangeEnd(ByteString.copyFromUtf8("s0")).setCountOnly(true).build()).getCount());
        }
    }
}
