package dev.kj.controllers.job;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.SuccessPolicyRule;
import java.util.List;

/** An Indexed Job's spec.successPolicy (JobSuccessPolicy, GA in 1.33): the first rule its succeeded indexes meet. */
final class SuccessPolicies {
    private SuccessPolicies() {
    }

    /** Upstream's message for the first met rule, or null when none is met. */
    static String match(Job job, OrderedIntervals succeeded) {
        if (job.getSpec().getSuccessPolicy() == null || succeeded.intervals().isEmpty()) {
            return null;
        }
        List<SuccessPolicyRule> rules = JobController.nonNull(job.getSpec().getSuccessPolicy().getRules());
        int completions = job.getSpec().getCompletions();
        for (int i = 0; i < rules.size(); i++) {
            SuccessPolicyRule rule = rules.get(i);
            if (rule.getSucceededIndexes() != null) {
                OrderedIntervals required = OrderedIntervals.parse(rule.getSucceededIndexes(), completions);
                if (required.intervals().isEmpty()) {
                    continue; // unreadable: upstream skips the rule
                }
                int contained = overlap(required, succeeded);
                boolean met = rule.getSucceededCount() != null ? contained >= rule.getSucceededCount()
                        : contained == required.total();
                if (met) {
                    return "Matched rules at index " + i;
                }
            } else if (rule.getSucceededCount() != null && succeeded.total() >= rule.getSucceededCount()) {
                return "Matched rules at index " + i;
            }
        }
        return null;
    }

    private static int overlap(OrderedIntervals required, OrderedIntervals succeeded) {
        int count = 0;
        for (OrderedIntervals.Interval a : required.intervals()) {
            for (OrderedIntervals.Interval b : succeeded.intervals()) {
                int from = Math.max(a.first(), b.first());
                int to = Math.min(a.last(), b.last());
                if (to >= from) {
                    count += to - from + 1;
                }
            }
        }
        return count;
    }
}
