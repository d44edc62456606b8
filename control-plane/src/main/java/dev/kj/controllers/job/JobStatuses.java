package dev.kj.controllers.job;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;

/** A Job's conditions and clock-related facts, with upstream's condition types. */
final class JobStatuses {
    private JobStatuses() {
    }

    static final String COMPLETE = "Complete";
    static final String FAILED = "Failed";
    static final String SUSPENDED = "Suspended";
    static final String FAILURE_TARGET = "FailureTarget";
    static final String SUCCESS_CRITERIA_MET = "SuccessCriteriaMet";
    /** The spec.managedBy value meaning "this controller" (as leaving it unset does). */
    static final String MANAGED_BY_DEFAULT = "kubernetes.io/job-controller";

    /** metav1.Time: RFC 3339 at whole seconds. */
    static String now(Clock clock) {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    static JobCondition condition(String type, String reason, String message, Clock clock) {
        String now = now(clock);
        JobCondition condition = new JobCondition();
        condition.setType(type);
        condition.setStatus("True");
        condition.setReason(reason);
        condition.setMessage(message);
        condition.setLastProbeTime(now);
        condition.setLastTransitionTime(now);
        return condition;
    }

    static JobCondition find(JobStatus status, String type) {
        if (status == null || status.getConditions() == null) {
            return null;
        }
        return status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    /**
     * Sets the condition (upstream's ensureJobConditionStatus): replaced when its status, reason or
     * message differ, added unless it would be a new False one. True when anything changed.
     */
    static boolean ensure(JobStatus status, String type, String conditionStatus, String reason, String message, Clock clock) {
        if (status.getConditions() == null) {
            status.setConditions(new ArrayList<>());
        }
        JobCondition existing = find(status, type);
        JobCondition fresh = condition(type, reason, message, clock);
        fresh.setStatus(conditionStatus);
        if (existing != null) {
            if (!conditionStatus.equals(existing.getStatus()) || !java.util.Objects.equals(reason, existing.getReason())
                    || !java.util.Objects.equals(message, existing.getMessage())) {
                status.getConditions().set(status.getConditions().indexOf(existing), fresh);
                return true;
            }
            return false;
        }
        if (!"False".equals(conditionStatus)) {
            status.getConditions().add(fresh);
            return true;
        }
        return false;
    }

    /** Complete or Failed, True. */
    static boolean finished(Job job) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) {
            return false;
        }
        return job.getStatus().getConditions().stream().anyMatch(c ->
                (COMPLETE.equals(c.getType()) || FAILED.equals(c.getType())) && "True".equals(c.getStatus()));
    }

    static boolean suspended(Job job) {
        return Boolean.TRUE.equals(job.getSpec().getSuspend());
    }

    /** spec.managedBy names another controller (JobManagedBy): this one leaves the Job alone. */
    static boolean managedElsewhere(Job job) {
        String managedBy = job.getSpec().getManagedBy();
        return managedBy != null && !MANAGED_BY_DEFAULT.equals(managedBy);
    }

    static boolean pastActiveDeadline(Job job, Clock clock) {
        if (job.getSpec().getActiveDeadlineSeconds() == null || job.getStatus() == null
                || job.getStatus().getStartTime() == null || suspended(job)) {
            return false;
        }
        return untilActiveDeadline(job, clock).compareTo(Duration.ZERO) <= 0;
    }

    static Duration untilActiveDeadline(Job job, Clock clock) {
        Instant start = Instant.parse(job.getStatus().getStartTime());
        return Duration.ofSeconds(job.getSpec().getActiveDeadlineSeconds()).minus(Duration.between(start, clock.instant()));
    }
}
