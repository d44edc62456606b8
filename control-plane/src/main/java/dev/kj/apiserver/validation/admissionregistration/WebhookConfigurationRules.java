package dev.kj.apiserver.validation.admissionregistration;

import static dev.kj.apiserver.validation.Nodes.defaultNumber;
import static dev.kj.apiserver.validation.Nodes.defaultText;
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
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Validating and mutating webhook configurations (admissionregistration.k8s.io/v1): v1's
 * SetDefaults_ValidatingWebhook / _MutatingWebhook / _Rule / _ServiceReference and
 * pkg/apis/admissionregistration/validation. Updates relax side effects, review versions and unique
 * names for objects that broke them already, as upstream; match conditions are compiled as CEL
 * ({@link MatchConditions}) unless an update keeps every webhook's.
 */
public final class WebhookConfigurationRules implements KindRules {
    public static final WebhookConfigurationRules VALIDATING = new WebhookConfigurationRules(false);
    public static final WebhookConfigurationRules MUTATING = new WebhookConfigurationRules(true);

    private static final List<String> FAILURE_POLICIES = List.of("Fail", "Ignore");
    private static final List<String> MATCH_POLICIES = List.of("Equivalent", "Exact");
    private static final List<String> ALL_SIDE_EFFECTS = List.of("None", "NoneOnDryRun", "Some", "Unknown");
    private static final List<String> NO_SIDE_EFFECTS = List.of("None", "NoneOnDryRun");
    private static final List<String> OPERATIONS = List.of("*", "CONNECT", "CREATE", "DELETE", "UPDATE");
    private static final List<String> REINVOCATION_POLICIES = List.of("IfNeeded", "Never");
    private static final List<String> SCOPES = List.of("*", "Cluster", "Namespaced");
    private static final List<String> REVIEW_VERSIONS = List.of("v1", "v1beta1");
    private static final String URL_FORM = "; desired format: https://host[/path]";

    private final boolean mutating;

    private WebhookConfigurationRules(boolean mutating) {
        this.mutating = mutating;
    }

    @Override
    public void setDefaults(ObjectNode configuration) {
        for (JsonNode node : configuration.path("webhooks")) {
            if (!(node instanceof ObjectNode hook)) {
                continue;
            }
            defaultText(hook, "failurePolicy", "Fail");
            defaultText(hook, "matchPolicy", "Equivalent");
            for (String selector : List.of("namespaceSelector", "objectSelector")) {
                if (!set(hook, selector)) {
                    hook.putObject(selector);
                }
            }
            defaultNumber(hook, "timeoutSeconds", 10);
            if (mutating) {
                defaultText(hook, "reinvocationPolicy", "Never");
            }
            for (JsonNode rule : hook.path("rules")) {
                if (rule instanceof ObjectNode r) {
                    defaultText(r, "scope", "*");
                }
            }
            if (hook.path("clientConfig").get("service") instanceof ObjectNode service) {
                defaultNumber(service, "port", 443);
            }
        }
    }

    /**
     * What a create requires (no side effects, a recognised review version, unique names, compiling
     * match conditions); an update requires each only if the old object met it.
     */
    private record Options(boolean requireNoSideEffects, boolean requireRecognizedReviewVersion, boolean requireUniqueNames,
                           boolean ignoreMatchConditions) {
    }

    @Override
    public List<FieldError> validate(ObjectNode configuration) {
        return validate(configuration, new Options(true, true, true, false));
    }

    @Override
    public List<FieldError> validateOnUpdate(ObjectNode configuration, ObjectNode old) {
        JsonNode hooks = configuration.path("webhooks");
        JsonNode oldHooks = old.path("webhooks");
        boolean noSideEffects = true;
        boolean recognizedVersions = true;
        Set<String> names = new HashSet<>();
        boolean uniqueNames = true;
        for (JsonNode hook : oldHooks) {
            noSideEffects &= NO_SIDE_EFFECTS.contains(text(hook, "sideEffects"));
            JsonNode versions = hook.path("admissionReviewVersions");
            boolean recognized = false;
            for (JsonNode version : versions) {
                recognized |= REVIEW_VERSIONS.contains(version.asText(""));
            }
            recognizedVersions &= recognized || versions.isEmpty();
            uniqueNames &= names.add(text(hook, "name"));
        }
        // match conditions are not checked again while every webhook keeps its own
        boolean sameMatchConditions = hooks.size() == oldHooks.size();
        for (int i = 0; sameMatchConditions && i < hooks.size(); i++) {
            sameMatchConditions = hooks.get(i).path("matchConditions").equals(oldHooks.get(i).path("matchConditions"));
        }
        return validate(configuration, new Options(noSideEffects, recognizedVersions, uniqueNames, sameMatchConditions));
    }

    private List<FieldError> validate(JsonNode configuration, Options options) {
        List<FieldError> errors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int i = 0;
        for (JsonNode hook : configuration.path("webhooks")) {
            FieldPath path = FieldPath.root("webhooks").index(i++);
            errors.addAll(webhook(hook, path, options));
            errors.addAll(reviewVersions(hook.path("admissionReviewVersions"), options.requireRecognizedReviewVersion(),
                    path.child("admissionReviewVersions")));
            String name = text(hook, "name");
            if (options.requireUniqueNames() && !name.isEmpty() && !names.add(name)) {
                errors.add(FieldError.duplicate(path.child("name"), name));
            }
        }
        return errors;
    }

    private List<FieldError> webhook(JsonNode hook, FieldPath path, Options options) {
        List<FieldError> errors = new ArrayList<>(fullyQualifiedName(text(hook, "name"), path.child("name")));
        int r = 0;
        for (JsonNode rule : hook.path("rules")) {
            errors.addAll(ruleWithOperations(rule, path.child("rules").index(r++)));
        }
        if (set(hook, "failurePolicy") && !FAILURE_POLICIES.contains(text(hook, "failurePolicy"))) {
            errors.add(FieldError.notSupported(path.child("failurePolicy"), text(hook, "failurePolicy"), FAILURE_POLICIES));
        }
        if (set(hook, "matchPolicy") && !MATCH_POLICIES.contains(text(hook, "matchPolicy"))) {
            errors.add(FieldError.notSupported(path.child("matchPolicy"), text(hook, "matchPolicy"), MATCH_POLICIES));
        }
        List<String> sideEffects = options.requireNoSideEffects() ? NO_SIDE_EFFECTS : ALL_SIDE_EFFECTS;
        if (!set(hook, "sideEffects")) {
            errors.add(FieldError.required(path.child("sideEffects"), "must specify one of " + String.join(", ", sideEffects)));
        } else if (!sideEffects.contains(text(hook, "sideEffects"))) {
            errors.add(FieldError.notSupported(path.child("sideEffects"), text(hook, "sideEffects"), sideEffects));
        }
        if (set(hook, "timeoutSeconds")) {
            long timeout = hook.get("timeoutSeconds").asLong();
            if (timeout > 30 || timeout < 1) {
                errors.add(FieldError.invalid(path.child("timeoutSeconds"), timeout,
                        "the timeout value must be between 1 and 30 seconds"));
            }
        }
        for (String selector : List.of("namespaceSelector", "objectSelector")) {
            if (set(hook, selector)) {
                errors.addAll(LabelSelectors.validate(hook.get(selector), path.child(selector)));
            }
        }
        if (mutating && set(hook, "reinvocationPolicy") && !REINVOCATION_POLICIES.contains(text(hook, "reinvocationPolicy"))) {
            errors.add(FieldError.notSupported(path.child("reinvocationPolicy"), text(hook, "reinvocationPolicy"),
                    REINVOCATION_POLICIES));
        }
        JsonNode client = hook.path("clientConfig");
        boolean url = set(client, "url");
        boolean service = set(client, "service");
        if (url == service) {
            errors.add(FieldError.required(path.child("clientConfig"), "exactly one of url or service is required"));
        } else if (url) {
            errors.addAll(webhookUrl(text(client, "url"), path.child("clientConfig", "url")));
        } else {
            errors.addAll(webhookService(client.get("service"), path.child("clientConfig", "service")));
        }
        if (!options.ignoreMatchConditions()) {
            errors.addAll(MatchConditions.validate(hook.path("matchConditions"), false, path.child("matchConditions")));
        }
        return errors;
    }

    /** utilvalidation.IsFullyQualifiedName. */
    static List<FieldError> fullyQualifiedName(String name, FieldPath path) {
        if (name.isEmpty()) {
            return List.of(FieldError.required(path, ""));
        }
        List<String> problems = Formats.dns1123Subdomain(name);
        if (!problems.isEmpty()) {
            return List.of(FieldError.invalid(path, name, String.join(",", problems)));
        }
        if (name.split("\\.", -1).length < 3) {
            return List.of(FieldError.invalid(path, name, "should be a domain with at least three segments separated by dots"));
        }
        return List.of();
    }

    private static List<FieldError> reviewVersions(JsonNode versions, boolean requireRecognized, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        if (versions.isEmpty()) {
            errors.add(FieldError.required(path, "must specify one of " + String.join(", ", REVIEW_VERSIONS)));
            return errors;
        }
        Set<String> seen = new HashSet<>();
        boolean recognized = false;
        int i = 0;
        for (JsonNode node : versions) {
            FieldPath at = path.index(i++);
            String version = node.asText("");
            if (!seen.add(version)) {
                errors.add(FieldError.invalid(at, version, "duplicate version"));
                continue;
            }
            errors.addAll(Formats.invalid(at, version, Formats.dns1035Label(version)));
            recognized |= REVIEW_VERSIONS.contains(version);
        }
        if (requireRecognized && !recognized) {
            errors.add(FieldError.invalidRendered(path, GoValues.stringSlice(versions),
                    "must include at least one of " + String.join(", ", REVIEW_VERSIONS)));
        }
        return errors;
    }

    static List<FieldError> ruleWithOperations(JsonNode rule, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode operations = rule.path("operations");
        if (operations.isEmpty()) {
            errors.add(FieldError.required(path.child("operations"), ""));
        }
        if (operations.size() > 1 && hasWildcard(operations)) {
            // upstream prints the typed slice: []admissionregistration.OperationType{"*", ...}
            errors.add(FieldError.invalidRendered(path.child("operations"),
                    GoValues.stringSlice(operations).replaceFirst("^\\[\\]string", "[]admissionregistration.OperationType"),
                    "if '*' is present, must not specify other operations"));
        }
        int i = 0;
        for (JsonNode operation : operations) {
            if (!OPERATIONS.contains(operation.asText(""))) {
                errors.add(FieldError.notSupported(path.child("operations").index(i), operation.asText(""), OPERATIONS));
            }
            i++;
        }
        JsonNode groups = rule.path("apiGroups");
        if (groups.isEmpty()) {
            errors.add(FieldError.required(path.child("apiGroups"), ""));
        }
        if (groups.size() > 1 && hasWildcard(groups)) {
            errors.add(FieldError.invalidRendered(path.child("apiGroups"), GoValues.stringSlice(groups),
                    "if '*' is present, must not specify other API groups"));
        }
        JsonNode versions = rule.path("apiVersions");
        if (versions.isEmpty()) {
            errors.add(FieldError.required(path.child("apiVersions"), ""));
        }
        if (versions.size() > 1 && hasWildcard(versions)) {
            errors.add(FieldError.invalidRendered(path.child("apiVersions"), GoValues.stringSlice(versions),
                    "if '*' is present, must not specify other API versions"));
        }
        i = 0;
        for (JsonNode version : versions) {
            if (version.asText("").isEmpty()) {
                errors.add(FieldError.required(path.child("apiVersions").index(i), ""));
            }
            i++;
        }
        errors.addAll(resources(rule.path("resources"), path.child("resources")));
        if (set(rule, "scope") && !SCOPES.contains(text(rule, "scope"))) {
            errors.add(FieldError.notSupported(path.child("scope"), text(rule, "scope"), SCOPES));
        }
        return errors;
    }

    private static boolean hasWildcard(JsonNode values) {
        for (JsonNode value : values) {
            if (value.asText("").equals("*")) {
                return true;
            }
        }
        return false;
    }

    /** validateResources: resources with subresources and the wildcard combinations upstream refuses. */
    private static List<FieldError> resources(JsonNode resources, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        if (resources.isEmpty()) {
            errors.add(FieldError.required(path, ""));
        }
        Set<String> wildcardSubresourceOf = new HashSet<>();
        Set<String> wildcardResourceFor = new HashSet<>();
        boolean doubleWildcard = false;
        boolean singleWildcard = false;
        boolean withoutSubresource = false;
        int i = 0;
        for (JsonNode node : resources) {
            FieldPath at = path.index(i++);
            String resource = node.asText("");
            if (resource.isEmpty()) {
                errors.add(FieldError.required(at, ""));
                continue;
            }
            doubleWildcard |= resource.equals("*/*");
            singleWildcard |= resource.equals("*");
            int slash = resource.indexOf('/');
            if (slash < 0) {
                // as upstream: the last plain entry decides
                withoutSubresource = !resource.equals("*");
                continue;
            }
            String res = resource.substring(0, slash);
            String sub = resource.substring(slash + 1);
            if (wildcardSubresourceOf.contains(res)) {
                errors.add(FieldError.invalid(at, resource, "if '" + res + "/*' is present, must not specify " + resource));
            }
            if (wildcardResourceFor.contains(sub)) {
                errors.add(FieldError.invalid(at, resource, "if '*/" + sub + "' is present, must not specify " + resource));
            }
            if (sub.equals("*")) {
                wildcardSubresourceOf.add(res);
            }
            if (res.equals("*")) {
                wildcardResourceFor.add(sub);
            }
        }
        if (resources.size() > 1 && doubleWildcard) {
            errors.add(FieldError.invalidRendered(path, GoValues.stringSlice(resources),
                    "if '*/*' is present, must not specify other resources"));
        }
        if (singleWildcard && withoutSubresource) {
            errors.add(FieldError.invalidRendered(path, GoValues.stringSlice(resources),
                    "if '*' is present, must not specify other resources without subresources"));
        }
        return errors;
    }

    /**
     * webhook.ValidateWebhookURL with https forced. A URL Go's url.Parse refuses is reported as
     * Required with Java's parse problem, not Go's words.
     */
    public static List<FieldError> webhookUrl(String url, FieldPath path) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return List.of(FieldError.required(path, "url must be a valid URL: " + e.getMessage() + URL_FORM));
        }
        List<FieldError> errors = new ArrayList<>();
        String scheme = uri.getScheme() == null ? "" : uri.getScheme();
        if (!scheme.equals("https")) {
            errors.add(FieldError.invalid(path, scheme, "'https' is the only allowed URL scheme" + URL_FORM));
        }
        // Go splits the authority at its last '@' (java.net.URI keeps "user@" with no host as one registry name)
        String authority = uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
        int at = authority.lastIndexOf('@');
        String host = authority.substring(at + 1);
        if (host.isEmpty()) {
            errors.add(FieldError.invalid(path, host, "host must be provided" + URL_FORM));
        }
        if (at >= 0) {
            errors.add(FieldError.invalid(path, authority.substring(0, at), "user information is not permitted in the URL"));
        }
        if (uri.getRawFragment() != null && !uri.getRawFragment().isEmpty()) {
            errors.add(FieldError.invalid(path, uri.getFragment(), "fragments are not permitted in the URL"));
        }
        if (uri.getRawQuery() != null && !uri.getRawQuery().isEmpty()) {
            errors.add(FieldError.invalid(path, uri.getRawQuery(), "query parameters are not permitted in the URL"));
        }
        return errors;
    }

    /** webhook.ValidateWebhookService. */
    public static List<FieldError> webhookService(JsonNode service, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        if (text(service, "name").isEmpty()) {
            errors.add(FieldError.required(path.child("name"), "service name is required"));
        }
        if (text(service, "namespace").isEmpty()) {
            errors.add(FieldError.required(path.child("namespace"), "service namespace is required"));
        }
        long port = service.path("port").asLong(0);
        List<String> portProblems = Formats.portNumber(port);
        if (!portProblems.isEmpty()) {
            errors.add(FieldError.invalid(path.child("port"), port, "port is not valid: " + String.join(", ", portProblems)));
        }
        if (!set(service, "path")) {
            return errors;
        }
        String urlPath = text(service, "path");
        if (urlPath.equals("/") || urlPath.isEmpty()) {
            return errors;
        }
        if (urlPath.equals("//")) {
            errors.add(FieldError.invalid(path.child("path"), urlPath, "segment[0] may not be empty"));
            return errors;
        }
        if (!urlPath.startsWith("/")) {
            errors.add(FieldError.invalid(path.child("path"), urlPath, "must start with a '/'"));
        }
        String check = urlPath.substring(1);
        if (check.endsWith("/")) {
            check = check.substring(0, check.length() - 1);
        }
        String[] steps = check.split("/", -1);
        for (int i = 0; i < steps.length; i++) {
            if (steps[i].isEmpty()) {
                errors.add(FieldError.invalid(path.child("path"), urlPath, "segment[" + i + "] may not be empty"));
                continue;
            }
            for (String problem : Formats.dns1123Subdomain(steps[i])) {
                errors.add(FieldError.invalid(path.child("path"), urlPath, "segment[" + i + "]: " + problem));
            }
        }
        return errors;
    }
}
