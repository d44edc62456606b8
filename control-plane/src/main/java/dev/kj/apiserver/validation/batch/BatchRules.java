package dev.kj.apiserver.validation.batch;

import static dev.kj.apiserver.validation.Nodes.object;
import static dev.kj.apiserver.validation.Nodes.set;
import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.GoValues;
import dev.kj.apiserver.validation.KindRules;
import dev.kj.apiserver.validation.LabelSelectors;
import dev.kj.apiserver.validation.Metadata;
import dev.kj.apiserver.validation.Numbers;
import dev.kj.apiserver.validation.core.PodSpecs;
import dev.kj.apiserver.validation.core.TemplateChecks;
import java.util.ArrayList;
import java.util.List;

/**
 * batch/v1: Jobs and CronJobs, defaulted as pkg/apis/batch/v1's SetDefaults_Job/CronJob, a Job's
 * selector generated as its strategy does, validated as pkg/apis/batch/validation.
 */
public final class BatchRules {
    private BatchRules() {
    }

    static final String CONTROLLER_UID = "batch.kubernetes.io/controller-uid";
    static final String LEGACY_CONTROLLER_UID = "controller-uid";
    static final String JOB_NAME = "batch.kubernetes.io/job-name";
    static final String LEGACY_JOB_NAME = "job-name";

    public static final KindRules JOB = new KindRules() {
        @Override
        public void setDefaults(ObjectNode job) {
            ObjectNode spec = object(job, "spec");
            if (!set(spec, "completions") && !set(spec, "parallelism")) {
                spec.put("completions", 1);
                spec.put("parallelism", 1);
            }
            if (!set(spec, "parallelism")) {
                spec.put("parallelism", 1);
            }
            if (!set(spec, "backoffLimit")) {
                spec.put("backoffLimit", set(spec, "backoffLimitPerIndex") ? Integer.MAX_VALUE : 6);
            }
            JsonNode templateLabels = spec.path("template").path("metadata").get("labels");
            if (templateLabels != null && templateLabels.isObject() && job.path("metadata").path("labels").isEmpty()) {
                object(job, "metadata").set("labels", templateLabels.deepCopy());
            }
            if (!set(spec, "completionMode")) {
                spec.put("completionMode", "NonIndexed");
            }
            if (!set(spec, "suspend")) {
                spec.put("suspend", false);
            }
            if (!set(spec, "podReplacementPolicy")) {
                spec.put("podReplacementPolicy", set(spec, "podFailurePolicy") ? "Failed" : "TerminatingOrFailed");
            }
            if (spec.get("template") instanceof ObjectNode template) {
                PodSpecs.setDefaults(object(template, "spec"));
            }
        }

        /** The job strategy's generateSelector: pods labelled with the job's uid and name, selected by the uid. */
        @Override
        public void completeCreate(ObjectNode job) {
            ObjectNode spec = object(job, "spec");
            if (spec.path("manualSelector").asBoolean(false)) {
                return;
            }
            String uid = text(job.path("metadata"), "uid");
            String name = text(job.path("metadata"), "name");
            ObjectNode labels = object(object(object(spec, "template"), "metadata"), "labels");
            for (String key : List.of(LEGACY_JOB_NAME, JOB_NAME)) {
                if (!labels.has(key)) {
                    labels.put(key, name);
                }
            }
            for (String key : List.of(LEGACY_CONTROLLER_UID, CONTROLLER_UID)) {
                if (!labels.has(key)) {
                    labels.put(key, uid);
                }
            }
            ObjectNode matchLabels = object(object(spec, "selector"), "matchLabels");
            if (!matchLabels.has(CONTROLLER_UID)) {
                matchLabels.put(CONTROLLER_UID, uid);
            }
        }

        @Override
        public List<FieldError> validate(ObjectNode job) {
            List<FieldError> errors = new ArrayList<>(generatedSelector(job));
            FieldPath path = FieldPath.root("spec");
            JsonNode spec = job.path("spec");
            errors.addAll(jobSpec(spec, path));
            JsonNode selector = spec.get("selector");
            if (selector == null || selector.isNull()) {
                errors.add(FieldError.required(path.child("selector"), ""));
            } else {
                errors.addAll(LabelSelectors.validate(selector, path.child("selector")));
                if (!LabelSelectors.matches(selector, spec.path("template").path("metadata").path("labels"))) {
                    errors.add(TemplateChecks.selectorMismatch(spec.path("template"),
                            path.child("template", "metadata", "labels")));
                }
            }
            return errors;
        }

        /** ValidateJobSpecUpdate: selector, completionMode and (unless suspended) the template stay. */
        @Override
        public List<FieldError> validateUpdate(ObjectNode job, ObjectNode old) {
            FieldPath path = FieldPath.root("spec");
            JsonNode spec = job.path("spec");
            JsonNode oldSpec = old.path("spec");
            List<FieldError> errors = new ArrayList<>();
            if (!java.util.Objects.equals(spec.get("selector"), oldSpec.get("selector"))) {
                errors.add(FieldError.invalidRendered(path.child("selector"), GoValues.labelSelector(spec.get("selector")),
                        Numbers.FIELD_IMMUTABLE));
            }
            if (!spec.path("template").equals(oldSpec.path("template")) && !mutableSchedulingDirectives(spec, oldSpec)) {
                errors.add(FieldError.invalidRendered(path.child("template"), "core.PodTemplateSpec{...}",
                        Numbers.FIELD_IMMUTABLE));
            }
            if (!text(spec, "completionMode").equals(text(oldSpec, "completionMode"))) {
                errors.addAll(Numbers.immutable(spec.get("completionMode"), oldSpec.get("completionMode"),
                        path.child("completionMode")));
            }
            if (!text(spec, "completionMode").equals("Indexed")) {
                errors.addAll(Numbers.immutable(spec.get("completions"), oldSpec.get("completions"),
                        path.child("completions")));
            }
            return errors;
        }
    };

    /**
     * A suspended job that never started may change its template's node affinity, node selector,
     * tolerations, labels, annotations and scheduling gates (upstream's mutable scheduling directives).
     */
    private static boolean mutableSchedulingDirectives(JsonNode spec, JsonNode oldSpec) {
        if (!spec.path("suspend").asBoolean(false)) {
            return false;
        }
        ObjectNode now = (ObjectNode) spec.path("template").deepCopy();
        ObjectNode before = (ObjectNode) oldSpec.path("template").deepCopy();
        for (ObjectNode template : List.of(now, before)) {
            if (template.get("metadata") instanceof ObjectNode meta) {
                meta.remove(List.of("labels", "annotations"));
            }
            if (template.get("spec") instanceof ObjectNode podSpec) {
                podSpec.remove(List.of("nodeSelector", "tolerations", "schedulingGates"));
                if (podSpec.get("affinity") instanceof ObjectNode affinity) {
                    affinity.remove("nodeAffinity");
                }
            }
        }
        return now.equals(before);
    }

    /** validateGeneratedSelector: a generated selector must be the one generated from this job's uid. */
    private static List<FieldError> generatedSelector(JsonNode job) {
        JsonNode spec = job.path("spec");
        if (spec.path("manualSelector").asBoolean(false)) {
            return List.of();
        }
        String uid = text(job.path("metadata"), "uid");
        if (uid.isEmpty()) {
            return List.of();
        }
        List<FieldError> errors = new ArrayList<>();
        JsonNode labels = spec.path("template").path("metadata").path("labels");
        FieldPath labelsPath = FieldPath.of("spec", "template", "metadata", "labels");
        for (String key : List.of(LEGACY_CONTROLLER_UID, CONTROLLER_UID)) {
            if (!uid.equals(text(labels, key))) {
                errors.add(FieldError.invalidRendered(labelsPath, GoValues.stringMap(labels.isObject() ? labels : null),
                        "`selector` not auto-generated"));
                break;
            }
        }
        JsonNode selector = spec.path("selector");
        if (!uid.equals(text(selector.path("matchLabels"), CONTROLLER_UID))) {
            errors.add(FieldError.invalidRendered(FieldPath.of("spec", "selector"),
                    GoValues.labelSelector(spec.get("selector")), "`selector` not auto-generated"));
        }
        return errors;
    }

    /** validateJobSpec (without the selector, which job templates leave to generation). */
    static List<FieldError> jobSpec(JsonNode spec, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        for (String field : List.of("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
                "ttlSecondsAfterFinished")) {
            errors.addAll(Numbers.nonNegative(spec, field, path.child(field)));
        }
        if (set(spec, "completionMode")) {
            String mode = text(spec, "completionMode");
            if (!List.of("NonIndexed", "Indexed").contains(mode)) {
                errors.add(FieldError.notSupported(path.child("completionMode"), mode, List.of("NonIndexed", "Indexed")));
            }
            if (mode.equals("Indexed") && !set(spec, "completions")) {
                errors.add(FieldError.required(path.child("completions"), "when completion mode is Indexed"));
            }
        }
        if (set(spec, "podReplacementPolicy")) {
            String policy = text(spec, "podReplacementPolicy");
            if (!List.of("TerminatingOrFailed", "Failed").contains(policy)) {
                errors.add(FieldError.notSupported(path.child("podReplacementPolicy"), policy,
                        List.of("Failed", "TerminatingOrFailed")));
            }
        }
        JsonNode template = spec.path("template");
        FieldPath templatePath = path.child("template");
        errors.addAll(PodSpecs.validateTemplate(template, templatePath));
        String restart = text(template.path("spec"), "restartPolicy");
        if (!restart.equals("OnFailure") && !restart.equals("Never")) {
            errors.add(FieldError.notSupported(templatePath.child("spec", "restartPolicy"), restart,
                    List.of("OnFailure", "Never")));
        }
        return errors;
    }

    public static final KindRules CRON_JOB = new KindRules() {
        @Override
        public void setDefaults(ObjectNode cronJob) {
            ObjectNode spec = object(cronJob, "spec");
            if (text(spec, "concurrencyPolicy").isEmpty()) {
                spec.put("concurrencyPolicy", "Allow");
            }
            if (!set(spec, "suspend")) {
                spec.put("suspend", false);
            }
            if (!set(spec, "successfulJobsHistoryLimit")) {
                spec.put("successfulJobsHistoryLimit", 3);
            }
            if (!set(spec, "failedJobsHistoryLimit")) {
                spec.put("failedJobsHistoryLimit", 1);
            }
            if (spec.path("jobTemplate").path("spec").get("template") instanceof ObjectNode template) {
                PodSpecs.setDefaults(object(template, "spec"));
            }
        }

        @Override
        public List<FieldError> validate(ObjectNode cronJob) {
            List<FieldError> errors = new ArrayList<>();
            String name = text(cronJob.path("metadata"), "name");
            if (name.length() > 52) {
                errors.add(FieldError.invalid(FieldPath.of("metadata", "name"), name, "must be no more than 52 characters"));
            }
            errors.addAll(cronJobSpec(cronJob.path("spec")));
            return errors;
        }
    };

    private static List<FieldError> cronJobSpec(JsonNode spec) {
        FieldPath path = FieldPath.root("spec");
        List<FieldError> errors = new ArrayList<>();
        String schedule = text(spec, "schedule");
        if (schedule.isEmpty()) {
            errors.add(FieldError.required(path.child("schedule"), ""));
        } else {
            CronSchedule.problem(schedule).ifPresent(p -> errors.add(FieldError.invalid(path.child("schedule"), schedule, p)));
            if (schedule.contains("TZ")) {
                errors.add(FieldError.invalid(path.child("schedule"), schedule,
                        "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
            }
        }
        errors.addAll(Numbers.nonNegative(spec, "startingDeadlineSeconds", path.child("startingDeadlineSeconds")));
        if (set(spec, "timeZone")) {
            String zone = text(spec, "timeZone");
            boolean known;
            try {
                known = !zone.isEmpty() && !zone.equalsIgnoreCase("local") && java.time.ZoneId.of(zone) != null;
            } catch (java.time.DateTimeException e) {
                known = false;
            }
            if (!known) {
                errors.add(FieldError.invalid(path.child("timeZone"), zone, "unknown time zone " + zone));
            }
        }
        String policy = text(spec, "concurrencyPolicy");
        if (policy.isEmpty()) {
            errors.add(FieldError.required(path.child("concurrencyPolicy"), ""));
        } else if (!List.of("Allow", "Forbid", "Replace").contains(policy)) {
            errors.add(FieldError.notSupported(path.child("concurrencyPolicy"), policy, List.of("Allow", "Forbid", "Replace")));
        }
        FieldPath templatePath = path.child("jobTemplate");
        JsonNode jobSpec = spec.path("jobTemplate").path("spec");
        // the job template's own metadata follows ObjectMeta's rules
        errors.addAll(Metadata.labelsAndAnnotations(spec.path("jobTemplate").path("metadata"), templatePath.child("metadata")));
        errors.addAll(jobSpec(jobSpec, templatePath.child("spec")));
        if (set(jobSpec, "selector")) {
            errors.add(FieldError.invalidRendered(templatePath.child("spec", "selector"),
                    GoValues.labelSelector(jobSpec.get("selector")), "`selector` will be auto-generated"));
        }
        if (jobSpec.path("manualSelector").asBoolean(false)) {
            errors.add(FieldError.notSupportedRendered(templatePath.child("spec", "manualSelector"), "true",
                    List.of("nil", "false")));
        }
        errors.addAll(Numbers.nonNegative(spec, "successfulJobsHistoryLimit", path.child("successfulJobsHistoryLimit")));
        errors.addAll(Numbers.nonNegative(spec, "failedJobsHistoryLimit", path.child("failedJobsHistoryLimit")));
        return errors;
    }
}
