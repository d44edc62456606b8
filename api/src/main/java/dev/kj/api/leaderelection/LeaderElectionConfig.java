package dev.kj.api.leaderelection;

import java.time.Duration;

/**
 * What a candidate needs (client-go's LeaderElectionConfig with a LeaseLock): the coordination.k8s.io
 * Lease it competes for, its identity, and the timing.
 *
 * @param namespace     the Lease's namespace ({@code kube-system} for the control plane)
 * @param name          the Lease's name ({@code kube-controller-manager}, {@code kube-scheduler})
 * @param identity      what it writes as holderIdentity; unique per process
 * @param leaseDuration how long others wait after the last renewal they saw before taking over
 * @param renewDeadline how long the leader keeps retrying a renewal before it gives up leadership
 * @param retryPeriod   how often candidates try to acquire and the leader renews
 * @param releaseOnCancel whether closing the elector hands the Lease back (holder cleared, duration
 *                      1 s), so another candidate takes over at its next try instead of after
 *                      leaseDuration
 */
public record LeaderElectionConfig(String namespace, String name, String identity, Duration leaseDuration,
                                   Duration renewDeadline, Duration retryPeriod, boolean releaseOnCancel) {
    /** kube-controller-manager's and kube-scheduler's defaults (--leader-elect-lease-duration etc.). */
    public static final Duration LEASE_DURATION = Duration.ofSeconds(15);
    public static final Duration RENEW_DEADLINE = Duration.ofSeconds(10);
    public static final Duration RETRY_PERIOD = Duration.ofSeconds(2);

    public LeaderElectionConfig {
        if (identity == null || identity.isEmpty()) {
            throw new IllegalArgumentException("Lock identity is empty");
        }
        // client-go's NewLeaderElector checks
        if (leaseDuration.compareTo(renewDeadline) <= 0) {
            throw new IllegalArgumentException("leaseDuration must be greater than renewDeadline");
        }
        if (renewDeadline.toMillis() <= (long) (1.2 * retryPeriod.toMillis())) {
            throw new IllegalArgumentException("renewDeadline must be greater than retryPeriod*JitterFactor");
        }
        if (retryPeriod.isNegative() || retryPeriod.isZero()) {
            throw new IllegalArgumentException("retryPeriod must be greater than zero");
        }
    }

    /** The defaults, releasing on close. */
    public static LeaderElectionConfig of(String namespace, String name, String identity) {
        return new LeaderElectionConfig(namespace, name, identity, LEASE_DURATION, RENEW_DEADLINE, RETRY_PERIOD, true);
    }

    /** Upstream's identity for a component: the host name, an underscore and a random UUID. */
    public static String processIdentity() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "localhost";
        }
        return host + "_" + java.util.UUID.randomUUID();
    }
}
