package dev.kj.rhino.jetcd;

import static dev.kj.rhino.jetcd.InProcessRhino.bytes;
import static dev.kj.rhino.jetcd.InProcessRhino.text;
import static dev.kj.rhino.jetcd.InProcessRhino.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcd.jetcd.election.NoLeaderException;
import io.etcd.jetcd.election.NotLeaderException;
import io.etcd.jetcd.options.GetOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** jetcd's Election client against Rhino, following jetcd's ElectionTest (names in the comments). */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ElectionTest {
    static final int OPERATION_TIMEOUT = 5;
    static final GetOption PREFIX = GetOption.builder().isPrefix(true).build();
    static InProcessRhino rhino;
    static Election election;
    static Lease lease;
    static KV kv;

    @BeforeAll
    static void start() {
        rhino = InProcessRhino.start();
        Client client = rhino.newClient();
        election = client.getElectionClient();
        lease = client.getLeaseClient();
        kv = client.getKVClient();
    }

    @AfterAll
    static void stop() {
        if (rhino != null) {
            rhino.close();
        }
    }

    // testIsolatedElection
    @Test
    void campaignLeaderProclaimResign() throws Exception {
        ByteSequence name = bytes(unique("isolated"));
        long leaseId = lease.grant(10).get().getID();

        CampaignResponse campaign = election.campaign(name, leaseId, bytes("proposal1"))
                .get(OPERATION_TIMEOUT, TimeUnit.SECONDS);
        LeaderKey leader = campaign.getLeader();
        assertEquals(leaseId, leader.getLease());
        assertEquals(name, leader.getName());
        List<KeyValue> keys = kv.get(name, PREFIX).get().getKvs();
        assertEquals(1, keys.size());
        assertEquals(leader.getKey(), keys.get(0).getKey());
        assertEquals("proposal1", text(keys.get(0).getValue()));

        LeaderResponse current = election.leader(name).get(OPERATION_TIMEOUT, TimeUnit.SECONDS);
        assertEquals(leader.getKey(), current.getKv().getKey());
        assertEquals("proposal1", text(current.getKv().getValue()));
        assertEquals(leaseId, current.getKv().getLease());
        assertEquals(leader.getRevision(), current.getKv().getCreateRevision());

        election.proclaim(leader, bytes("proposal2")).get(OPERATION_TIMEOUT, TimeUnit.SECONDS);
        keys = kv.get(name, PREFIX).get().getKvs();
        assertEquals(1, keys.size());
        assertEquals("proposal2", text(keys.get(0).getValue()));

        election.resign(leader).get(OPERATION_TIMEOUT, TimeUnit.SECONDS);
        assertTrue(kv.get(name, PREFIX).get().getKvs().isEmpty());
        lease.revoke(leaseId).get();
    }

    // testEmptyElection
    @Test
    void leaderOfAnEmptyElectionIsNoLeader() {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> election.leader(bytes(unique("empty"))).get(OPERATION_TIMEOUT, TimeUnit.SECONDS));
        assertInstanceOf(NoLeaderException.class, e.getCause());
    }

    // testRetryCampaignWithDifferentValue
    @Test
    void campaigningAgainWithTheSameLeaseKeepsLeadershipAndTakesTheNewValue() throws Exception {
        ByteSequence name = bytes(unique("retry"));
        long leaseId = lease.grant(10).get().getID();
        CampaignResponse first = election.campaign(name, leaseId, bytes("proposal1"))
                .get(OPERATION_TIMEOUT, TimeUnit.SECONDS);
        CampaignResponse second = election.campaign(name, leaseId, bytes("proposal2"))
                .get(OPERATION_TIMEOUT, TimeUnit.SECONDS);
        LeaderResponse current = election.leader(name).get(OPERATION_TIMEOUT, TimeUnit.SECONDS);
        assertEquals(first.getLeader().getKey(), current.getKv().getKey());
        assertEquals(first.getLeader().getKey(), second.getLeader().getKey());
        assertEquals(first.getLeader().getRevision(), second.getLeader().getRevision());
        List<KeyValue> keys = kv.get(name, PREFIX).get().getKvs();
        assertEquals(1, keys.size());
        assertEquals("proposal2", text(keys.get(0).getValue()));
        election.resign(first.getLeader()).get(OPERATION_TIMEOUT, TimeUnit.SECONDS);
        lease.revoke(leaseId).get();
    }

    // testProposeValueNotBeingLeader
    @Test
    void proclaimWithoutLeadershipIsNotLeader() throws Exception {
        ByteSequence name = bytes(unique("notleader"));
        LeaderKey fake = new LeaderKey(name, bytes("no-such-key"), 1, 1);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> election.proclaim(fake, bytes("proposal")).get(OPERATION_TIMEOUT, TimeUnit.SECONDS));
        assertInstanceOf(NotLeaderException.class, e.getCause());
        assertTrue(kv.get(name, PREFIX).get().getKvs().isEmpty());
    }

    @Test
    void aSecondCandidateWaitsUntilTheLeaderResigns() throws Exception {
        ByteSequence name = bytes(unique("queue"));
        long firstLease = lease.grant(30).get().getID();
        long secondLease = lease.grant(30).get().getID();
        CampaignResponse first = election.campaign(name, firstLease, bytes("first"))
                .get(OPERATION_TIMEOUT, TimeUnit.SECONDS);
        CompletableFuture<CampaignResponse> second = election.campaign(name, secondLease, bytes("second"));
        Thread.sleep(1_000);
        assertFalse(second.isDone(), "the second candidate was elected while the first led");
        assertEquals("first", text(election.leader(name).get().getKv().getValue()));

        election.resign(first.getLeader()).get(OPERATION_TIMEOUT, TimeUnit.SECONDS);
        CampaignResponse elected = second.get(OPERATION_TIMEOUT, TimeUnit.SECONDS);
        assertNotEquals(first.getLeader().getKey(), elected.getLeader().getKey());
        assertEquals("second", text(election.leader(name).get().getKv().getValue()));
        lease.revoke(firstLease).get();
        lease.revoke(secondLease).get();
    }

    // testObserveElections
    @Test
    void observeSeesEveryLeader() throws Exception {
        ByteSequence name = bytes(unique("observe"));
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        election.observe(name, listener(seen));
        long leaseId = lease.grant(10).get().getID();
        List<String> proposals = List.of("p0", "p1", "p2");
        for (String proposal : proposals) {
            CampaignResponse campaign = election.campaign(name, leaseId, bytes(proposal))
                    .get(OPERATION_TIMEOUT, TimeUnit.SECONDS);
            assertEquals(proposal, seen.poll(OPERATION_TIMEOUT, TimeUnit.SECONDS), "observer missed a leader");
            election.resign(campaign.getLeader()).get(OPERATION_TIMEOUT, TimeUnit.SECONDS);
        }
        lease.revoke(leaseId).get();
    }

    // testObserveExistingLeader
    @Test
    void observeStartsWithTheExistingLeaderAndSeesProclaims() throws Exception {
        ByteSequence name = bytes(unique("existing"));
        long leaseId = lease.grant(10).get().getID();
        CampaignResponse campaign = election.campaign(name, leaseId, bytes("sitting"))
                .get(OPERATION_TIMEOUT, TimeUnit.SECONDS);
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        election.observe(name, listener(seen));
        assertEquals("sitting", seen.poll(OPERATION_TIMEOUT, TimeUnit.SECONDS));
        election.proclaim(campaign.getLeader(), bytes("proclaimed")).get(OPERATION_TIMEOUT, TimeUnit.SECONDS);
        assertEquals("proclaimed", seen.poll(OPERATION_TIMEOUT, TimeUnit.SECONDS));
        lease.revoke(leaseId).get();
    }

    // testSynchronizationBarrier
    @Test
    void leadershipIsMutuallyExclusive() throws Exception {
        int candidates = 5;
        ByteSequence name = bytes(unique("barrier"));
        AtomicInteger shared = new AtomicInteger();
        AtomicInteger leaders = new AtomicInteger();
        AtomicInteger maxLeaders = new AtomicInteger();
        List<Client> clients = new ArrayList<>();
        List<Long> leases = new ArrayList<>();
        for (int i = 0; i < candidates; i++) {
            Client c = rhino.newClient();
            clients.add(c);
            leases.add(c.getLeaseClient().grant(100).get().getID());
        }
        ExecutorService pool = Executors.newFixedThreadPool(candidates);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < candidates; i++) {
                int id = i;
                futures.add(pool.submit(() -> {
                    Election e = clients.get(id).getElectionClient();
                    CampaignResponse campaign = e.campaign(name, leases.get(id), bytes(Integer.toString(id)))
                            .get(30, TimeUnit.SECONDS);
                    maxLeaders.accumulateAndGet(leaders.incrementAndGet(), Math::max);
                    int local = shared.get();
                    Thread.sleep(200);
                    shared.set(local + 1);
                    leaders.decrementAndGet();
                    e.resign(campaign.getLeader()).get(OPERATION_TIMEOUT, TimeUnit.SECONDS);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, maxLeaders.get(), "two candidates led at once");
        assertEquals(candidates, shared.get());
        assertEquals(0, kv.get(name, PREFIX).get().getCount());
        for (int i = 0; i < candidates; i++) {
            clients.get(i).getLeaseClient().revoke(leases.get(i)).get();
        }
    }

    private static Election.Listener listener(BlockingQueue<String> seen) {
        return new Election.Listener() {
            @Override
            public void onNext(LeaderResponse response) {
                seen.add(text(response.getKv().getValue()));
            }

            @Override
            public void onError(Throwable throwable) {
                seen.add("error: " + throwable);
            }

            @Override
            public void onCompleted() {
            }
        };
    }
}
