package dev.kj.controllers.deployment;

import dev.kj.controllers.intstr.ScaledValues;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;

/**
 * A rolling update's bounds (upstream's ResolveFenceposts, MaxSurge, MaxUnavailable): maxSurge
 * percentages round up, maxUnavailable percentages round down; when both come to zero,
 * maxUnavailable is 1 so the rollout can proceed.
 */
record Fenceposts(int maxSurge, int maxUnavailable) {

    static Fenceposts resolve(IntOrString maxSurge, IntOrString maxUnavailable, int desired) {
        int surge = scaled(maxSurge, desired, true);
        int unavailable = scaled(maxUnavailable, desired, false);
        if (surge == 0 && unavailable == 0) {
            unavailable = 1;
        }
        return new Fenceposts(surge, unavailable);
    }

    /** intstr.GetScaledValueFromIntOrPercent; absent is 0. */
    static int scaled(IntOrString value, int total, boolean roundUp) {
        return ScaledValues.scaled(value, total, roundUp);
    }

    static boolean isRollingUpdate(Deployment d) {
        return d.getSpec().getStrategy() != null && "RollingUpdate".equals(d.getSpec().getStrategy().getType());
    }

    private static Fenceposts of(Deployment d) {
        var rolling = d.getSpec().getStrategy().getRollingUpdate();
        return resolve(rolling == null ? null : rolling.getMaxSurge(), rolling == null ? null : rolling.getMaxUnavailable(),
                replicas(d));
    }

    /** 0 unless the deployment rolls. */
    static int maxSurge(Deployment d) {
        return isRollingUpdate(d) ? of(d).maxSurge() : 0;
    }

    /** 0 unless the deployment rolls and wants replicas; never above spec.replicas. */
    static int maxUnavailable(Deployment d) {
        if (!isRollingUpdate(d) || replicas(d) == 0) {
            return 0;
        }
        return Math.min(of(d).maxUnavailable(), replicas(d));
    }

    static int replicas(Deployment d) {
        return d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    }
}
