package dev.kj.apiserver.validation.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Jobs and CronJobs as upstream's batch/v1 defaults, job strategy and batch validation. */
class BatchRulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TEMPLATE = "\"template\":{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":"
            + "[{\"name\":\"c\",\"image\":\"busybox\"}]}}";

    static ObjectNode object(String body) throws Exception {
        return (ObjectNode) JSON.readTree(body);
    }

    @Test
    void jobsAreDefaultedAndTheirSelectorGenerated() throws Exception {
        ObjectNode job = object("{\"metadata\":{\"name\":\"j\",\"uid\":\"u-1\"},\"spec\":{" + TEMPLATE + "}}");
        BatchRules.JOB.setDefaults(job);
        BatchRules.JOB.completeCreate(job);
        assertEquals(JSON.readTree("{\"matchLabels\":{\"batch.kubernetes.io/controller-uid\":\"u-1\"}}"),
                job.path("spec").get("selector"));
        assertEquals(JSON.readTree("{\"job-name\":\"j\",\"batch.kubernetes.io/job-name\":\"j\",\"controller-uid\":\"u-1\","
                + "\"batch.kubernetes.io/controller-uid\":\"u-1\"}"), job.path("spec").path("template").path("metadata").get("labels"));
        for (String field : List.of("completions", "parallelism")) {
            assertEquals(1, job.path("spec").path(field).asInt());
        }
        assertEquals(6, job.path("spec").path("backoffLimit").asInt());
        assertEquals("NonIndexed", job.path("spec").path("completionMode").asText());
        assertEquals(false, job.path("spec").path("suspend").asBoolean(true));
        assertEquals("TerminatingOrFailed", job.path("spec").path("podReplacementPolicy").asText());
        assertEquals(List.of(), BatchRules.JOB.validate(job));
    }

    @Test
    void jobValidation() throws Exception {
        ObjectNode job = object("{\"metadata\":{\"name\":\"j\",\"uid\":\"u-1\"},\"spec\":{\"parallelism\":-1,"
                + "\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}");
        BatchRules.JOB.setDefaults(job);
        BatchRules.JOB.completeCreate(job);
        assertEquals(List.of("spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
                "spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\""),
                BatchRules.JOB.validate(job).stream().map(FieldError::toString).toList());

        ObjectNode stored = object("{\"metadata\":{\"name\":\"j\",\"uid\":\"u-1\"},\"spec\":{" + TEMPLATE + "}}");
        BatchRules.JOB.setDefaults(stored);
        BatchRules.JOB.completeCreate(stored);
        ObjectNode changed = stored.deepCopy();
        ((ObjectNode) changed.path("spec")).put("completions", 3);
        assertEquals(List.of("spec.completions: Invalid value: 3: field is immutable"),
                BatchRules.JOB.validateUpdate(changed, stored).stream().map(FieldError::toString).toList());
    }

    @Test
    void cronJobs() throws Exception {
        ObjectNode cronJob = object("{\"metadata\":{\"name\":\"c\"},\"spec\":{\"schedule\":\"*/5 * * * *\","
                + "\"jobTemplate\":{\"spec\":{" + TEMPLATE + "}}}}");
        BatchRules.CRON_JOB.setDefaults(cronJob);
        assertEquals(JSON.readTree("{\"schedule\":\"*/5 * * * *\",\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":"
                + "{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"c\",\"image\":\"busybox\",\"imagePullPolicy\":"
                + "\"Always\",\"terminationMessagePath\":\"/dev/termination-log\",\"terminationMessagePolicy\":\"File\"}],"
                + "\"dnsPolicy\":\"ClusterFirst\",\"securityContext\":{},\"terminationGracePeriodSeconds\":30,"
                + "\"schedulerName\":\"default-scheduler\"}}}},\"concurrencyPolicy\":\"Allow\",\"suspend\":false,"
                + "\"successfulJobsHistoryLimit\":3,\"failedJobsHistoryLimit\":1}"), cronJob.get("spec"));
        assertEquals(List.of(), BatchRules.CRON_JOB.validate(cronJob));

        ObjectNode bad = object("{\"metadata\":{\"name\":\"" + "c".repeat(53) + "\"},\"spec\":{\"schedule\":\"61 * * * *\","
                + "\"concurrencyPolicy\":\"Sometimes\",\"jobTemplate\":{\"spec\":{" + TEMPLATE + "}}}}");
        BatchRules.CRON_JOB.setDefaults(bad);
        assertEquals(List.of("metadata.name: Invalid value: \"" + "c".repeat(53) + "\": must be no more than 52 characters",
                "spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61",
                "spec.concurrencyPolicy: Unsupported value: \"Sometimes\": supported values: \"Allow\", \"Forbid\","
                        + " \"Replace\""), BatchRules.CRON_JOB.validate(bad).stream().map(FieldError::toString).toList());
    }

    @Test
    void schedulesParseAsRobfigCron() {
        assertEquals(Optional.empty(), CronSchedule.problem("0 0 * * MON-FRI"));
        assertEquals(Optional.empty(), CronSchedule.problem("@hourly"));
        assertEquals(Optional.empty(), CronSchedule.problem("@every 1h30m"));
        assertEquals(Optional.of("expected exactly 5 fields, found 1: [foo]"), CronSchedule.problem("foo"));
        assertEquals(Optional.of("failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax"),
                CronSchedule.problem("x * * * *"));
        assertEquals(Optional.of("unrecognized descriptor: @sometimes"), CronSchedule.problem("@sometimes"));
        assertEquals(Optional.of("beginning of range (5) beyond end of range (1): 5-1"), CronSchedule.problem("5-1 * * * *"));
    }
}
