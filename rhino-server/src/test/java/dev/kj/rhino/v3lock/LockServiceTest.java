package dev.kj.rhino.v3lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.kj.rhino.RhinoServer;
import dev.kj.rhino.api.etcdserverpb.LeaseGrpc;
import dev.kj.rhino.api.etcdserverpb.RangeRequest;
import dev.kj.rhino.api.v3lockpb.LockGrpc;
import dev.kj.rhino.api.v3lockpb.LockRequest;
import dev.kj.rhino.api.v3lockpb.LockResponse;
import dev.kj.rhino.api.v3lockpb.UnlockRequest;
import dev.kj.rhino.testing.GrpcRhino;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LockServiceTest {
    private static final ByteString NAME = ByteString.copyFromUtf8("locks/a");

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

    private long keysUnderName() {
        return server.store().range(RangeRequest.newBuilder().setKey(NAME.concat(ByteString.copyFromUtf8("/")))
                .setRangeEnd(NAME.concat(ByteString.copyFromUtf8("0"))).setCountOnly(true).build()).getCount();
    }

    @Test
    void secondLockerWaitsForTheFirstToUnlock() throws Exception {
        var lock = LockGrpc.newBlockingStub(channel);
        long first = lease();
        long second = lease();
        LockResponse held = lock.lock(LockRequest.newBuilder().setName(NAME).setLease(first).build());
        assertEquals("locks/a/" + Long.toHexString(first), held.getKey().toStringUtf8());
        assertTrue(held.getHeader().getRevision() > 0);

        CompletableFuture<LockResponse> waiting = CompletableFuture.supplyAsync(
                () -> lock.lock(LockRequest.newBuilder().setName(NAME).setLease(second).build()));
        Thread.sleep(500);
        assertFalse(waiting.isDone(), "the second locker must wait");

        lock.unlock(UnlockRequest.newBuilder().setKey(held.getKey()).build());
        LockResponse acquired = waiting.get(10, TimeUnit.SECONDS);
        assertEquals("locks/a/" + Long.toHexString(second), acquired.getKey().toStringUtf8());
    }

    @Test
    void revokingTheHoldersLeaseHandsTheLockOver() throws Exception {
        var lock = LockGrpc.newBlockingStub(channel);
        long first = lease();
        lock.lock(LockRequest.newBuilder().setName(NAME).setLease(first).build());
        CompletableFuture<LockResponse> waiting = CompletableFuture.supplyAsync(
                () -> lock.lock(LockRequest.newBuilder().setName(NAME).setLease(lease()).build()));
        Thread.sleep(300);
        LeaseGrpc.newBlockingStub(channel).leaseRevoke(
                dev.kj.rhino.api.etcdserverpb.LeaseRevokeRequest.newBuilder().setID(first).build());
        assertTrue(waiting.get(10, TimeUnit.SECONDS).getKey().toStringUtf8().startsWith("locks/a/"));
    }

    @Test
    void aWaiterThatGivesUpLeavesTheQueue() throws Exception {
        var lock = LockGrpc.newBlockingStub(channel);
        lock.lock(LockRequest.newBuilder().setName(NAME).setLease(lease()).build());
        var e = assertThrows(StatusRuntimeException.class, () -> lock.withDeadlineAfter(500, TimeUnit.MILLISECONDS)
                .lock(LockRequest.newBuilder().setName(NAME).setLease(lease()).build()));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (keysUnderName() != 1 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(1, keysUnderName(), "the abandoned waiter's key must be deleted");
    }

    @Test
    void lockWithoutLeaseGetsASixtySecondSessionLease() {
        LockResponse held = LockGrpc.newBlockingStub(channel).lock(LockRequest.newBuilder().setName(NAME).build());
        String hex = held.getKey().toStringUtf8().substring("locks/a/".length());
        long ttl = server.store().lessor().timeToLive(Long.parseUnsignedLong(hex, 16), false).getGrantedTTL();
        assertEquals(Recipes.DEFAULT_SESSION_TTL_SECONDS, ttl);
    }
}
