package dev.kj.apiserver;

import static dev.kj.controllers.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.leaderelection.LeaderElectionConfig;
import dev.kj.api.leaderelection.LeaderElector;
import dev.kj.apiserver.authn.User;
import dev.kj.apiserver.testing.TestServer;
import dev.kj.rhino.testing.RealEtcd;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leader election through coordination.k8s.io/v1 Leases: of two kj servers on one real etcd,
 * exactly one runs the controllers and holds kube-system/kube-controller-manager, and the other
 * takes over when it closes; a holder that stops renewing without handing the Lease back loses it
 * once leaseDurationSeconds have passed. Both servers are listed in the kubernetes Endpoints while
 * they run.
 */
class LeaderElectionTest {
    private static final String MICRO_TIME = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z";
    private static final List<String> ALL_CONTROLLERS = List.of("serviceaccount-token-controller", "clusterrole-aggregation-controller",
            "garbage-collector-controller", "namespace-controller", "serviceaccount-controller", "root-ca-certificate-publisher-controller",
            "replicaset-controller", "replicationcontroller-controller", "deployment-controller", "job-controller",
                    "disruption-controller", "cronjob-controller", "ttl-after-finished-controller",
            "pod-garbage-collector-controller", "endpoints-controller", "endpointslice-controller", "node-lifecycle-controller",
            "taint-eviction-controller");

    @TempDir
    Path dir;

    @Test
    void oneOfTwoServersRunsTheControllersAndTheOtherTakesOver() throws Exception {
        try (RealEtcd etcd = RealEtcd.start();
             ApiServer first = ApiServer.start(new ApiServerConfig(dir.resolve("a"), List.of(etcd.clientUrl()), "127.0.0.1", 0)
                     .withAdvertiseAddress("192.0.2.101"));
             ApiClient client = ApiClient.fromKubeconfig(first.kubeconfig())) {
            assertEquals(ALL_CONTROLLERS, first.controllers(), "alone, it leads at once");
            assertTrue(first.scheduling(), "and schedules (Lease kube-system/kube-scheduler)");
            ResourceClient<ObjectNode> leases = client.generic(Resources.LEASES);
            JsonNode spec = leases.get("kube-system", "kube-controller-manager").path("spec");
            String firstHolder = spec.path("holderIdentity").asText();
            assertTrue(firstHolder.matches(".+_[0-9a-f-]{36}"), firstHolder);
            assertEquals(15, spec.path("leaseDurationSeconds").asInt());
            assertEquals(0, spec.path("leaseTransitions").asInt());
            assertTrue(spec.path("acquireTime").asText().matches(MICRO_TIME), spec.toString());
            assertTrue(spec.path("renewTime").asText().matches(MICRO_TIME), spec.toString());
            String firstRenewal = spec.path("renewTime").asText();
            until("a renewal", () -> !leases.get("kube-system", "kube-controller-manager").path("spec").path("renewTime")
                    .asText().equals(firstRenewal));

            ApiServer second = ApiServer.start(new ApiServerConfig(dir.resolve("b"), List.of(etcd.clientUrl()), "127.0.0.1", 0)
                    .withAdvertiseAddress("192.0.2.102"));
            try {
                assertEquals(List.of(), second.controllers(), "the Lease is held: the second server waits");
                assertFalse(second.scheduling(), "the scheduler's Lease too");
                until("both servers in the kubernetes endpoints", () -> addresses(client).equals(
                        List.of("192.0.2.101", "192.0.2.102")));
                Thread.sleep(LeaderElectionConfig.RETRY_PERIOD.toMillis() * 3);
                assertEquals(List.of(), second.controllers(), "still waiting while the leader renews");
                assertEquals(firstHolder, leases.get("kube-system", "kube-controller-manager").path("spec")
                        .path("holderIdentity").asText());

                first.close();
                until("the second server to take over", () -> second.controllers().equals(ALL_CONTROLLERS));
                until("the second server to schedule", second::scheduling);
                try (ApiClient other = ApiClient.fromKubeconfig(second.kubeconfig())) {
                    JsonNode taken = other.generic(Resources.LEASES).get("kube-system", "kube-controller-manager").path("spec");
                    assertNotEquals(firstHolder, taken.path("holderIdentity").asText());
                    assertEquals(1, taken.path("leaseTransitions").asInt(), "one change of holder");
                    assertEquals(15, taken.path("leaseDurationSeconds").asInt());
                    until("the closed server out of the endpoints", () -> addresses(other).equals(List.of("192.0.2.102")));
                    // the new leader's controllers work: a new namespace gets its account
                    other.generic(Resources.NAMESPACES).create(null, (ObjectNode) new com.fasterxml.jackson.databind
                            .ObjectMapper().readTree("{\"metadata\":{\"name\":\"after-failover\"}}"));
                    until("the default account from the new leader", () -> {
                        try {
                            other.generic(Resources.SERVICE_ACCOUNTS).get("after-failover", "default");
                            return true;
                        } catch (dev.kj.api.client.ApiException e) {
                            return false;
                        }
                    });
                }
            } finally {
                second.close();
            }
        }
    }

    @Test
    void aHolderThatStopsRenewingLosesTheLeaseAfterItsDuration(@TempDir Path serverDir) throws Exception {
        try (TestServer server = TestServer.start(serverDir, List.of())) {
            User admin = new User("kubernetes-admin", List.of("system:masters", "system:authenticated"));
            ApiClient client = new ApiClient(server.server().inProcessTransport(admin));
            Duration lease = Duration.ofSeconds(3);
            LeaderElectionConfig crashed = new LeaderElectionConfig("default", "contested", "crashed", lease,
                    Duration.ofSeconds(2), Duration.ofMillis(500), true);
            LeaderElector gone = new LeaderElector(client, crashed, Clock.systemUTC());
            assertTrue(gone.tryAcquireOrRenew(), "creates the Lease");
            assertTrue(gone.isLeader());

            LeaderElectionConfig waiting = new LeaderElectionConfig("default", "contested", "waiting", lease,
                    Duration.ofSeconds(2), Duration.ofMillis(500), true);
            LeaderElector candidate = new LeaderElector(client, waiting, Clock.systemUTC());
            assertFalse(candidate.tryAcquireOrRenew(), "held and freshly renewed");
            AtomicInteger started = new AtomicInteger();
            AtomicInteger stopped = new AtomicInteger();
            List<String> leaders = new ArrayList<>();
            Thread runner = Thread.ofVirtual().start(() -> {
                try {
                    candidate.run(new LeaderElector.Callbacks() {
                        @Override
                        public void onStartedLeading() {
                            started.incrementAndGet();
                        }

                        @Override
                        public void onStoppedLeading() {
                            stopped.incrementAndGet();
                        }

                        @Override
                        public void onNewLeader(String identity) {
                            synchronized (leaders) {
                                leaders.add(identity);
                            }
                        }
                    });
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            long waitingSince = System.nanoTime();
            until("the candidate to lead", () -> started.get() == 1);
            assertTrue(System.nanoTime() - waitingSince >= lease.toNanos() - Duration.ofMillis(600).toNanos(),
                    "not before the lease duration it observed");
            JsonNode spec = client.generic(Resources.LEASES).get("default", "contested").path("spec");
            assertEquals("waiting", spec.path("holderIdentity").asText());
            assertEquals(1, spec.path("leaseTransitions").asInt());
            assertEquals(3, spec.path("leaseDurationSeconds").asInt());
            synchronized (leaders) {
                assertEquals(List.of("crashed", "waiting"), leaders);
            }
            assertFalse(gone.tryAcquireOrRenew(), "the old holder finds the Lease taken");
            assertFalse(gone.isLeader());

            candidate.close();
            runner.join(Duration.ofSeconds(10));
            assertEquals(1, stopped.get());
            JsonNode released = client.generic(Resources.LEASES).get("default", "contested").path("spec");
            assertEquals("", released.path("holderIdentity").asText(), "closing hands the Lease back");
            assertEquals(1, released.path("leaseDurationSeconds").asInt());
            assertEquals(1, released.path("leaseTransitions").asInt());
            assertTrue(gone.tryAcquireOrRenew(), "a released Lease is taken at the next try");
            assertEquals(2, client.generic(Resources.LEASES).get("default", "contested").path("spec")
                    .path("leaseTransitions").asInt());
        }
    }

    private static List<String> addresses(ApiClient client) {
        try {
            List<String> ips = new ArrayList<>();
            client.generic(Resources.ENDPOINTS).get("default", "kubernetes").path("subsets").path(0).path("addresses")
                    .forEach(address -> ips.add(address.path("ip").asText()));
            return ips;
        } catch (dev.kj.api.client.ApiException e) {
            return List.of();
        }
    }
}
