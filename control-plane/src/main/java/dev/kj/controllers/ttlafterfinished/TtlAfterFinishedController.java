package dev.kj.controllers.ttlafterfinished;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.controller.Controller;
import dev.kj.api.controller.Requeue;
import dev.kj.api.informers.EventHandler;
import dev.kj.api.informers.Registration;
import dev.kj.api.informers.SharedInformer;
import dev.kj.api.objects.Keys;
import dev.kj.api.workqueue.WorkQueue;
import dev.kj.controllers.ControllerContext;
import dev.kj.controllers.ManagedController;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Upstream's TTL-after-finished controller (pkg/controller/ttlafterfinished): a finished Job with
 * {@code ttlSecondsAfterFinished} is deleted, with its pods (Foreground), that many seconds after
 * its Complete or Failed condition turned True. Before deleting, the Job is read afresh from the
 * API server, so a TTL a user has just changed or removed is respected.
 */
public final class TtlAfterFinishedController implements ManagedController {
    public static final String NAME = "ttl-after-finished-controller";
    public static final String IDENTITY = "ttl-after-finished-controller";

    private final ResourceClient<Job> jobsApi;
    private final SharedInformer<Job> jobs;
    private final Clock clock;
    private final Registration registration;
    private final Controller<String> controller;

    public TtlAfterFinishedController(ControllerContext context) {
        this.jobsApi = context.client().typed(Resources.JOBS, Job.class);
        this.jobs = context.informers().typed(Resources.JOBS, Job.class);
        this.clock = context.clock();
        WorkQueue<String> queue = WorkQueue.create();
        this.registration = jobs.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(Job job, boolean initialList) {
                enqueue(job);
            }

            @Override
            public void onUpdate(Job old, Job current) {
                enqueue(current);
            }

            private void enqueue(Job job) {
                if (job.getMetadata().getDeletionTimestamp() == null && needsCleanup(job)) {
                    queue.add(Keys.of(job.getMetadata().getNamespace(), job.getMetadata().getName()));
                }
            }
        });
        this.controller = new Controller<>(NAME, queue, this::sync, 5, List.of(registration::hasSynced));
    }

    static boolean needsCleanup(Job job) {
        return job.getSpec().getTtlSecondsAfterFinished() != null && finishedAt(job) != null;
    }

    /** When the Job's Complete or Failed condition turned True, or null while it runs. */
    static Instant finishedAt(Job job) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) {
            return null;
        }
        for (JobCondition condition : job.getStatus().getConditions()) {
            if (("Complete".equals(condition.getType()) || "Failed".equals(condition.getType()))
                    && "True".equals(condition.getStatus()) && condition.getLastTransitionTime() != null) {
                return Instant.parse(condition.getLastTransitionTime());
            }
        }
        return null;
    }

    /** Time left before the Job expires; zero or negative once it has. */
    private Duration timeLeft(Job job) {
        Instant expireAt = finishedAt(job).plusSeconds(job.getSpec().getTtlSecondsAfterFinished());
        return Duration.between(clock.instant(), expireAt);
    }

    private void sync(String key) throws Requeue {
        Job job = jobs.indexer().get(key).orElse(null);
        if (job == null || !expired(job)) {
            return;
        }
        Job fresh;
        try {
            fresh = jobsApi.get(Keys.namespace(key), Keys.name(key));
        } catch (ApiException e) {
            if (e.isNotFound()) {
                return;
            }
            throw e;
        }
        if (fresh.getMetadata().getDeletionTimestamp() != null || !expired(fresh)) {
            return;
        }
        try {
            jobsApi.delete(Keys.namespace(key), Keys.name(key), DeleteOptions.NONE
                    .withPropagationPolicy(DeleteOptions.PropagationPolicy.Foreground)
                    .withPreconditions(fresh.getMetadata().getUid(), null));
        } catch (ApiException e) {
            if (!e.isNotFound()) {
                throw e;
            }
        }
    }

    /** True once expired; otherwise comes back when it will be. */
    private boolean expired(Job job) throws Requeue {
        if (!needsCleanup(job)) {
            return false;
        }
        Duration left = timeLeft(job);
        if (left.compareTo(Duration.ZERO) > 0) {
            throw Requeue.after(left, "expires in " + left);
        }
        return true;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void run() throws InterruptedException {
        controller.run();
    }

    @Override
    public void close() {
        controller.close();
        registration.remove();
    }
}
