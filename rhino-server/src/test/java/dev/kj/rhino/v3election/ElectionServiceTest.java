package dev.kj.rhino.v3election;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.kj.rhino.RhinoServer;
import dev.kj.rhino.api.v3electionpb.CampaignRequest;
import dev.kj.rhino.api.v3electionpb.CampaignResponse;
import dev.kj.rhino.api.v3electionpb.ElectionGrpc;
import dev.kj.rhino.api.v3electionpb.LeaderRequest;
import dev.kj.rhino.api.v3electionpb.LeaderResponse;
import dev.kj.rhino.api.v3electionpb.ProclaimRequest;
import dev.kj.rhino.api.v3electionpb.ResignRequest;
import dev.kj.rhino.testing.GrpcRhino;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ElectionServiceTest {
    private static final ByteString NAME = ByteString.copyFromUtf8("elections/x");

    private GrpcRhino rhino;
    private RhinoServer server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        rhino = GrpcRhino.start();
        server = rhino.server();
        channel = rhino.channel();
    }

    @AfterEach
    void stop() throws Exception {
        rhino.close();
    }

    private long lease() {
        return rhino.lease();
    }

    private static String value(LeaderResponse response) {
        return response == null ? "<nothing within 10 s>" : response.getKv().getValue().toStringUtf8();
    }

    @Test
    void observeFollowsCampaignProclaimAndSuccession() throws Exception {
        var election = ElectionGrpc.newBlockingStub(channel);
        BlockingQueue<LeaderResponse> observed = new LinkedBlockingQueue<>();
        ElectionGrpc.newStub(channel).observe(LeaderRequest.newBuilder().setName(NAME).build(), new StreamObserver<>() {
            @Override public void onNext(LeaderResponse value) { observed.add(value); }
            @Override public void onError(Throwable t) { }
            @Override public void onCompleted() { }
        });

        CampaignResponse a = election.campaign(CampaignRequest.newBuilder().setName(NAME).setLease(lease())
                .setValue(ByteString.copyFromUtf8("a")).build());
        assertEquals(NAME, a.getLeader().getName());
        assertEquals(a.getHeader().getRevision(), a.getLeader().getRev());
        assertEquals("a", value(observed.poll(10, TimeUnit.SECONDS)));
        assertEquals("a", value(election.leader(LeaderRequest.newBuilder().setName(NAME).build())));

        CompletableFuture<CampaignResponse> b = CompletableFuture.supplyAsync(() -> election.campaign(
                CampaignRequest.newBuilder().setName(NAME).setLease(lease()).setValue(ByteString.copyFromUtf8("b")).build()));
        Thread.sleep(300);
        assertFalse(b.isDone(), "a second candidate waits while the first leads");

        election.proclaim(ProclaimRequest.newBuilder().setLeader(a.getLeader()).setValue(ByteString.copyFromUtf8("a2")).build());
        assertEquals("a2", value(observed.poll(10, TimeUnit.SECONDS)));

        election.resign(ResignRequest.newBuilder().setLeader(a.getLeader()).build());
        CampaignResponse bWon = b.get(10, TimeUnit.SECONDS);
        assertTrue(bWon.getLeader().getRev() > a.getLeader().getRev());
        assertEquals("b", value(observed.poll(10, TimeUnit.SECONDS)));
        assertEquals("b", value(election.leader(LeaderRequest.newBuilder().setName(NAME).build())));
    }
}
