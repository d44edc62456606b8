package dev.kj.rhino.v3election;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.RhinoServer;
import dev.kj.rhino.api.etcdserverpb.LeaseGrantRequest;
import dev.kj.rhino.api.etcdserverpb.LeaseGrpc;
import dev.kj.rhino.api.v3electionpb.CampaignRequest;
import dev.kj.rhino.api.v3electionpb.ElectionGrpc;
import dev.kj.rhino.api.v3electionpb.LeaderKey;
import dev.kj.rhino.api.v3electionpb.LeaderRequest;
import dev.kj.rhino.api.v3electionpb.ProclaimRequest;
import dev.kj.rhino.api.v3electionpb.ResignRequest;
import dev.kj.rhino.api.v3lockpb.LockGrpc;
import dev.kj.rhino.api.v3lockpb.LockRequest;
import dev.kj.rhino.testing.RealEtcd;
import dev.kj.rhino.testing.TempDirs;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The v3lock/v3election answers that are easy to get subtly wrong (etcd's server recipes return
 * plain Go errors, so most reach clients as UNKNOWN), compared call for call with a real etcd.
 */
class RecipeErrorsMatchEtcdTest {
    private static RealEtcd etcd;
    private static Path dir;
    private static RhinoServer rhino;
    private static final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        etcd = RealEtcd.start();
        dir = Files.createTempDirectory("rhino-recipes-");
        rhino = RhinoServer.start(RhinoConfig.defaults(dir)
                .withListenClientUrls(List.of(URI.create("http://127.0.0.1:0"))));
    }

    @AfterAll
    static void stop() throws Exception {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (rhino != null) {
            rhino.close();
        }
        if (etcd != null) {
            etcd.close();
        }
        TempDirs.deleteRecursively(dir);
    }

    @Test
    void errorCodesAndTextsMatch() {
        Map<String, String> fromEtcd = outcomes(NettyChannelBuilder.forAddress("127.0.0.1", etcd.clientPort()));
        Map<String, String> fromRhino = outcomes(NettyChannelBuilder.forAddress(rhino.clientAddresses().get(0)));
        assertEquals(fromEtcd.toString().replace(", ", ",\n"), fromRhino.toString().replace(", ", ",\n"));
    }

    private static Map<String, String> outcomes(NettyChannelBuilder builder) {
        ManagedChannel channel = builder.usePlaintext().build();
        channels.add(channel);
        var election = ElectionGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        var lock = LockGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        long lease = LeaseGrpc.newBlockingStub(channel).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(30).build()).getID();
        ByteString name = ByteString.copyFromUtf8("e1");
        LeaderKey stale = LeaderKey.newBuilder().setName(name).setKey(ByteString.copyFromUtf8("e1/dead")).setRev(999).setLease(lease).build();

        Map<String, String> out = new LinkedHashMap<>();
        out.put("leader of empty election", outcome(() -> election.leader(LeaderRequest.newBuilder().setName(name).build()),
                r -> "ok"));
        out.put("proclaim without leader", outcome(() -> election.proclaim(ProclaimRequest.newBuilder().build()), r -> "ok"));
        out.put("resign without leader", outcome(() -> election.resign(ResignRequest.newBuilder().build()), r -> "ok"));
        out.put("proclaim as non-leader", outcome(() -> election.proclaim(ProclaimRequest.newBuilder()
                .setLeader(stale).setValue(ByteString.copyFromUtf8("x")).build()), r -> "ok"));
        out.put("resign as non-leader", outcome(() -> election.resign(ResignRequest.newBuilder().setLeader(stale).build()),
                r -> "ok"));
        out.put("campaign with missing lease", outcome(() -> election.campaign(CampaignRequest.newBuilder()
                .setName(name).setLease(123456).setValue(ByteString.copyFromUtf8("v")).build()), r -> "ok"));
        out.put("lock with missing lease", outcome(() -> lock.lock(LockRequest.newBuilder()
                .setName(ByteString.copyFromUtf8("l1")).setLease(123456).build()), r -> "ok"));
        out.put("campaign", outcome(() -> election.campaign(CampaignRequest.newBuilder()
                .setName(name).setLease(lease).setValue(ByteString.copyFromUtf8("v")).build()),
                r -> "key=" + r.getLeader().getKey().toStringUtf8().replace(Long.toHexString(lease), "<lease>")
                        + " rev=header:" + (r.getLeader().getRev() == r.getHeader().getRevision())));
        out.put("leader", outcome(() -> election.leader(LeaderRequest.newBuilder().setName(name).build()),
                r -> "value=" + r.getKv().getValue().toStringUtf8()));
        out.put("lock", outcome(() -> lock.lock(LockRequest.newBuilder()
                .setName(ByteString.copyFromUtf8("l1")).setLease(lease).build()),
                r -> "key=" + r.getKey().toStringUtf8().replace(Long.toHexString(lease), "<lease>")));
        return out;
    }

    private static <T> String outcome(java.util.function.Supplier<T> call, Function<T, String> describe) {
        try {
            return describe.apply(call.get());
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode() + " " + e.getStatus().getDescription();
        }
    }
}
