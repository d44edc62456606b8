package dev.kj.controllers.job;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.controller.Controller;
import dev.kj.api.controller.Expectations;
import dev.kj.api.controller.SlowStart;
import dev.kj.api.events.EventRecorder;
import dev.kj.api.informers.EventHandler;
import dev.kj.api.informers.Registration;
import dev.kj.api.informers.SharedInformer;
import dev.kj.api.objects.Keys;
import dev.kj.api.workqueue.Ticker;
import dev.kj.api.workqueue.WorkQueue;
import dev.kj.controllers.ControllerContext;
import dev.kj.controllers.QueueController;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.UncountedTerminatedPods;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Upstream's Job controller (pkg/controller/job, v1.33): runs a Job's pods to {@code completions}
 * successes with at most {@code parallelism} at once, counts finished pods exactly once through
 * the {@code batch.kubernetes.io/job-tracking} finalizer and {@code status.uncountedTerminatedPods},
 * and ends the Job Complete or Failed (back-off limit, active deadline) — first with the interim
 * SuccessCriteriaMet / FailureTarget condition, then, once no pod is terminating, the final one.
 * Pods created after failures wait out the pod-failure back-off. Indexed Jobs give each pod its
 * completion index (annotation, label, hostname, {@code JOB_COMPLETION_INDEX}).
 */
public final class JobController extends QueueController {
    public static final String NAME = "job-controller";
    /** The kube-system service account it acts as (bound to system:controller:job-controller). */
    public static final String IDENTITY = "job-controller";

    private final ResourceClient<Job> jobsApi;
    private final SharedInformer<Job> jobs;
    private final SharedInformer<Pod> pods;
    private final JobPods jobPods;
    private final Clock clock;
    private final Expectations expectations;
    private final FinalizerExpectations finalizerExpectations = new FinalizerExpectations();
    private final PodBackoff backoff;
    private final WorkQueue<String> queue = WorkQueue.create();
    private final WorkQueue<String> orphanQueue = WorkQueue.create();
    private final Controller<String> orphanController;

    public JobController(ControllerContext context) {
        super(NAME);
        this.clock = context.clock();
        this.jobsApi = context.client().typed(Resources.JOBS, Job.class);
        this.jobs = context.informers().typed(Resources.JOBS, Job.class);
        this.pods = context.informers().typed(Resources.PODS, Pod.class);
        EventRecorder recorder = context.eventRecorder(NAME);
        this.jobPods = new JobPods(context.client().typed(Resources.PODS, Pod.class), recorder);
        this.expectations = new Expectations(Ticker.SYSTEM);
        this.backoff = new PodBackoff(clock);
        Registration onJobs = jobs.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(Job job, boolean initialList) {
                queue.add(key(job));
            }

            @Override
            public void onUpdate(Job old, Job current) {
                queue.add(key(current));
            }

            @Override
            public void onDelete(Job job, boolean finalStateUnknown) {
                queue.add(key(job));
                // its pods lose their tracking finalizer through the orphan queue
                for (Pod pod : pods.indexer().byNamespace(job.getMetadata().getNamespace())) {
                    if (JobPods.controlledBy(pod, job) && JobPods.hasTrackingFinalizer(pod)) {
                        orphanQueue.add(key(pod));
                    }
                }
            }
        });
        Registration onPods = pods.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(Pod pod, boolean initialList) {
                String jobKey = jobKeyOf(pod);
                if (jobKey != null && pod.getMetadata().getDeletionTimestamp() == null) {
                    expectations.creationObserved(jobKey);
                }
                enqueueFor(pod, jobKey);
            }

            @Override
            public void onUpdate(Pod old, Pod current) {
                String jobKey = jobKeyOf(current);
                String oldJobKey = jobKeyOf(old);
                if (oldJobKey != null && !oldJobKey.equals(jobKey)) {
                    queue.add(oldJobKey);
                }
                if (jobKey != null) {
                    if (!JobPods.hasTrackingFinalizer(current)) {
                        finalizerExpectations.removalObserved(jobKey, current.getMetadata().getUid());
                    }
                    if (current.getMetadata().getDeletionTimestamp() != null && old.getMetadata().getDeletionTimestamp() == null) {
                        expectations.deletionObserved(jobKey);
                    }
                }
                enqueueFor(current, jobKey);
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                String jobKey = jobKeyOf(pod);
                if (jobKey == null) {
                    return;
                }
                finalizerExpectations.removalObserved(jobKey, pod.getMetadata().getUid());
                if (pod.getMetadata().getDeletionTimestamp() == null || finalStateUnknown) {
                    expectations.deletionObserved(jobKey);
                }
                queue.add(jobKey);
            }
        });
        runs(queue, this::sync, 5, onJobs, onPods);
        this.orphanController = new Controller<>(NAME + "-orphan-pods", orphanQueue, this::syncOrphanPod, 1,
                List.of(onJobs::hasSynced, onPods::hasSynced));
    }

    private static String key(io.fabric8.kubernetes.api.model.HasMetadata object) {
        return Keys.of(object.getMetadata().getNamespace(), object.getMetadata().getName());
    }

    /** The key of the Job that controls the pod (a batch/v1 Job controllerRef), or null. */
    private static String jobKeyOf(Pod pod) {
        OwnerReference ref = JobPods.controllerRef(pod);
        return ref == null ? null : Keys.of(pod.getMetadata().getNamespace(), ref.getName());
    }

    /** A pod whose Job is gone or finished has its finalizer removed; others wake their Job. */
    private void enqueueFor(Pod pod, String jobKey) {
        Job job = jobKey == null ? null : jobs.indexer().get(jobKey).orElse(null);
        boolean owned = job != null && JobPods.controlledBy(pod, job);
        if (owned) {
            queue.add(jobKey);
        }
        if (JobPods.hasTrackingFinalizer(pod) && (!owned || JobStatuses.finished(job))) {
            orphanQueue.add(key(pod));
        }
    }

    /** Removes the tracking finalizer of a pod no unfinished Job controls (upstream's syncOrphanPod). */
    private void syncOrphanPod(String podKey) {
        Pod pod = pods.indexer().get(podKey).orElse(null);
        if (pod == null || !JobPods.hasTrackingFinalizer(pod)) {
            return;
        }
        OwnerReference ref = pod.getMetadata().getOwnerReferences() == null ? null
                : pod.getMetadata().getOwnerReferences().stream().filter(r -> Boolean.TRUE.equals(r.getController()))
                        .findFirst().orElse(null);
        if (ref != null) {
            if (!"Job".equals(ref.getKind()) || !"batch/v1".equals(ref.getApiVersion())) {
                return; // another kind of owner put it there
            }
            Job job = jobs.indexer().get(pod.getMetadata().getNamespace(), ref.getName())
                    .filter(j -> j.getMetadata().getUid().equals(ref.getUid())).orElse(null);
            if (job != null && (JobStatuses.managedElsewhere(job) || !JobStatuses.finished(job))) {
                return;
            }
        }
        jobPods.removeTrackingFinalizer(pod);
    }

    /** What one sync works out before it writes (upstream's syncJobCtx). */
    private static final class SyncContext {
        Job job;
        List<Pod> pods;
        List<Pod> activePods;
        int ready;
        int terminating;
        int succeeded;
        int failed;
        Set<String> uncountedSucceeded;
        Set<String> uncountedFailed;
        Set<String> expectedRemovals;
        OrderedIntervals prevSucceededIndexes = OrderedIntervals.EMPTY;
        OrderedIntervals succeededIndexes = OrderedIntervals.EMPTY;
        JobCondition finishedCondition;
        PodBackoff.Record backoffRecord;
    }

    void sync(String key) throws Exception {
        Job shared = jobs.indexer().get(key).orElse(null);
        if (shared == null) {
            expectations.deleteExpectations(key);
            finalizerExpectations.forget(key);
            backoff.remove(key);
            return;
        }
        if (JobStatuses.managedElsewhere(shared)) {
            return;
        }
        Job job = new JobBuilder(shared).build();
        if (JobStatuses.finished(job)) {
            backoff.remove(key);
            for (Pod pod : podsOf(job)) {
                if (JobPods.hasTrackingFinalizer(pod)) {
                    orphanQueue.add(key(pod));
                }
            }
            return;
        }
        String mode = job.getSpec().getCompletionMode();
        if (mode != null && !mode.equals("NonIndexed") && !mode.equals("Indexed")) {
            jobPods.recorder().event(JobPods.about(job), EventRecorder.WARNING, "UnknownCompletionMode",
                    "Skipped Job sync because completion mode is unknown");
            return;
        }
        if (job.getStatus() == null) {
            job.setStatus(new JobStatus());
        }
        JobStatus status = job.getStatus();
        if (status.getUncountedTerminatedPods() == null) {
            status.setUncountedTerminatedPods(new UncountedTerminatedPods());
        }
        // checked before the pods are read, so a pod that arrives meanwhile only defers the sync
        boolean satisfied = expectations.satisfied(key);

        SyncContext ctx = new SyncContext();
        ctx.job = job;
        ctx.pods = podsOf(job);
        ctx.activePods = ctx.pods.stream().filter(JobPods::isActive).toList();
        ctx.ready = (int) ctx.activePods.stream().filter(JobPods::isReady).count();
        ctx.terminating = (int) ctx.pods.stream().filter(JobPods::isTerminating).count();
        ctx.uncountedSucceeded = new HashSet<>(nonNull(status.getUncountedTerminatedPods().getSucceeded()));
        ctx.uncountedFailed = new HashSet<>(nonNull(status.getUncountedTerminatedPods().getFailed()));
        ctx.expectedRemovals = finalizerExpectations.expected(key);
        int active = ctx.activePods.size();
        List<Pod> newSucceeded = newlyFinished(ctx, ctx.uncountedSucceeded, p -> "Succeeded".equals(JobPods.phase(p)));
        List<Pod> newFailed = newlyFinished(ctx, ctx.uncountedFailed, p -> JobPods.isFailed(p, job));
        ctx.succeeded = intOf(status.getSucceeded()) + newSucceeded.size() + ctx.uncountedSucceeded.size();
        int countedNewFailures = (int) newFailed.stream().filter(p -> PodFailurePolicies.match(job, p).countFailed()).count();
        ctx.failed = intOf(status.getFailed()) + countedNewFailures + ctx.uncountedFailed.size();

        if (status.getStartTime() == null && !JobStatuses.suspended(job)) {
            status.setStartTime(JobStatuses.now(clock));
        }
        ctx.backoffRecord = backoff.next(key, newSucceeded, newFailed);

        Exception manageError = null;
        ctx.finishedCondition = JobStatuses.find(status, JobStatuses.SUCCESS_CRITERIA_MET);
        if (ctx.finishedCondition != null && !"True".equals(ctx.finishedCondition.getStatus())) {
            ctx.finishedCondition = null;
        }
        if (ctx.finishedCondition == null) {
            JobCondition target = JobStatuses.find(status, JobStatuses.FAILURE_TARGET);
            if (target != null && "True".equals(target.getStatus())) {
                ctx.finishedCondition = JobStatuses.condition(JobStatuses.FAILED, target.getReason(), target.getMessage(), clock);
            } else {
                String failJob = ctx.pods.stream().filter(p -> JobPods.isFailed(p, job))
                        .map(p -> PodFailurePolicies.match(job, p).failJobMessage()).filter(java.util.Objects::nonNull)
                        .findFirst().orElse(null);
                if (failJob != null) {
                    // recorded before the finalizers go, so the reason outlives the pods
                    ctx.finishedCondition = JobStatuses.condition(JobStatuses.FAILURE_TARGET, "PodFailurePolicy", failJob, clock);
                }
            }
        }
        if (ctx.finishedCondition == null) {
            if (ctx.failed > intOf(job.getSpec().getBackoffLimit()) || pastBackoffLimitOnFailure(job, ctx.pods)) {
                ctx.finishedCondition = JobStatuses.condition(JobStatuses.FAILURE_TARGET, "BackoffLimitExceeded",
                        "Job has reached the specified backoff limit", clock);
            } else if (JobStatuses.pastActiveDeadline(job, clock)) {
                ctx.finishedCondition = JobStatuses.condition(JobStatuses.FAILURE_TARGET, "DeadlineExceeded",
                        "Job was active longer than specified deadline", clock);
            } else if (job.getSpec().getActiveDeadlineSeconds() != null && !JobStatuses.suspended(job)) {
                queue.addAfter(key, JobStatuses.untilActiveDeadline(job, clock));
            }
        }
        if (JobPods.indexed(job)) {
            int completions = job.getSpec().getCompletions();
            ctx.prevSucceededIndexes = OrderedIntervals.parse(status.getCompletedIndexes(), completions);
            List<Integer> fresh = new ArrayList<>();
            for (Pod pod : ctx.pods) {
                int index = JobPods.completionIndex(pod);
                if ("Succeeded".equals(JobPods.phase(pod)) && index >= 0 && index < completions
                        && JobPods.hasTrackingFinalizer(pod)) {
                    fresh.add(index);
                }
            }
            ctx.succeededIndexes = ctx.prevSucceededIndexes.with(fresh);
            ctx.succeeded = ctx.succeededIndexes.total();
            if (ctx.finishedCondition == null) {
                String met = SuccessPolicies.match(job, ctx.succeededIndexes);
                if (met != null) {
                    ctx.finishedCondition = JobStatuses.condition(JobStatuses.SUCCESS_CRITERIA_MET, "SuccessPolicy", met, clock);
                }
            }
        }

        boolean suspendChanged = false;
        if (ctx.finishedCondition != null) {
            JobPods.Deleted deleted = jobPods.deleteActive(job, ctx.activePods);
            if (deleted.count() != active || !satisfied) {
                ctx.finishedCondition = null; // pods may still carry finalizers or not be in the cache yet
            }
            active -= deleted.count();
            ctx.terminating += deleted.count();
            ctx.ready -= deleted.ready();
            manageError = deleted.error();
        } else {
            boolean managed = false;
            if (satisfied && job.getMetadata().getDeletionTimestamp() == null) {
                try {
                    active = manageJob(key, job, ctx);
                } catch (ManageException e) {
                    active = e.active;
                    manageError = e.cause;
                }
                managed = true;
            }
            Integer completions = job.getSpec().getCompletions();
            boolean complete = completions == null ? ctx.succeeded > 0 && active == 0
                    : ctx.succeeded >= completions && active == 0;
            if (complete) {
                ctx.finishedCondition = JobStatuses.condition(JobStatuses.SUCCESS_CRITERIA_MET, "CompletionsReached",
                        "Reached expected number of succeeded pods", clock);
            } else if (managed) {
                if (JobStatuses.suspended(job)) {
                    if (JobStatuses.ensure(status, JobStatuses.SUSPENDED, "True", "JobSuspended", "Job suspended", clock)) {
                        suspendChanged = true;
                        jobPods.recorder().event(JobPods.about(job), EventRecorder.NORMAL, "Suspended", "Job suspended");
                    }
                } else if (JobStatuses.ensure(status, JobStatuses.SUSPENDED, "False", "JobResumed", "Job resumed", clock)) {
                    suspendChanged = true;
                    jobPods.recorder().event(JobPods.about(job), EventRecorder.NORMAL, "Resumed", "Job resumed");
                    // the deadline counts the time a Job is continuously active
                    status.setStartTime(JobStatuses.now(clock));
                }
            }
        }

        boolean needsUpdate = suspendChanged || active != intOf(status.getActive())
                || status.getReady() == null || ctx.ready != status.getReady()
                || status.getTerminating() == null || ctx.terminating != status.getTerminating();
        status.setActive(active);
        status.setReady(ctx.ready);
        status.setTerminating(ctx.terminating);
        new StatusTracker(key, ctx).track(needsUpdate);
        if (manageError != null) {
            throw manageError;
        }
    }

    /** Carries manageJob's active count past a failure, as upstream returns both. */
    private static final class ManageException extends Exception {
        final int active;
        final Exception cause;

        ManageException(int active, Exception cause) {
            super(cause.getMessage(), cause, false, false);
            this.active = active;
            this.cause = cause;
        }
    }

    /** Creates or deletes pods toward the wanted number of active ones; returns the new active count. */
    private int manageJob(String key, Job job, SyncContext ctx) throws ManageException {
        int active = ctx.activePods.size();
        int parallelism = intOf(job.getSpec().getParallelism());
        if (JobStatuses.suspended(job)) {
            List<Pod> remove = JobPods.activeForRemoval(job, ctx.activePods, active);
            return deleteJobPods(key, job, ctx, active, remove);
        }
        int wantActive;
        Integer completions = job.getSpec().getCompletions();
        if (completions == null) {
            // any success ends such a Job: what runs keeps running, nothing new starts
            wantActive = ctx.succeeded > 0 ? active : parallelism;
        } else {
            wantActive = Math.max(0, Math.min(completions - ctx.succeeded, parallelism));
        }
        List<Pod> remove = JobPods.activeForRemoval(job, ctx.activePods, Math.max(0, active - wantActive));
        if (remove.size() > JobPods.MAX_CREATE_DELETE_PER_SYNC) {
            remove = remove.subList(0, JobPods.MAX_CREATE_DELETE_PER_SYNC);
        }
        if (!remove.isEmpty()) {
            return deleteJobPods(key, job, ctx, active, remove);
        }
        int terminating = JobPods.onlyReplaceFailed(job) ? ctx.terminating : 0;
        int diff = wantActive - terminating - active;
        if (diff <= 0) {
            return active;
        }
        Duration wait = ctx.backoffRecord.remaining(clock);
        if (!wait.isZero()) {
            queue.addAfter(key, wait);
            return active;
        }
        diff = Math.min(diff, JobPods.MAX_CREATE_DELETE_PER_SYNC);
        List<Integer> indexes = JobPods.indexed(job) ? firstPendingIndexes(ctx, diff, completions) : null;
        if (indexes != null) {
            diff = indexes.size();
        }
        if (diff == 0) {
            return active;
        }
        expectations.expectCreations(key, diff);
        AtomicInteger next = new AtomicInteger();
        List<Exception> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<Integer> toCreate = indexes;
        int created = SlowStart.run(diff, 1, () -> {
            int index = toCreate == null ? -1 : toCreate.get(next.getAndIncrement());
            try {
                jobPods.create(job, index);
            } catch (ApiException e) {
                if (JobPods.namespaceTerminating(e)) {
                    return; // every later create would fail the same way
                }
                failures.add(e);
                throw e;
            }
        });
        for (int i = created; i < diff; i++) {
            expectations.creationObserved(key); // never made or failed: the cache will not show them
        }
        active += created;
        if (!failures.isEmpty()) {
            throw new ManageException(active, failures.getFirst());
        }
        return active;
    }

    private int deleteJobPods(String key, Job job, SyncContext ctx, int active, List<Pod> remove) throws ManageException {
        if (remove.isEmpty()) {
            return active;
        }
        expectations.expectDeletions(key, remove.size());
        JobPods.Deleted deleted = jobPods.deleteWithoutFinalizer(job, remove, () -> expectations.deletionObserved(key));
        ctx.terminating += deleted.count();
        ctx.ready -= deleted.ready();
        active -= deleted.count();
        if (deleted.error() != null) {
            throw new ManageException(active, deleted.error());
        }
        return active;
    }

    /** The lowest indexes neither succeeded nor held by an active pod. */
    private static List<Integer> firstPendingIndexes(SyncContext ctx, int count, int completions) {
        Set<Integer> held = new HashSet<>();
        for (Pod pod : ctx.activePods) {
            held.add(JobPods.completionIndex(pod));
        }
        List<Integer> result = new ArrayList<>();
        for (int i = 0; i < completions && result.size() < count; i++) {
            if (!ctx.succeededIndexes.has(i) && !held.contains(i)) {
                result.add(i);
            }
        }
        return result;
    }

    /**
     * Writes what the sync found, in upstream's order: finished pods into uncountedTerminatedPods
     * (and the interim condition), their finalizers removed, then the counters, then the final
     * condition once nothing is left uncounted or terminating.
     */
    private final class StatusTracker {
        private final String key;
        private final SyncContext ctx;

        StatusTracker(String key, SyncContext ctx) {
            this.key = key;
            this.ctx = ctx;
        }

        void track(boolean needsFlush) throws Exception {
            Job job = ctx.job;
            boolean indexed = JobPods.indexed(job);
            List<Pod> ordered = new ArrayList<>(ctx.pods);
            if (indexed) {
                ordered.sort(java.util.Comparator.comparingInt(JobPods::completionIndex));
            }
            Set<String> withFinalizer = new HashSet<>();
            for (Pod pod : ordered) {
                if (JobPods.hasTrackingFinalizer(pod) && !ctx.expectedRemovals.contains(pod.getMetadata().getUid())) {
                    withFinalizer.add(pod.getMetadata().getUid());
                }
            }
            if (countUncountedWithoutFinalizers(job.getStatus(), withFinalizer)) {
                needsFlush = true;
            }
            UncountedTerminatedPods uncounted = job.getStatus().getUncountedTerminatedPods();
            List<Pod> removeFinalizer = new ArrayList<>();
            List<Integer> newSucceededIndexes = new ArrayList<>();
            boolean reachedMax = false;
            Integer completions = job.getSpec().getCompletions();
            for (Pod pod : ordered) {
                String uid = pod.getMetadata().getUid();
                if (!JobPods.hasTrackingFinalizer(pod) || ctx.expectedRemovals.contains(uid)) {
                    continue; // counted by an earlier sync
                }
                boolean failed = JobPods.isFailed(pod, job);
                boolean succeeded = "Succeeded".equals(JobPods.phase(pod));
                if (!(job.getMetadata().getDeletionTimestamp() != null || ctx.finishedCondition != null || succeeded || failed)) {
                    continue;
                }
                removeFinalizer.add(pod);
                int index = JobPods.completionIndex(pod);
                if (succeeded && !ctx.uncountedFailed.contains(uid)) {
                    if (indexed) {
                        if (index >= 0 && index < completions && !ctx.prevSucceededIndexes.has(index)) {
                            newSucceededIndexes.add(index);
                            needsFlush = true;
                        }
                    } else if (!ctx.uncountedSucceeded.contains(uid)) {
                        needsFlush = true;
                        uncounted.setSucceeded(append(uncounted.getSucceeded(), uid));
                    }
                } else if (failed || ctx.finishedCondition != null
                        && !JobStatuses.SUCCESS_CRITERIA_MET.equals(ctx.finishedCondition.getType())) {
                    // once the Job is finished, every pod not succeeded counts as failed
                    if (!ctx.uncountedFailed.contains(uid) && (!indexed || index >= 0 && index < completions)
                            && PodFailurePolicies.match(job, pod).countFailed()) {
                        needsFlush = true;
                        uncounted.setFailed(append(uncounted.getFailed(), uid));
                    }
                }
                if (newSucceededIndexes.size() + nonNull(uncounted.getSucceeded()).size()
                        + nonNull(uncounted.getFailed()).size() >= JobPods.MAX_UNCOUNTED_PODS) {
                    reachedMax = true; // keeps the status small; the writes below bring the Job back
                    break;
                }
            }
            if (indexed) {
                ctx.succeededIndexes = ctx.succeededIndexes.with(newSucceededIndexes);
                String text = ctx.succeededIndexes.toString();
                if (!text.equals(nullToEmpty(job.getStatus().getCompletedIndexes()))) {
                    needsFlush = true;
                }
                job.getStatus().setSucceeded(ctx.succeededIndexes.total());
                job.getStatus().setCompletedIndexes(text);
            }
            JobCondition finished = ctx.finishedCondition;
            if (finished != null && JobStatuses.FAILURE_TARGET.equals(finished.getType())) {
                addCondition(job.getStatus(), finished);
                needsFlush = true;
                finished = JobStatuses.condition(JobStatuses.FAILED, finished.getReason(), finished.getMessage(), clock);
            }
            if (finished != null && JobStatuses.SUCCESS_CRITERIA_MET.equals(finished.getType())) {
                if (JobStatuses.find(job.getStatus(), JobStatuses.SUCCESS_CRITERIA_MET) == null) {
                    addCondition(job.getStatus(), finished);
                    needsFlush = true;
                }
                finished = JobStatuses.condition(JobStatuses.COMPLETE, finished.getReason(), finished.getMessage(), clock);
            }
            ctx.finishedCondition = finished;

            // 1. flush the uncounted pods (and the interim condition)
            if (needsFlush) {
                ctx.job = jobsApi.updateStatus(ctx.job);
                backoff.save(ctx.backoffRecord);
                needsFlush = false;
            }
            // 2. remove the finalizers
            Exception removalError = null;
            if (!removeFinalizer.isEmpty()) {
                finalizerExpectations.expectRemovals(key, removeFinalizer.stream().map(p -> p.getMetadata().getUid()).toList());
                for (Pod pod : removeFinalizer) {
                    try {
                        jobPods.removeTrackingFinalizer(pod);
                        withFinalizer.remove(pod.getMetadata().getUid());
                    } catch (ApiException e) {
                        finalizerExpectations.removalObserved(key, pod.getMetadata().getUid());
                        if (e.isNotFound()) {
                            withFinalizer.remove(pod.getMetadata().getUid());
                        } else if (removalError == null) {
                            removalError = e;
                        }
                    }
                }
            }
            // 3. count the pods whose finalizers are gone
            if (countUncountedWithoutFinalizers(ctx.job.getStatus(), withFinalizer)) {
                needsFlush = true;
            }
            if (removalError != null) {
                if (needsFlush) {
                    jobsApi.updateStatus(ctx.job);
                }
                throw removalError;
            }
            // 4. the final condition
            boolean jobFinished = !reachedMax && enactFinished(ctx.job, finished);
            if (jobFinished) {
                needsFlush = true;
            }
            if (needsFlush) {
                ctx.job = jobsApi.updateStatus(ctx.job);
                if (jobFinished) {
                    recordFinished(ctx.job, finished);
                }
            }
        }

        private boolean enactFinished(Job job, JobCondition finished) {
            if (finished == null) {
                return false;
            }
            UncountedTerminatedPods uncounted = job.getStatus().getUncountedTerminatedPods();
            if (!nonNull(uncounted.getSucceeded()).isEmpty() || !nonNull(uncounted.getFailed()).isEmpty()) {
                return false;
            }
            if (ctx.terminating > 0) {
                return false; // the final condition waits for the pods to be gone (JobPodReplacementPolicy)
            }
            JobStatuses.ensure(job.getStatus(), finished.getType(), "True", finished.getReason(), finished.getMessage(), clock);
            if (JobStatuses.COMPLETE.equals(finished.getType())) {
                job.getStatus().setCompletionTime(JobStatuses.find(job.getStatus(), JobStatuses.COMPLETE).getLastTransitionTime());
            }
            return true;
        }

        private void recordFinished(Job job, JobCondition finished) {
            EventRecorder recorder = jobPods.recorder();
            if (JobStatuses.COMPLETE.equals(finished.getType())) {
                Integer completions = job.getSpec().getCompletions();
                if (completions != null && intOf(job.getStatus().getSucceeded()) > completions) {
                    recorder.event(JobPods.about(job), EventRecorder.WARNING, "TooManySucceededPods",
                            "Too many succeeded pods running after completion count reached");
                }
                recorder.event(JobPods.about(job), EventRecorder.NORMAL, "Completed", "Job completed");
            } else {
                recorder.event(JobPods.about(job), EventRecorder.WARNING, finished.getReason(), finished.getMessage());
            }
        }
    }

    private static void addCondition(JobStatus status, JobCondition condition) {
        List<JobCondition> conditions = new ArrayList<>(nonNull(status.getConditions()));
        conditions.add(condition);
        status.setConditions(conditions);
    }

    /** Moves uncounted pods whose finalizer is gone into the counters; true when anything moved. */
    private static boolean countUncountedWithoutFinalizers(JobStatus status, Set<String> withFinalizer) {
        UncountedTerminatedPods uncounted = status.getUncountedTerminatedPods();
        boolean updated = false;
        List<String> succeeded = nonNull(uncounted.getSucceeded()).stream().filter(withFinalizer::contains).toList();
        if (succeeded.size() != nonNull(uncounted.getSucceeded()).size()) {
            updated = true;
            status.setSucceeded(intOf(status.getSucceeded()) + nonNull(uncounted.getSucceeded()).size() - succeeded.size());
            uncounted.setSucceeded(new ArrayList<>(succeeded));
        }
        List<String> failed = nonNull(uncounted.getFailed()).stream().filter(withFinalizer::contains).toList();
        if (failed.size() != nonNull(uncounted.getFailed()).size()) {
            updated = true;
            status.setFailed(intOf(status.getFailed()) + nonNull(uncounted.getFailed()).size() - failed.size());
            uncounted.setFailed(new ArrayList<>(failed));
        }
        return updated;
    }

    /** Pods that finished and are not counted yet: they still carry the finalizer and are not uncounted. */
    private static List<Pod> newlyFinished(SyncContext ctx, Set<String> uncounted, java.util.function.Predicate<Pod> filter) {
        List<Pod> result = new ArrayList<>();
        for (Pod pod : ctx.pods) {
            String uid = pod.getMetadata().getUid();
            if (!JobPods.hasTrackingFinalizer(pod) || uncounted.contains(uid) || ctx.expectedRemovals.contains(uid)) {
                continue;
            }
            if (JobPods.indexed(ctx.job)) {
                int index = JobPods.completionIndex(pod);
                if (index < 0 || index >= ctx.job.getSpec().getCompletions()) {
                    continue;
                }
            }
            if (filter.test(pod)) {
                result.add(pod);
            }
        }
        return result;
    }

    /** For restartPolicy OnFailure: the running pods' restarts have used up the back-off limit. */
    private static boolean pastBackoffLimitOnFailure(Job job, List<Pod> pods) {
        if (!"OnFailure".equals(job.getSpec().getTemplate().getSpec().getRestartPolicy())) {
            return false;
        }
        int restarts = 0;
        for (Pod pod : pods) {
            String phase = JobPods.phase(pod);
            if (("Running".equals(phase) || "Pending".equals(phase)) && pod.getStatus() != null) {
                restarts += nonNull(pod.getStatus().getInitContainerStatuses()).stream().mapToInt(s -> intOf(s.getRestartCount())).sum();
                restarts += nonNull(pod.getStatus().getContainerStatuses()).stream().mapToInt(s -> intOf(s.getRestartCount())).sum();
            }
        }
        int limit = intOf(job.getSpec().getBackoffLimit());
        return limit == 0 ? restarts > 0 : restarts >= limit;
    }

    private List<Pod> podsOf(Job job) {
        return pods.indexer().byNamespace(job.getMetadata().getNamespace()).stream()
                .filter(pod -> JobPods.controlledBy(pod, job)).toList();
    }

    private static List<String> append(List<String> list, String value) {
        List<String> result = new ArrayList<>(nonNull(list));
        result.add(value);
        return result;
    }

    static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }

    static int intOf(Integer value) {
        return value == null ? 0 : value;
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }

    @Override
    public void run() throws InterruptedException {
        Thread orphans = Thread.ofVirtual().name(NAME + "-orphans").start(() -> {
            try {
                orphanController.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        super.run();
        orphans.join();
    }

    @Override
    public void close() {
        super.close();
        orphanController.close();
    }
}
