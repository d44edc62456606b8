package dev.kj.controllers.cronjob;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.events.EventRecorder;
import dev.kj.api.informers.EventHandler;
import dev.kj.api.informers.Registration;
import dev.kj.api.informers.SharedInformer;
import dev.kj.api.objects.Json;
import dev.kj.api.objects.Keys;
import dev.kj.api.workqueue.RateLimiter;
import dev.kj.api.workqueue.Ticker;
import dev.kj.api.workqueue.WorkQueue;
import dev.kj.controllers.ControllerContext;
import dev.kj.controllers.QueueController;
import dev.kj.controllers.controllerref.ControllerRefs;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Upstream's CronJob controller (pkg/controller/cronjob, the v2 controller): each CronJob is synced
 * when it or one of its Jobs changes and again just after its next scheduled time (the work queue's
 * delay, never a poll). A sync records finished Jobs (SawCompletedJob, lastSuccessfulTime), drops
 * vanished ones from status.active, deletes finished Jobs beyond the history limits, and, when a
 * scheduled time has come and is within startingDeadlineSeconds, applies the concurrency policy and
 * creates the Job {@code <cronjob>-<scheduled minutes since the epoch>}, whose name makes a second
 * creation for the same time fail rather than run twice. "Now" is the context's clock, so tests
 * move time instead of waiting for it.
 */
public final class CronJobController extends QueueController {
    public static final String NAME = "cronjob-controller";
    /** The service account whose credentials it uses, and the source of its events. */
    public static final String IDENTITY = "cronjob-controller";
    static final String SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp";
    private static final int WORKERS = 5; // --concurrent-cron-job-syncs
    /** Upstream's nextScheduleDelta: requeues land this long after the scheduled time, against clock skew. */
    private static final Duration NEXT_SCHEDULE_DELTA = Duration.ofMillis(100);
    private static final DateTimeFormatter RFC1123Z = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z",
            java.util.Locale.ROOT);

    private final ResourceClient<CronJob> cronJobsApi;
    private final ResourceClient<Job> jobsApi;
    private final SharedInformer<CronJob> cronJobs;
    private final SharedInformer<Job> jobs;
    private final EventRecorder events;
    private final Clock clock;
    private final WorkQueue<String> queue;

    public CronJobController(ControllerContext context) {
        this(context, Ticker.SYSTEM);
    }

    /** @param ticker the queue's time, which must move with the context's clock (a test moves both) */
    public CronJobController(ControllerContext context, Ticker ticker) {
        super(NAME);
        this.cronJobsApi = context.client().typed(Resources.CRON_JOBS, CronJob.class);
        this.jobsApi = context.client().typed(Resources.JOBS, Job.class);
        this.cronJobs = context.informers().typed(Resources.CRON_JOBS, CronJob.class);
        this.jobs = context.informers().typed(Resources.JOBS, Job.class);
        this.events = context.eventRecorder(IDENTITY);
        this.clock = context.clock();
        this.queue = new WorkQueue<>(RateLimiter.defaultControllerRateLimiter(Ticker.SYSTEM), ticker);
        Registration onJobs = jobs.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(Job job, boolean initialList) {
                enqueueController(job);
            }

            @Override
            public void onUpdate(Job old, Job current) {
                if (!Objects.equals(ControllerRefs.of(old), ControllerRefs.of(current))) {
                    enqueueController(old);
                }
                enqueueController(current);
            }

            @Override
            public void onDelete(Job job, boolean finalStateUnknown) {
                enqueueController(job);
            }
        });
        Registration onCronJobs = cronJobs.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(CronJob cronJob, boolean initialList) {
                queue.add(key(cronJob));
            }

            @Override
            public void onUpdate(CronJob old, CronJob current) {
                boolean scheduleChanged = !Objects.equals(old.getSpec().getSchedule(), current.getSpec().getSchedule())
                        || !Objects.equals(old.getSpec().getTimeZone(), current.getSpec().getTimeZone());
                if (scheduleChanged) {
                    // an earlier time than the one already queued wins in the queue; a later one makes that sync a no-op
                    parse(current).ifPresent(schedule -> queue.addAfter(key(current),
                            nextScheduleTimeDuration(current, clock.instant(), schedule)));
                    return;
                }
                queue.add(key(current));
            }

            @Override
            public void onDelete(CronJob cronJob, boolean finalStateUnknown) {
                queue.add(key(cronJob));
            }
        });
        runs(queue, this::sync, WORKERS, onCronJobs, onJobs);
    }

    private static String key(CronJob cronJob) {
        return Keys.of(cronJob.getMetadata().getNamespace(), cronJob.getMetadata().getName());
    }

    private void enqueueController(Job job) {
        ControllerRefs.of(job).filter(ref -> "CronJob".equals(ref.getKind()))
                .flatMap(ref -> cronJobs.indexer().get(job.getMetadata().getNamespace(), ref.getName())
                        .filter(cj -> Objects.equals(cj.getMetadata().getUid(), ref.getUid())))
                .ifPresent(cj -> queue.add(key(cj)));
    }

    // --- sync ---

    void sync(String key) {
        CronJob cached = cronJobs.indexer().get(key).orElse(null);
        if (cached == null) {
            return;
        }
        // the jobs whose controller is a CronJob of this name (upstream matches by name)
        List<Job> children = jobs.indexer().byNamespace(cached.getMetadata().getNamespace()).stream()
                .filter(job -> ControllerRefs.of(job).map(ref -> "CronJob".equals(ref.getKind())
                        && cached.getMetadata().getName().equals(ref.getName())).orElse(false))
                .toList();
        CronJob cronJob = Json.copy(cached, CronJob.class);
        if (cronJob.getStatus() == null) {
            cronJob.setStatus(new CronJobStatus());
        }
        boolean changed = cleanupFinishedJobs(cronJob, children);
        Outcome outcome = syncCronJob(cronJob, children);
        if (changed || outcome.statusChanged()) {
            if (cronJob.getStatus().getActive() != null && cronJob.getStatus().getActive().isEmpty()) {
                cronJob.getStatus().setActive(null); // omitted when empty, as upstream's omitempty
            }
            cronJobsApi.updateStatus(cronJob);
        }
        if (outcome.requeueAfter() != null) {
            queue.addAfter(key, outcome.requeueAfter());
            return;
        }
        if (outcome.failure() != null) {
            throw outcome.failure();
        }
    }

    /** What one pass decided: whether the status changed, when to come back (null: only on a change), a failure. */
    private record Outcome(boolean statusChanged, Duration requeueAfter, RuntimeException failure) {
    }

    private Outcome syncCronJob(CronJob cronJob, List<Job> children) {
        Instant now = clock.instant();
        boolean changed = false;
        Set<String> childUids = new HashSet<>();
        for (Job job : children) {
            childUids.add(job.getMetadata().getUid());
            boolean found = inActiveList(cronJob, job.getMetadata().getUid());
            Optional<String> finished = finishedCondition(job);
            if (!found && finished.isEmpty()) {
                CronJob fresh;
                try {
                    fresh = cronJobsApi.get(cronJob.getMetadata().getNamespace(), cronJob.getMetadata().getName());
                } catch (ApiException e) {
                    return new Outcome(changed, null, e);
                }
                if (fresh.getStatus() != null && inActiveList(fresh, job.getMetadata().getUid())) {
                    cronJob.setStatus(fresh.getStatus());
                    cronJob.getMetadata().setResourceVersion(fresh.getMetadata().getResourceVersion());
                    continue;
                }
                events.event(involved(cronJob), EventRecorder.WARNING, "UnexpectedJob",
                        "Saw a job that the controller did not create or forgot: " + job.getMetadata().getName());
            } else if (found && finished.isPresent()) {
                removeFromActiveList(cronJob, job.getMetadata().getUid());
                events.event(involved(cronJob), EventRecorder.NORMAL, "SawCompletedJob",
                        "Saw completed job: " + job.getMetadata().getName() + ", condition: " + finished.get());
                changed = true;
            }
            if (finished.filter("Complete"::equals).isPresent() && job.getStatus().getCompletionTime() != null) {
                Instant completion = Instant.parse(job.getStatus().getCompletionTime());
                String last = cronJob.getStatus().getLastSuccessfulTime();
                if (last == null || completion.isAfter(Instant.parse(last))) {
                    cronJob.getStatus().setLastSuccessfulTime(job.getStatus().getCompletionTime());
                    changed = true;
                }
            }
        }
        // active Jobs the cache does not hold: confirm with a live read before forgetting them
        for (ObjectReference ref : List.copyOf(active(cronJob))) {
            if (childUids.contains(ref.getUid())) {
                continue;
            }
            try {
                jobsApi.get(ref.getNamespace(), ref.getName());
            } catch (ApiException e) {
                if (!e.isNotFound()) {
                    return new Outcome(changed, null, e);
                }
                events.event(involved(cronJob), EventRecorder.NORMAL, "MissingJob", "Active job went missing: " + ref.getName());
                removeFromActiveList(cronJob, ref.getUid());
                changed = true;
            }
        }
        if (cronJob.getMetadata().getDeletionTimestamp() != null) {
            return new Outcome(changed, null, null);
        }
        String timeZone = cronJob.getSpec().getTimeZone();
        if (timeZone != null) {
            try {
                ZoneId.of(timeZone);
            } catch (DateTimeException e) {
                events.event(involved(cronJob), EventRecorder.WARNING, "UnknownTimeZone",
                        "invalid timeZone: \"" + timeZone + "\": unknown time zone " + timeZone);
                return new Outcome(changed, null, null);
            }
        }
        if (Boolean.TRUE.equals(cronJob.getSpec().getSuspend())) {
            return new Outcome(changed, null, null);
        }
        Schedule schedule;
        try {
            schedule = Schedule.parse(cronJob.getSpec().getSchedule(), zone(cronJob));
        } catch (RuntimeException e) {
            events.event(involved(cronJob), EventRecorder.WARNING, "UnparseableSchedule",
                    "unparseable schedule: \"" + cronJob.getSpec().getSchedule() + "\" : " + e.getMessage());
            return new Outcome(changed, null, null);
        }
        if (cronJob.getSpec().getSchedule().contains("TZ")) {
            events.event(involved(cronJob), EventRecorder.WARNING, "UnsupportedSchedule", ("CRON_TZ or TZ used in schedule \"%s\""
                    + " is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/"
                    + " for more details").formatted(cronJob.getSpec().getSchedule()));
        }
        Instant scheduledTime;
        try {
            scheduledTime = nextScheduleTime(cronJob, now, schedule);
        } catch (IllegalStateException e) {
            events.event(involved(cronJob), EventRecorder.WARNING, "InvalidSchedule",
                    "invalid schedule: " + cronJob.getSpec().getSchedule() + " : " + e.getMessage());
            return new Outcome(changed, null, null);
        }
        Duration next = nextScheduleTimeDuration(cronJob, now, schedule);
        if (scheduledTime == null) {
            return new Outcome(changed, next, null);
        }
        Long deadline = cronJob.getSpec().getStartingDeadlineSeconds();
        if (deadline != null && scheduledTime.plusSeconds(deadline).isBefore(now)) {
            events.event(involved(cronJob), EventRecorder.WARNING, "MissSchedule",
                    "Missed scheduled time to start a job: " + RFC1123Z.format(scheduledTime.atOffset(ZoneOffset.UTC)));
            return new Outcome(changed, next, null);
        }
        String jobName = jobName(cronJob, scheduledTime);
        String lastSchedule = cronJob.getStatus().getLastScheduleTime();
        if (active(cronJob).stream().anyMatch(ref -> jobName.equals(ref.getName()))
                || lastSchedule != null && Instant.parse(lastSchedule).equals(scheduledTime)) {
            return new Outcome(changed, next, null); // this time was already processed
        }
        String policy = Objects.requireNonNullElse(cronJob.getSpec().getConcurrencyPolicy(), "Allow");
        if ("Forbid".equals(policy) && !active(cronJob).isEmpty()) {
            events.event(involved(cronJob), EventRecorder.NORMAL, "JobAlreadyActive",
                    "Not starting job because prior execution is running and concurrency policy is Forbid");
            return new Outcome(changed, next, null);
        }
        if ("Replace".equals(policy)) {
            for (ObjectReference ref : List.copyOf(active(cronJob))) {
                Job job;
                try {
                    job = jobsApi.get(ref.getNamespace(), ref.getName());
                } catch (ApiException e) {
                    events.event(involved(cronJob), EventRecorder.WARNING, "FailedGet", "Get job: " + e.getMessage());
                    return new Outcome(changed, null, e);
                }
                if (!deleteJob(cronJob, job)) {
                    return new Outcome(changed, null, new IllegalStateException("could not replace job "
                            + ref.getNamespace() + "/" + ref.getName()));
                }
                changed = true;
            }
        }
        Job created;
        try {
            created = jobsApi.create(cronJob.getMetadata().getNamespace(), jobFor(cronJob, scheduledTime, jobName));
            events.event(involved(cronJob), EventRecorder.NORMAL, "SuccessfulCreate", "Created job " + jobName);
        } catch (ApiException e) {
            if (e.causes().stream().anyMatch(c -> "NamespaceTerminating".equals(c.getReason()))) {
                return new Outcome(changed, null, e);
            }
            if (!e.isAlreadyExists()) {
                events.event(involved(cronJob), EventRecorder.WARNING, "FailedCreate", "Error creating job: " + e.getMessage());
                return new Outcome(changed, null, e);
            }
            // someone (an earlier pass whose status write was lost) made it: take it as ours
            try {
                created = jobsApi.get(cronJob.getMetadata().getNamespace(), jobName);
            } catch (ApiException again) {
                return new Outcome(changed, null, again);
            }
        }
        active(cronJob).add(new ObjectReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
                .withNamespace(created.getMetadata().getNamespace()).withName(created.getMetadata().getName())
                .withUid(created.getMetadata().getUid()).withResourceVersion(created.getMetadata().getResourceVersion()).build());
        cronJob.getStatus().setLastScheduleTime(scheduledTime.toString());
        return new Outcome(true, nextScheduleTimeDuration(cronJob, now, schedule), null);
    }

    /** Deletes finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit, those started first first. */
    private boolean cleanupFinishedJobs(CronJob cronJob, List<Job> children) {
        Integer successfulLimit = cronJob.getSpec().getSuccessfulJobsHistoryLimit();
        Integer failedLimit = cronJob.getSpec().getFailedJobsHistoryLimit();
        if (successfulLimit == null && failedLimit == null) {
            return false;
        }
        List<Job> successful = new ArrayList<>();
        List<Job> failed = new ArrayList<>();
        for (Job job : children) {
            finishedCondition(job).ifPresent(type -> ("Complete".equals(type) ? successful : failed).add(job));
        }
        boolean changed = false;
        if (successfulLimit != null) {
            changed |= removeOldestJobs(cronJob, successful, successfulLimit);
        }
        if (failedLimit != null) {
            changed |= removeOldestJobs(cronJob, failed, failedLimit);
        }
        return changed;
    }

    private boolean removeOldestJobs(CronJob cronJob, List<Job> finished, int keep) {
        int surplus = finished.size() - keep;
        if (surplus <= 0) {
            return false;
        }
        // upstream's byJobStartTime: by status.startTime, Jobs without one last, then by name
        List<Job> sorted = new ArrayList<>(finished);
        sorted.sort(Comparator.<Job, Instant>comparing(job -> job.getStatus() == null || job.getStatus().getStartTime() == null
                        ? null : Instant.parse(job.getStatus().getStartTime()), Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(job -> job.getMetadata().getName()));
        boolean changed = false;
        for (int i = 0; i < surplus; i++) {
            changed |= deleteJob(cronJob, sorted.get(i));
        }
        return changed;
    }

    /** Deletes the Job (its pods in the background) and forgets it; false when the API refused. */
    private boolean deleteJob(CronJob cronJob, Job job) {
        try {
            jobsApi.delete(job.getMetadata().getNamespace(), job.getMetadata().getName(),
                    DeleteOptions.NONE.withPropagationPolicy(DeleteOptions.PropagationPolicy.Background));
        } catch (ApiException e) {
            events.event(involved(cronJob), EventRecorder.WARNING, "FailedDelete", "Deleted job: " + e.getMessage());
            return false;
        }
        removeFromActiveList(cronJob, job.getMetadata().getUid());
        events.event(involved(cronJob), EventRecorder.NORMAL, "SuccessfulDelete", "Deleted job " + job.getMetadata().getName());
        return true;
    }

    private Optional<Schedule> parse(CronJob cronJob) {
        try {
            return Optional.of(Schedule.parse(cronJob.getSpec().getSchedule(), zone(cronJob)));
        } catch (RuntimeException e) {
            events.event(involved(cronJob), EventRecorder.WARNING, "UnParseableCronJobSchedule",
                    "unparseable schedule for cronjob: " + cronJob.getSpec().getSchedule());
            return Optional.empty();
        }
    }

    /**
     * The zone the schedule is read in: spec.timeZone, else UTC (upstream reads it in the
     * controller manager's local zone, which is UTC in its images).
     */
    private static ZoneId zone(CronJob cronJob) {
        String timeZone = cronJob.getSpec().getTimeZone();
        return timeZone == null || timeZone.isEmpty() ? ZoneOffset.UTC : ZoneId.of(timeZone);
    }

    // --- schedule arithmetic (upstream's mostRecentScheduleTime and friends) ---

    private enum Missed { NONE, FEW, MANY }

    private record Recent(Instant earliest, Instant mostRecent, Missed missed) {
    }

    /**
     * The latest scheduled time in (earliest, now], where earliest is the last schedule time (else
     * the creation time), raised to now − startingDeadlineSeconds when asked; with how many were
     * missed, counted roughly from the interval between two activations as upstream does.
     */
    static Recent mostRecentScheduleTime(CronJob cronJob, Instant now, Schedule schedule, boolean withDeadline) {
        Instant earliest = Instant.parse(cronJob.getMetadata().getCreationTimestamp());
        String last = cronJob.getStatus() == null ? null : cronJob.getStatus().getLastScheduleTime();
        if (last != null) {
            earliest = Instant.parse(last);
        }
        Long deadline = cronJob.getSpec().getStartingDeadlineSeconds();
        if (withDeadline && deadline != null) {
            Instant schedulingDeadline = now.minusSeconds(deadline);
            if (schedulingDeadline.isAfter(earliest)) {
                earliest = schedulingDeadline;
            }
        }
        Instant t1 = schedule.next(earliest);
        Instant t2 = schedule.next(t1);
        if (now.isBefore(t1)) {
            return new Recent(earliest, null, Missed.NONE);
        }
        if (now.isBefore(t2)) {
            return new Recent(earliest, t1, Missed.NONE);
        }
        long between = Math.round(Duration.between(t1, t2).toMillis() / 1000.0);
        if (between < 1) {
            throw new IllegalStateException("time difference between two schedules is less than 1 second");
        }
        long elapsed = Duration.between(t1, now).getSeconds();
        long missedCount = elapsed / between + 1;
        // step back one interval more than the estimate and let the schedule find the exact times
        Instant potentialEarliest = t1.plusSeconds((missedCount - 2) * between);
        Instant mostRecent = null;
        for (Instant t = schedule.next(potentialEarliest); !t.isAfter(now); t = schedule.next(t)) {
            mostRecent = t;
        }
        Missed missed = missedCount > 100 ? Missed.MANY : missedCount > 0 ? Missed.FEW : Missed.NONE;
        return new Recent(earliest, mostRecent, missed);
    }

    /** The scheduled time to start a Job for now, or null; warns TooManyMissedTimes past 100 missed. */
    private Instant nextScheduleTime(CronJob cronJob, Instant now, Schedule schedule) {
        Recent recent = mostRecentScheduleTime(cronJob, now, schedule, true);
        if (recent.mostRecent() == null || recent.mostRecent().isAfter(now)) {
            return null;
        }
        if (recent.missed() == Missed.MANY) {
            events.event(involved(cronJob), EventRecorder.WARNING, "TooManyMissedTimes",
                    "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
        }
        return recent.mostRecent();
    }

    /** How long until just after the next scheduled time. */
    static Duration nextScheduleTimeDuration(CronJob cronJob, Instant now, Schedule schedule) {
        Instant from;
        try {
            Recent recent = mostRecentScheduleTime(cronJob, now, schedule, false);
            from = recent.mostRecent() != null ? recent.mostRecent()
                    : recent.missed() == Missed.NONE ? recent.earliest() : now;
        } catch (IllegalStateException e) {
            from = now;
        }
        Duration delay = Duration.between(now, schedule.next(from).plus(NEXT_SCHEDULE_DELTA));
        return delay.isNegative() ? Duration.ZERO : delay;
    }

    // --- Jobs ---

    /** Upstream's getJobName: the scheduled time in minutes since the epoch, so one time makes one name. */
    static String jobName(CronJob cronJob, Instant scheduledTime) {
        return cronJob.getMetadata().getName() + "-" + Math.floorDiv(scheduledTime.getEpochSecond(), 60);
    }

    private static Job jobFor(CronJob cronJob, Instant scheduledTime, String name) {
        var template = cronJob.getSpec().getJobTemplate();
        var templateMeta = template.getMetadata();
        var labels = new LinkedHashMap<String, String>();
        var annotations = new LinkedHashMap<String, String>();
        if (templateMeta != null) {
            labels.putAll(Objects.requireNonNullElse(templateMeta.getLabels(), java.util.Map.of()));
            annotations.putAll(Objects.requireNonNullElse(templateMeta.getAnnotations(), java.util.Map.of()));
        }
        annotations.put(SCHEDULED_TIMESTAMP, DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(
                scheduledTime.atZone(zone(cronJob)).toOffsetDateTime().truncatedTo(ChronoUnit.SECONDS)));
        OwnerReference owner = ControllerRefs.to(cronJob, "batch/v1", "CronJob");
        return new JobBuilder().withNewMetadata().withName(name).withNamespace(cronJob.getMetadata().getNamespace())
                .withLabels(labels.isEmpty() ? null : labels).withAnnotations(annotations).withOwnerReferences(owner)
                .endMetadata().withSpec(Json.copy(template.getSpec(), io.fabric8.kubernetes.api.model.batch.v1.JobSpec.class))
                .build();
    }

    /** The type of the Job's Complete or Failed condition that is True, if any (upstream's FinishedCondition). */
    static Optional<String> finishedCondition(Job job) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return job.getStatus().getConditions().stream()
                .filter(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus()))
                .map(JobCondition::getType).findFirst();
    }

    private static List<ObjectReference> active(CronJob cronJob) {
        if (cronJob.getStatus().getActive() == null) {
            cronJob.getStatus().setActive(new ArrayList<>());
        }
        return cronJob.getStatus().getActive();
    }

    private static boolean inActiveList(CronJob cronJob, String uid) {
        return cronJob.getStatus().getActive() != null
                && cronJob.getStatus().getActive().stream().anyMatch(ref -> Objects.equals(uid, ref.getUid()));
    }

    private static void removeFromActiveList(CronJob cronJob, String uid) {
        if (cronJob.getStatus().getActive() != null) {
            cronJob.getStatus().getActive().removeIf(ref -> Objects.equals(uid, ref.getUid()));
        }
    }

    private static EventRecorder.InvolvedObject involved(CronJob cronJob) {
        return new EventRecorder.InvolvedObject("batch/v1", "CronJob", cronJob.getMetadata().getNamespace(),
                cronJob.getMetadata().getName(), cronJob.getMetadata().getUid());
    }
}
