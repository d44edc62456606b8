package dev.kj.controllers;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import dev.kj.apiserver.ApiServer;
import dev.kj.apiserver.testing.UserCertificates;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Plays a kubelet's part in tests while kj has none: it registers its Node, writes pod and node
 * status and renews the node Lease — all through the API server over HTTPS, as the node itself
 * (a client certificate for system:node:NAME in system:nodes), so the Node authorizer and
 * NodeRestriction apply as they would to a real kubelet. It never touches storage.
 */
public final class ApiKubeletStandIn implements AutoCloseable {
    public static final String LEASE_NAMESPACE = "kube-node-lease";

    private final String nodeName;
    private final ApiClient client;

    public ApiKubeletStandIn(ApiServer server, Path dataDir, Path workDir, String nodeName) throws Exception {
        this.nodeName = nodeName;
        Path pki = dataDir.resolve("pki");
        UserCertificates.Issued identity = UserCertificates.issue(pki, "system:node:" + nodeName, List.of("system:nodes"));
        Path kubeconfig = identity.kubeconfig(workDir.resolve("kubelet-" + nodeName + ".kubeconfig"),
                "https://127.0.0.1:" + server.address().getPort(), pki);
        this.client = ApiClient.fromKubeconfig(kubeconfig);
    }

    public String nodeName() {
        return nodeName;
    }

    public ApiClient client() {
        return client;
    }

    /** Creates its Node (with these labels), Ready with a fresh heartbeat, and its Lease. */
    public Node register(Map<String, String> labels) {
        Node node = client.typed(Resources.NODES, Node.class).create(null, new NodeBuilder().withNewMetadata()
                .withName(nodeName).withLabels(labels).endMetadata().build());
        postReady("True");
        renewLease();
        return node;
    }

    /** Writes the Ready condition (True, False) with a fresh heartbeat, as a kubelet's status update. */
    public Node postReady(String status) {
        return retryWhileTheGraphCatchesUp(() -> {
            Node node = client.typed(Resources.NODES, Node.class).get(null, nodeName);
            String now = now();
            List<NodeCondition> conditions = new ArrayList<>();
            NodeCondition previous = null;
            if (node.getStatus() != null && node.getStatus().getConditions() != null) {
                for (NodeCondition condition : node.getStatus().getConditions()) {
                    if ("Ready".equals(condition.getType())) {
                        previous = condition;
                    } else {
                        conditions.add(condition);
                    }
                }
            }
            String transition = previous != null && status.equals(previous.getStatus()) ? previous.getLastTransitionTime() : now;
            conditions.add(new io.fabric8.kubernetes.api.model.NodeConditionBuilder().withType("Ready").withStatus(status)
                    .withReason("True".equals(status) ? "KubeletReady" : "KubeletNotReady")
                    .withMessage("True".equals(status) ? "kubelet is posting ready status" : "container runtime is down")
                    .withLastHeartbeatTime(now).withLastTransitionTime(transition).build());
            node.setStatus(new io.fabric8.kubernetes.api.model.NodeStatusBuilder(node.getStatus() == null
                    ? new io.fabric8.kubernetes.api.model.NodeStatus() : node.getStatus()).withConditions(conditions).build());
            return client.typed(Resources.NODES, Node.class).updateStatus(node);
        });
    }

    /** Creates or renews kube-node-lease/NAME (holder the node, 40 s, renewTime now). */
    public Lease renewLease() {
        var leases = client.typed(Resources.LEASES, Lease.class);
        return retryWhileTheGraphCatchesUp(() -> {
            try {
                Lease lease = leases.get(LEASE_NAMESPACE, nodeName);
                lease.getSpec().setRenewTime(microTime());
                return leases.update(lease);
            } catch (ApiException e) {
                if (!e.isNotFound()) {
                    throw e;
                }
                return leases.create(LEASE_NAMESPACE, new LeaseBuilder().withNewMetadata().withName(nodeName)
                        .withNamespace(LEASE_NAMESPACE).endMetadata().withNewSpec().withHolderIdentity(nodeName)
                        .withLeaseDurationSeconds(40).withRenewTime(microTime()).endSpec().build());
            }
        });
    }

    /**
     * Writes a pod's status as the kubelet would once its containers run: phase Running, the IP,
     * and the Ready condition (its lastTransitionTime {@code readySince}).
     */
    public Pod postPodStatus(String namespace, String name, String ip, boolean ready, Instant readySince) {
        var pods = client.typed(Resources.PODS, Pod.class);
        return retryWhileTheGraphCatchesUp(() -> {
            Pod pod = pods.get(namespace, name);
            String since = readySince.truncatedTo(ChronoUnit.SECONDS).toString();
            pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running").withHostIP("192.0.2.1")
                    .withPodIP(ip).withPodIPs(new PodIP(ip)).withStartTime(since)
                    .withConditions(condition("PodScheduled", true, since), condition("Initialized", true, since),
                            condition("ContainersReady", ready, since), condition("Ready", ready, since))
                    .build());
            return pods.updateStatus(pod);
        });
    }

    private static PodCondition condition(String type, boolean status, String since) {
        return new io.fabric8.kubernetes.api.model.PodConditionBuilder().withType(type).withStatus(status ? "True" : "False")
                .withLastTransitionTime(since).build();
    }

    /** The Node authorizer learns of new pods and nodes from a watch: its first answers may still be 403. */
    private static <T> T retryWhileTheGraphCatchesUp(Supplier<T> write) {
        long deadline = System.nanoTime() + Await.TIMEOUT.toNanos();
        while (true) {
            try {
                return write.get();
            } catch (ApiException e) {
                if ((!e.isForbidden() && !e.isConflict()) || System.nanoTime() > deadline) {
                    throw e;
                }
                Await.sleepQuietly(java.time.Duration.ofMillis(100));
            }
        }
    }

    static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    static java.time.ZonedDateTime microTime() {
        return java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }

    @Override
    public void close() {
        client.close();
    }
}
