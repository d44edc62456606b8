package dev.kj.controllers.cronjob;

import static dev.kj.controllers.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.ListOptions;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.informers.InformerFactory;
import dev.kj.api.objects.Json;
import dev.kj.api.workqueue.FakeTicker;
import dev.kj.apiserver.authz.Authorization;
import dev.kj.apiserver.testing.Kubectl;
import dev.kj.apiserver.testing.TestServer;
import dev.kj.controllers.Await;
import dev.kj.controllers.ControllerContext;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cronjob-controller against a real API server (its own controller off there), with a clock
 * the test moves: each test runs a controller whose "now" and work-queue delays follow
 * {@link MovingClock}, so a schedule's minutes pass at once. Jobs are finished by writing their
 * status as the job controller would (it is off, so nothing else touches them).
 */
class CronJobControllerTest {
    @TempDir
    static Path dir;
    static TestServer server;
    static ApiClient admin;
    static Kubectl kubectl;
    static ResourceClient<CronJob> cronJobs;
    static ResourceClient<Job> jobs;

    MovingClock clock;
    ApiClient controllerClient;
    InformerFactory informers;
    CronJobController controller;
    Thread running;

    /**
     * Wall time that moves only when told, and moves the work queue's ticker with it. Each read
     * adds a nanosecond, as a real clock would have moved: events are named after the time they
     * are recorded at (upstream's name.unixnano), so a frozen clock would give two events one name.
     */
    static final class MovingClock extends Clock {
        final FakeTicker ticker = new FakeTicker();
        private final AtomicReference<Instant> now;
        private final java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();

        MovingClock(Instant start) {
            this.now = new AtomicReference<>(start);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get().plusNanos(reads.incrementAndGet());
        }

        void advanceTo(Instant to) {
            Duration by = Duration.between(instant(), to);
            now.set(to);
            ticker.advance(by);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir, List.of("*", "-cronjob-controller", "-job-controller", "-replicaset-controller",
                "-deployment-controller"));
        admin = ApiClient.fromKubeconfig(server.server().kubeconfig());
        kubectl = Kubectl.require("kubectl", server.server().kubeconfig(), dir);
        cronJobs = admin.typed(Resources.CRON_JOBS, CronJob.class);
        jobs = admin.typed(Resources.JOBS, Job.class);
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void startController() {
        clock = new MovingClock(Instant.now());
        controllerClient = new ApiClient(server.server().inProcessTransport(
                Authorization.kubeSystemServiceAccount(CronJobController.IDENTITY)));
        informers = new InformerFactory(controllerClient);
        controller = new CronJobController(new ControllerContext(controllerClient, informers, clock), clock.ticker);
        informers.start();
        running = Thread.ofVirtual().start(() -> {
            try {
                controller.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @AfterEach
    void stopController() throws InterruptedException {
        controller.close();
        running.join(Duration.ofSeconds(30));
        informers.close();
        controllerClient.close();
    }

    private static String namespace(String name) {
        admin.typed(Resources.NAMESPACES, Namespace.class).create(null,
                new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build());
        return name;
    }

    private static CronJob cronJob(String namespace, String name, String schedule, Consumer<CronJobBuilder> more) {
        CronJobBuilder builder = new CronJobBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withSchedule(schedule).withNewJobTemplate().withNewMetadata().addToLabels("team", "a").endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().withRestartPolicy("Never").addNewContainer().withName("c")
                .withImage("busybox").endContainer().endSpec().endTemplate().endSpec().endJobTemplate().endSpec();
        more.accept(builder);
        return cronJobs.create(namespace, builder.build());
    }

    private static List<Job> jobsOf(String namespace) {
        return jobs.list(namespace, ListOptions.NONE).items().stream()
                .filter(j -> j.getMetadata().getDeletionTimestamp() == null).toList();
    }

    private static List<Event> events(String namespace, String reason) {
        return admin.typed(Resources.EVENTS, Event.class).list(namespace, ListOptions.NONE).items().stream()
                .filter(e -> reason.equals(e.getReason())).toList();
    }

    private static List<String> messages(String namespace, String reason) {
        return events(namespace, reason).stream().map(Event::getMessage).toList();
    }

    /** The first minute boundary after the clock's now, plus a second. */
    private Instant nextMinute() {
        return clock.instant().truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
    }

    /** Moves to one second past the next minute and returns that minute. */
    private Instant passNextMinute() {
        Instant minute = nextMinute();
        clock.advanceTo(minute.plusSeconds(1));
        return minute;
    }

    private static String jobName(String cronJob, Instant minute) {
        return cronJob + "-" + minute.getEpochSecond() / 60;
    }

    /** Finishes the Job as the job controller would: Complete (with SuccessCriteriaMet) or Failed (with FailureTarget). */
    private static void finish(String namespace, String name, boolean succeeded, Instant at) {
        for (int attempt = 0; ; attempt++) {
            Job job = Json.copy(jobs.get(namespace, name), Job.class);
            String time = at.truncatedTo(ChronoUnit.SECONDS).toString();
            var status = job.getStatus() == null ? new io.fabric8.kubernetes.api.model.batch.v1.JobStatus() : job.getStatus();
            status.setStartTime(time);
            if (succeeded) {
                status.setSucceeded(1);
                status.setCompletionTime(time);
                status.setConditions(List.of(
                        new JobConditionBuilder().withType("SuccessCriteriaMet").withStatus("True").withReason("CompletionsReached")
                                .withLastTransitionTime(time).withLastProbeTime(time).build(),
                        new JobConditionBuilder().withType("Complete").withStatus("True").withReason("CompletionsReached")
                                .withLastTransitionTime(time).withLastProbeTime(time).build()));
            } else {
                status.setFailed(1);
                status.setConditions(List.of(
                        new JobConditionBuilder().withType("FailureTarget").withStatus("True").withReason("BackoffLimitExceeded")
                                .withLastTransitionTime(time).withLastProbeTime(time).build(),
                        new JobConditionBuilder().withType("Failed").withStatus("True").withReason("BackoffLimitExceeded")
                                .withLastTransitionTime(time).withLastProbeTime(time).build()));
            }
            job.setStatus(status);
            try {
                jobs.updateStatus(job);
                return;
            } catch (ApiException e) {
                if (!e.isConflict() || attempt > 5) {
                    throw e;
                }
            }
        }
    }

    private static List<String> active(String namespace, String name) {
        var status = cronJobs.get(namespace, name).getStatus();
        return status == null || status.getActive() == null ? List.of()
                : status.getActive().stream().map(ref -> ref.getName()).toList();
    }

    /** The ACTIVE column of kubectl get cronjob (counted from the end: the schedule holds spaces). */
    private static String activeColumn(String namespace, String name) {
        String[] columns = kubectl.run("get", "cronjob", name, "-n", namespace, "--no-headers").ok().stdout().strip().split("\\s+");
        return columns[columns.length - 3];
    }

    @Test
    void createsTheJobOfEachScheduledMinuteAndRecordsItsCompletion() {
        String ns = namespace("cj-basic");
        CronJob cj = cronJob(ns, "tick", "* * * * *", b -> {
        });
        Await.sleepQuietly(Duration.ofMillis(500)); // let the first sync see nothing due
        assertTrue(jobsOf(ns).isEmpty(), "nothing before the first scheduled minute");
        Instant minute = passNextMinute();
        String name = jobName("tick", minute);
        until("the job of " + minute, () -> jobsOf(ns).size() == 1);
        Job job = jobs.get(ns, name);
        assertEquals(minute.toString(),
                job.getMetadata().getAnnotations().get("batch.kubernetes.io/cronjob-scheduled-timestamp"));
        assertEquals("a", job.getMetadata().getLabels().get("team"));
        OwnerReference ref = job.getMetadata().getOwnerReferences().getFirst();
        assertEquals(List.of("batch/v1", "CronJob", "tick", cj.getMetadata().getUid(), true, true), List.of(ref.getApiVersion(),
                ref.getKind(), ref.getName(), ref.getUid(), ref.getController(), ref.getBlockOwnerDeletion()));
        until("status.active and lastScheduleTime", () -> active(ns, "tick").equals(List.of(name))
                && minute.toString().equals(cronJobs.get(ns, "tick").getStatus().getLastScheduleTime()));
        assertEquals(List.of("Created job " + name), messages(ns, "SuccessfulCreate"));
        assertEquals("1", activeColumn(ns, "tick"));

        finish(ns, name, true, minute.plusSeconds(20));
        until("the completion seen", () -> active(ns, "tick").isEmpty()
                && minute.plusSeconds(20).toString().equals(cronJobs.get(ns, "tick").getStatus().getLastSuccessfulTime()));
        until("SawCompletedJob", () -> messages(ns, "SawCompletedJob")
                .contains("Saw completed job: " + name + ", condition: Complete"));
        assertEquals("0", activeColumn(ns, "tick"));

        Instant second = passNextMinute();
        until("the next minute's job", () -> jobsOf(ns).stream().anyMatch(j -> j.getMetadata().getName()
                .equals(jobName("tick", second))));
        assertEquals(2, jobsOf(ns).size());
    }

    @Test
    void forbidSkipsWhileAJobRunsAndReplaceDeletesIt() {
        String ns = namespace("cj-concurrency");
        cronJob(ns, "once", "* * * * *", b -> b.editSpec().withConcurrencyPolicy("Forbid").endSpec());
        Instant first = passNextMinute();
        until("the first job", () -> jobsOf(ns).size() == 1);
        passNextMinute();
        until("JobAlreadyActive", () -> messages(ns, "JobAlreadyActive")
                .contains("Not starting job because prior execution is running and concurrency policy is Forbid"));
        assertEquals(List.of(jobName("once", first)), jobsOf(ns).stream().map(j -> j.getMetadata().getName()).toList());

        kubectl.run("patch", "cronjob", "once", "-n", ns, "--type=merge", "-p", "{\"spec\":{\"concurrencyPolicy\":\"Replace\"}}").ok();
        Instant third = passNextMinute();
        until("the running job replaced", () -> jobsOf(ns).stream().map(j -> j.getMetadata().getName()).toList()
                .equals(List.of(jobName("once", third))));
        until("SuccessfulDelete", () -> messages(ns, "SuccessfulDelete").contains("Deleted job " + jobName("once", first)));
        until("only the new job active", () -> active(ns, "once").equals(List.of(jobName("once", third))));
    }

    @Test
    void finishedJobsBeyondTheHistoryLimitsAreDeletedOldestFirst() {
        String ns = namespace("cj-history");
        cronJob(ns, "hist", "* * * * *", b -> b.editSpec().withSuccessfulJobsHistoryLimit(1).withFailedJobsHistoryLimit(0).endSpec());
        Instant first = passNextMinute();
        until("job 1", () -> jobsOf(ns).size() == 1);
        finish(ns, jobName("hist", first), true, first.plusSeconds(5));
        Instant second = passNextMinute();
        until("job 2", () -> jobsOf(ns).size() == 2);
        finish(ns, jobName("hist", second), true, second.plusSeconds(5));
        until("the older successful job deleted", () -> jobsOf(ns).stream().map(j -> j.getMetadata().getName()).toList()
                .equals(List.of(jobName("hist", second))));
        until("its SuccessfulDelete", () -> messages(ns, "SuccessfulDelete").contains("Deleted job " + jobName("hist", first)));
        Instant third = passNextMinute();
        until("job 3", () -> jobsOf(ns).size() == 2);
        finish(ns, jobName("hist", third), false, third.plusSeconds(5));
        until("the failed job deleted (limit 0)", () -> jobsOf(ns).stream().map(j -> j.getMetadata().getName()).toList()
                .equals(List.of(jobName("hist", second))));
    }

    @Test
    void aStartMissedByMoreThanTheDeadlineIsSkipped() {
        String ns = namespace("cj-missed");
        cronJob(ns, "late", "* * * * *", b -> b.editSpec().withStartingDeadlineSeconds(10L).endSpec());
        Await.sleepQuietly(Duration.ofMillis(500));
        Instant minute = nextMinute();
        // 30 s late with a 10 s deadline: upstream looks for start times only within the deadline, so none is due
        clock.advanceTo(minute.plusSeconds(30));
        Await.sleepQuietly(Duration.ofSeconds(1));
        assertTrue(jobsOf(ns).isEmpty(), "the late start is skipped");
        Instant onTime = passNextMinute();
        until("the next start, on time", () -> jobsOf(ns).stream().map(j -> j.getMetadata().getName()).toList()
                .equals(List.of(jobName("late", onTime))));

    }

    @Test
    void tooManyMissedTimesAreReportedAndOnlyTheMostRecentRuns() {
        String ns2 = namespace("cj-many");
        cronJob(ns2, "many", "* * * * *", b -> {
        });
        Await.sleepQuietly(Duration.ofMillis(500));
        Instant later = clock.instant().plus(Duration.ofMinutes(150)).truncatedTo(ChronoUnit.MINUTES);
        clock.advanceTo(later.plusSeconds(1));
        until("TooManyMissedTimes", () -> messages(ns2, "TooManyMissedTimes").contains(
                "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew"));
        until("one job, for the most recent time only", () -> jobsOf(ns2).stream().map(j -> j.getMetadata().getName()).toList()
                .equals(List.of(jobName("many", later))));
    }

    @Test
    void suspendedCronJobsStartNothingUntilResumedAndTimeZonesApply() {
        String ns = namespace("cj-suspend");
        cronJob(ns, "paused", "* * * * *", b -> b.editSpec().withSuspend(true).withTimeZone("Asia/Tokyo").endSpec());
        Instant minute = passNextMinute();
        Await.sleepQuietly(Duration.ofSeconds(1));
        assertTrue(jobsOf(ns).isEmpty(), "suspended");
        kubectl.run("patch", "cronjob", "paused", "-n", ns, "--type=merge", "-p", "{\"spec\":{\"suspend\":false}}").ok();
        until("the missed minute run on resume", () -> jobsOf(ns).size() == 1);
        Job job = jobsOf(ns).getFirst();
        assertEquals(jobName("paused", minute), job.getMetadata().getName());
        // the scheduled time in the CronJob's zone
        assertEquals(minute.atZone(ZoneId.of("Asia/Tokyo")).toOffsetDateTime().toString().replaceFirst("(T\\d\\d:\\d\\d)\\+", "$1:00+"),
                job.getMetadata().getAnnotations().get("batch.kubernetes.io/cronjob-scheduled-timestamp"));
    }
}
