package dev.kj.controllers.nodelifecycle;

import java.time.Duration;

/**
 * kube-controller-manager's node lifecycle flags: --node-monitor-grace-period (how long a node's
 * heartbeat may stand still before it is Unknown; 40 s) and --node-startup-grace-period (the same
 * for a node that never posted Ready; 60 s).
 */
public record NodeLifecycleSettings(Duration nodeMonitorGracePeriod, Duration nodeStartupGracePeriod) {
    public static final NodeLifecycleSettings DEFAULT = new NodeLifecycleSettings(Duration.ofSeconds(40), Duration.ofSeconds(60));

    public NodeLifecycleSettings {
        if (nodeMonitorGracePeriod.isNegative() || nodeMonitorGracePeriod.isZero()
                || nodeStartupGracePeriod.isNegative() || nodeStartupGracePeriod.isZero()) {
            throw new IllegalArgumentException("node grace periods must be positive");
        }
    }
}
