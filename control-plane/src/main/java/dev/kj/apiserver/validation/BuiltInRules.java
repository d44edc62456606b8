package dev.kj.apiserver.validation;

import dev.kj.apiserver.validation.apps.AppsRules;
import dev.kj.apiserver.validation.batch.BatchRules;
import dev.kj.apiserver.validation.core.PodRules;
import dev.kj.apiserver.validation.core.PodTemplateRules;
import dev.kj.apiserver.validation.core.ReplicationControllerRules;
import java.util.Map;

/** Which built-in kinds (by group and kind of their storage version) have defaulting and validation of their own. */
public final class BuiltInRules {
    private BuiltInRules() {
    }

    private static final Map<String, KindRules> RULES = Map.of(
            "/Pod", new PodRules(),
            "/PodTemplate", new PodTemplateRules(),
            "/ReplicationController", new ReplicationControllerRules(),
            "apps/Deployment", AppsRules.DEPLOYMENT,
            "apps/ReplicaSet", AppsRules.REPLICA_SET,
            "apps/DaemonSet", AppsRules.DAEMON_SET,
            "apps/StatefulSet", AppsRules.STATEFUL_SET,
            "batch/Job", BatchRules.JOB,
            "batch/CronJob", BatchRules.CRON_JOB);

    /** The kind's rules, {@link KindRules#NONE} for kinds with only the generic metadata checks. */
    public static KindRules forKind(String group, String kind) {
        return RULES.getOrDefault(group + "/" + kind, KindRules.NONE);
    }
}
