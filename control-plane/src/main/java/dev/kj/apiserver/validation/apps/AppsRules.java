package dev.kj.apiserver.validation.apps;

import static dev.kj.apiserver.validation.Nodes.object;
import static dev.kj.apiserver.validation.Nodes.set;
import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import dev.kj.apiserver.validation.GoValues;
import dev.kj.apiserver.validation.KindRules;
import dev.kj.apiserver.validation.LabelSelectors;
import dev.kj.apiserver.validation.Numbers;
import dev.kj.apiserver.validation.core.PodSpecs;
import dev.kj.apiserver.validation.core.TemplateChecks;
import java.util.ArrayList;
import java.util.List;

/**
 * apps/v1: Deployments, ReplicaSets, DaemonSets and StatefulSets, defaulted as pkg/apis/apps/v1's
 * SetDefaults_* and validated as pkg/apis/apps/validation, selectors immutable as apps/v1's strategies.
 */
public final class AppsRules {
    private AppsRules() {
    }

    public static final KindRules DEPLOYMENT = new KindRules() {
        @Override
        public void setDefaults(ObjectNode deployment) {
            ObjectNode spec = object(deployment, "spec");
            defaultInt(spec, "replicas", 1);
            ObjectNode strategy = object(spec, "strategy");
            if (text(strategy, "type").isEmpty()) {
                strategy.put("type", "RollingUpdate");
            }
            if (text(strategy, "type").equals("RollingUpdate")) {
                ObjectNode rolling = object(strategy, "rollingUpdate");
                if (!set(rolling, "maxUnavailable")) {
                    rolling.put("maxUnavailable", "25%");
                }
                if (!set(rolling, "maxSurge")) {
                    rolling.put("maxSurge", "25%");
                }
            }
            defaultInt(spec, "revisionHistoryLimit", 10);
            defaultInt(spec, "progressDeadlineSeconds", 600);
            templateDefaults(spec);
        }

        @Override
        public List<FieldError> validate(ObjectNode deployment) {
            FieldPath path = FieldPath.root("spec");
            JsonNode spec = deployment.path("spec");
            List<FieldError> errors = new ArrayList<>(Numbers.nonNegative(spec, "replicas", path.child("replicas")));
            errors.addAll(selectorAndTemplate(spec, path, "deployment", "ReplicaSet"));
            errors.addAll(deploymentStrategy(spec.path("strategy"), path.child("strategy")));
            errors.addAll(Numbers.nonNegative(spec, "minReadySeconds", path.child("minReadySeconds")));
            errors.addAll(Numbers.nonNegative(spec, "revisionHistoryLimit", path.child("revisionHistoryLimit")));
            if (set(spec, "progressDeadlineSeconds")) {
                List<FieldError> negative = Numbers.nonNegative(spec, "progressDeadlineSeconds",
                        path.child("progressDeadlineSeconds"));
                errors.addAll(negative);
                long deadline = spec.get("progressDeadlineSeconds").asLong();
                if (negative.isEmpty() && deadline <= spec.path("minReadySeconds").asLong(0)) {
                    errors.add(FieldError.invalid(path.child("progressDeadlineSeconds"), deadline,
                            "must be greater than minReadySeconds"));
                }
            }
            return errors;
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode deployment, ObjectNode old) {
            return immutableSelector(deployment, old);
        }
    };

    public static final KindRules REPLICA_SET = new KindRules() {
        @Override
        public void setDefaults(ObjectNode replicaSet) {
            ObjectNode spec = object(replicaSet, "spec");
            defaultInt(spec, "replicas", 1);
            templateDefaults(spec);
        }

        @Override
        public List<FieldError> validate(ObjectNode replicaSet) {
            FieldPath path = FieldPath.root("spec");
            JsonNode spec = replicaSet.path("spec");
            List<FieldError> errors = new ArrayList<>(Numbers.nonNegative(spec, "replicas", path.child("replicas")));
            errors.addAll(Numbers.nonNegative(spec, "minReadySeconds", path.child("minReadySeconds")));
            errors.addAll(selectorAndTemplate(spec, path, "deployment", "ReplicaSet"));
            return errors;
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode replicaSet, ObjectNode old) {
            return immutableSelector(replicaSet, old);
        }
    };

    public static final KindRules DAEMON_SET = new KindRules() {
        @Override
        public void setDefaults(ObjectNode daemonSet) {
            ObjectNode spec = object(daemonSet, "spec");
            ObjectNode strategy = object(spec, "updateStrategy");
            if (text(strategy, "type").isEmpty()) {
                strategy.put("type", "RollingUpdate");
            }
            if (text(strategy, "type").equals("RollingUpdate")) {
                ObjectNode rolling = object(strategy, "rollingUpdate");
                if (!set(rolling, "maxUnavailable")) {
                    rolling.put("maxUnavailable", 1);
                }
                if (!set(rolling, "maxSurge")) {
                    rolling.put("maxSurge", 0);
                }
            }
            defaultInt(spec, "revisionHistoryLimit", 10);
            templateDefaults(spec);
        }

        @Override
        public List<FieldError> validate(ObjectNode daemonSet) {
            FieldPath path = FieldPath.root("spec");
            JsonNode spec = daemonSet.path("spec");
            JsonNode selector = spec.get("selector");
            List<FieldError> errors = new ArrayList<>(LabelSelectors.validate(selector, path.child("selector")));
            JsonNode template = spec.path("template");
            // a missing selector selects nothing, so it matches no template either
            if (selector == null || !selector.isObject()
                    || !LabelSelectors.matches(selector, template.path("metadata").path("labels"))) {
                errors.add(TemplateChecks.selectorMismatch(template, path.child("template", "metadata", "labels")));
            }
            if (selector != null && selector.isObject() && LabelSelectors.isEmpty(selector)) {
                errors.add(FieldError.invalidRendered(path.child("selector"), GoValues.labelSelector(selector),
                        "empty selector is invalid for daemonset"));
            }
            errors.addAll(PodSpecs.validateTemplate(template, path.child("template")));
            String restart = text(template.path("spec"), "restartPolicy");
            if (!restart.equals("Always")) {
                errors.add(FieldError.notSupported(path.child("template", "spec", "restartPolicy"), restart,
                        List.of("Always")));
            }
            if (set(template.path("spec"), "activeDeadlineSeconds")) {
                errors.add(FieldError.invalid(path.child("template", "spec", "activeDeadlineSeconds"),
                        template.path("spec").get("activeDeadlineSeconds").asLong(),
                        "activeDeadlineSeconds in DaemonSet is not Supported"));
            }
            errors.addAll(Numbers.nonNegative(spec, "minReadySeconds", path.child("minReadySeconds")));
            errors.addAll(Numbers.nonNegative(spec, "revisionHistoryLimit", path.child("revisionHistoryLimit")));
            JsonNode strategy = spec.path("updateStrategy");
            String type = text(strategy, "type");
            FieldPath strategyPath = path.child("updateStrategy");
            switch (type) {
                case "OnDelete" -> {
                }
                case "RollingUpdate" -> {
                    JsonNode rolling = strategy.get("rollingUpdate");
                    if (rolling == null || rolling.isNull()) {
                        errors.add(FieldError.required(strategyPath.child("rollingUpdate"), ""));
                    } else {
                        errors.addAll(rollingUpdate(rolling, strategyPath.child("rollingUpdate"), false));
                    }
                }
                default -> errors.add(FieldError.notSupported(strategyPath, type, List.of("OnDelete", "RollingUpdate")));
            }
            return errors;
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode daemonSet, ObjectNode old) {
            return immutableSelector(daemonSet, old);
        }
    };

    public static final KindRules STATEFUL_SET = new KindRules() {
        @Override
        public void setDefaults(ObjectNode statefulSet) {
            ObjectNode spec = object(statefulSet, "spec");
            if (text(spec, "podManagementPolicy").isEmpty()) {
                spec.put("podManagementPolicy", "OrderedReady");
            }
            ObjectNode strategy = object(spec, "updateStrategy");
            if (text(strategy, "type").isEmpty()) {
                strategy.put("type", "RollingUpdate");
                object(strategy, "rollingUpdate");
            }
            if (text(strategy, "type").equals("RollingUpdate") && strategy.get("rollingUpdate") instanceof ObjectNode rolling
                    && !set(rolling, "partition")) {
                rolling.put("partition", 0);
            }
            ObjectNode retention = object(spec, "persistentVolumeClaimRetentionPolicy");
            if (text(retention, "whenDeleted").isEmpty()) {
                retention.put("whenDeleted", "Retain");
            }
            if (text(retention, "whenScaled").isEmpty()) {
                retention.put("whenScaled", "Retain");
            }
            defaultInt(spec, "replicas", 1);
            defaultInt(spec, "revisionHistoryLimit", 10);
            templateDefaults(spec);
            for (JsonNode node : spec.path("volumeClaimTemplates")) {
                if (node instanceof ObjectNode claim) {
                    if (text(object(claim, "spec"), "volumeMode").isEmpty()) {
                        object(claim, "spec").put("volumeMode", "Filesystem");
                    }
                    if (text(object(claim, "status"), "phase").isEmpty()) {
                        object(claim, "status").put("phase", "Pending");
                    }
                }
            }
        }

        @Override
        public List<FieldError> validate(ObjectNode statefulSet) {
            FieldPath path = FieldPath.root("spec");
            JsonNode spec = statefulSet.path("spec");
            List<FieldError> errors = new ArrayList<>();
            String management = text(spec, "podManagementPolicy");
            if (management.isEmpty()) {
                errors.add(FieldError.required(path.child("podManagementPolicy"), ""));
            } else if (!List.of("OrderedReady", "Parallel").contains(management)) {
                errors.add(FieldError.invalid(path.child("podManagementPolicy"), management,
                        "must be 'OrderedReady' or 'Parallel'"));
            }
            JsonNode strategy = spec.path("updateStrategy");
            FieldPath strategyPath = path.child("updateStrategy");
            switch (text(strategy, "type")) {
                case "" -> errors.add(FieldError.required(strategyPath, ""));
                case "OnDelete" -> {
                    if (set(strategy, "rollingUpdate")) {
                        errors.add(FieldError.invalidRendered(strategyPath.child("rollingUpdate"),
                                strategy.get("rollingUpdate").toString(), "only allowed for updateStrategy 'RollingUpdate'"));
                    }
                }
                case "RollingUpdate" -> {
                    JsonNode rolling = strategy.path("rollingUpdate");
                    errors.addAll(Numbers.nonNegative(rolling, "partition", strategyPath.child("rollingUpdate", "partition")));
                    if (set(rolling, "maxUnavailable")) {
                        errors.addAll(positiveIntOrPercent(rolling.get("maxUnavailable"),
                                strategyPath.child("rollingUpdate", "maxUnavailable")));
                    }
                }
                default -> errors.add(FieldError.invalidRendered(strategyPath, strategy.toString(),
                        "must be 'RollingUpdate' or 'OnDelete'"));
            }
            JsonNode retention = spec.path("persistentVolumeClaimRetentionPolicy");
            for (String when : List.of("whenDeleted", "whenScaled")) {
                String value = text(retention, when);
                if (!value.isEmpty() && !List.of("Retain", "Delete").contains(value)) {
                    errors.add(FieldError.notSupported(path.child("persistentVolumeClaimRetentionPolicy", when), value,
                            List.of("Retain", "Delete")));
                }
            }
            errors.addAll(Numbers.nonNegative(spec, "replicas", path.child("replicas")));
            errors.addAll(Numbers.nonNegative(spec, "minReadySeconds", path.child("minReadySeconds")));
            JsonNode selector = spec.get("selector");
            if (selector == null || selector.isNull()) {
                errors.add(FieldError.required(path.child("selector"), ""));
            } else {
                errors.addAll(LabelSelectors.validate(selector, path.child("selector")));
                if (LabelSelectors.isEmpty(selector)) {
                    errors.add(FieldError.invalidRendered(path.child("selector"), GoValues.labelSelector(selector),
                            "empty selector is invalid for statefulset"));
                }
            }
            JsonNode template = spec.path("template");
            FieldPath templatePath = path.child("template");
            if (selector != null && selector.isObject() && !LabelSelectors.isEmpty(selector)
                    && !LabelSelectors.matches(selector, template.path("metadata").path("labels"))) {
                errors.add(TemplateChecks.selectorMismatch(template, templatePath.child("metadata", "labels")));
            }
            errors.addAll(PodSpecs.validateTemplate(template, templatePath));
            errors.addAll(TemplateChecks.restartAlwaysNoDeadline(template, templatePath, "StatefulSet"));
            return errors;
        }

        /** ValidateStatefulSetUpdate: only replicas, ordinals, template, updateStrategy, the retention policy and minReadySeconds may change. */
        @Override
        public List<FieldError> validateUpdate(ObjectNode statefulSet, ObjectNode old) {
            ObjectNode now = (ObjectNode) statefulSet.path("spec").deepCopy();
            ObjectNode before = (ObjectNode) old.path("spec").deepCopy();
            for (String mutable : List.of("replicas", "ordinals", "template", "updateStrategy",
                    "persistentVolumeClaimRetentionPolicy", "minReadySeconds")) {
                now.remove(mutable);
                before.remove(mutable);
            }
            if (!now.equals(before)) {
                return List.of(FieldError.forbidden(FieldPath.root("spec"), "updates to statefulset spec for fields other"
                        + " than 'replicas', 'ordinals', 'template', 'updateStrategy',"
                        + " 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
            }
            return List.of();
        }
    };

    private static void defaultInt(ObjectNode spec, String field, int value) {
        if (!set(spec, field)) {
            spec.put(field, value);
        }
    }

    /** The template is a struct in apps/v1, never nil: its spec is defaulted even when the body left it out. */
    private static void templateDefaults(ObjectNode spec) {
        PodSpecs.setDefaults(object(object(spec, "template"), "spec"));
    }

    /** Deployments and ReplicaSets: selector required, not empty, matching a valid template for pods that run forever. */
    private static List<FieldError> selectorAndTemplate(JsonNode spec, FieldPath path, String kindWord, String templateKind) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode selector = spec.get("selector");
        if (selector == null || selector.isNull()) {
            errors.add(FieldError.required(path.child("selector"), ""));
        } else {
            errors.addAll(LabelSelectors.validate(selector, path.child("selector")));
            if (LabelSelectors.isEmpty(selector)) {
                errors.add(FieldError.invalidRendered(path.child("selector"), GoValues.labelSelector(selector),
                        "empty selector is invalid for " + kindWord));
            }
        }
        errors.addAll(TemplateChecks.forControllerOfPods(spec.path("template"), selector, path.child("template"),
                templateKind));
        return errors;
    }

    /** ValidateDeploymentStrategy. */
    private static List<FieldError> deploymentStrategy(JsonNode strategy, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        switch (text(strategy, "type")) {
            case "Recreate" -> {
                if (set(strategy, "rollingUpdate")) {
                    errors.add(FieldError.forbidden(path.child("rollingUpdate"),
                            "may not be specified when strategy `type` is 'Recreate'"));
                }
            }
            case "RollingUpdate" -> {
                JsonNode rolling = strategy.get("rollingUpdate");
                if (rolling == null || rolling.isNull()) {
                    errors.add(FieldError.required(path.child("rollingUpdate"), "this should be defaulted and never be nil"));
                } else {
                    errors.addAll(rollingUpdate(rolling, path.child("rollingUpdate"), true));
                }
            }
            default -> errors.add(FieldError.notSupportedRendered(path, strategyValue(strategy),
                    List.of("Recreate", "RollingUpdate")));
        }
        return errors;
    }

    /** %#v of an apps.DeploymentStrategy, as upstream prints an unsupported one. */
    private static String strategyValue(JsonNode strategy) {
        JsonNode rolling = strategy.get("rollingUpdate");
        String rollingText = rolling == null || rolling.isNull() ? "(*apps.RollingUpdateDeployment)(nil)"
                : "&apps.RollingUpdateDeployment{MaxUnavailable:" + GoValues.intOrString(rolling.get("maxUnavailable"))
                + ", MaxSurge:" + GoValues.intOrString(rolling.get("maxSurge")) + "}";
        return "apps.DeploymentStrategy{Type:" + GoValues.quote(text(strategy, "type")) + ", RollingUpdate:" + rollingText + "}";
    }

    /** ValidateRollingUpdateDeployment (and the DaemonSet's, which allows both to be 0 only with maxSurge). */
    private static List<FieldError> rollingUpdate(JsonNode rolling, FieldPath path, boolean deployment) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode maxUnavailable = rolling.get("maxUnavailable");
        JsonNode maxSurge = rolling.get("maxSurge");
        if (maxUnavailable != null && !maxUnavailable.isNull()) {
            errors.addAll(positiveIntOrPercent(maxUnavailable, path.child("maxUnavailable")));
        }
        if (maxSurge != null && !maxSurge.isNull()) {
            errors.addAll(positiveIntOrPercent(maxSurge, path.child("maxSurge")));
        }
        if (intOrPercentIsZero(maxUnavailable) && intOrPercentIsZero(maxSurge)) {
            errors.add(FieldError.invalidRendered(path.child("maxUnavailable"), GoValues.intOrString(maxUnavailable),
                    "may not be 0 when `maxSurge` is 0"));
        }
        if (maxUnavailable != null && maxUnavailable.isTextual() && percent(maxUnavailable) > 100) {
            errors.add(FieldError.invalidRendered(path.child("maxUnavailable"), GoValues.intOrString(maxUnavailable),
                    "must not be greater than 100%"));
        }
        return errors;
    }

    private static boolean intOrPercentIsZero(JsonNode value) {
        if (value == null || value.isNull()) {
            return true;
        }
        return value.isTextual() ? percent(value) == 0 : value.asLong() == 0;
    }

    private static long percent(JsonNode value) {
        String text = value.asText();
        try {
            return text.endsWith("%") ? Long.parseLong(text.substring(0, text.length() - 1)) : Long.parseLong(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** ValidatePositiveIntOrPercent: a percent string, or a number not below 0. */
    static List<FieldError> positiveIntOrPercent(JsonNode value, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        if (value.isTextual()) {
            for (String problem : Formats.percent(value.asText())) {
                errors.add(FieldError.invalidRendered(path, GoValues.intOrString(value), problem));
            }
        } else if (value.asLong() < 0) {
            errors.add(FieldError.invalid(path, value.asLong(), Numbers.NONNEGATIVE));
        }
        return errors;
    }

    /** apps/v1 strategies: spec.selector may not change. */
    static List<FieldError> immutableSelector(ObjectNode object, ObjectNode old) {
        JsonNode now = object.path("spec").get("selector");
        JsonNode before = old.path("spec").get("selector");
        if (java.util.Objects.equals(now, before)) {
            return List.of();
        }
        return List.of(FieldError.invalidRendered(FieldPath.of("spec", "selector"), GoValues.labelSelector(now),
                Numbers.FIELD_IMMUTABLE));
    }
}
