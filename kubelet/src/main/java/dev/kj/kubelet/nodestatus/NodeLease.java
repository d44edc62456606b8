package dev.kj.kubelet.nodestatus;

import dev.kj.api.client.ApiException;
import dev.kj.api.client.ResourceClient;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * The node's heartbeat: a Lease named after the node in kube-node-lease, held by the node, owned
 * by the Node object (so it goes with it), leaseDurationSeconds 40 and renewed every quarter of
 * that (10 s), as upstream's node lease controller.
 */
public final class NodeLease {
    public static final String NAMESPACE = "kube-node-lease";
    public static final Duration LEASE_DURATION = Duration.ofSeconds(40);
    public static final Duration RENEW_INTERVAL = LEASE_DURATION.dividedBy(4);

    private final ResourceClient<Lease> leases;

    public NodeLease(ResourceClient<Lease> leases) {
        this.leases = leases;
    }

    /** Creates the Lease, or renews it to {@code now}; returns what the server stored. */
    public Lease renew(Node node, Instant now) {
        String name = node.getMetadata().getName();
        java.time.ZonedDateTime renewTime = now.truncatedTo(ChronoUnit.MICROS).atZone(ZoneOffset.UTC);
        Lease current;
        try {
            current = leases.get(NAMESPACE, name);
        } catch (ApiException e) {
            if (!e.isNotFound()) {
                throw e;
            }
            return leases.create(NAMESPACE, new LeaseBuilder()
                    .withNewMetadata().withName(name).withNamespace(NAMESPACE)
                    .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Node")
                            .withName(name).withUid(node.getMetadata().getUid()).build())
                    .endMetadata()
                    .withNewSpec()
                    .withHolderIdentity(name)
                    .withLeaseDurationSeconds((int) LEASE_DURATION.toSeconds())
                    .withRenewTime(renewTime)
                    .endSpec()
                    .build());
        }
        current.getSpec().setRenewTime(renewTime);
        current.getSpec().setHolderIdentity(name);
        current.getSpec().setLeaseDurationSeconds((int) LEASE_DURATION.toSeconds());
        return leases.update(current);
    }
}
