package dev.kj.apiserver.cel;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.extensions.CelExtensions;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.GoValues;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Enforces a CRD schema's x-kubernetes-validations on a custom resource, as upstream's
 * apiextensions schema/cel Validator does: every node with a value is checked against its rules
 * ({@code self} the value, {@code oldSelf} the old value where the node correlates with the old
 * object: same property, same map key, list-map item with the same keys); transition rules (those
 * using oldSelf) are skipped where there is no old value, so on create. A false rule is reported at
 * the node (or at its {@code fieldPath}) with its messageExpression's result, else its message,
 * else "failed rule: " and the rule, as field.Invalid (objects and lists without a value) or, with
 * a {@code reason}, as Forbidden, Required or Duplicate. Rules are compiled once per schema node.
 * Not evaluated: the cost budget, optionalOldSelf, and the Kubernetes CEL libraries' functions
 * (declared for type checking only), whose calls fail at run time.
 */
public final class SchemaValidator {
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder()
            .setOptions(AdmissionExpressions.OPTIONS)
            .addLibraries(CelExtensions.strings(), CelExtensions.sets(AdmissionExpressions.OPTIONS),
                    CelExtensions.encoders(AdmissionExpressions.OPTIONS))
            .build();

    /** Compiled rules by schema node (identity: a CRD's schema is one parsed tree). */
    private final Map<JsonNode, List<Program>> programs = new ConcurrentHashMap<>();
    private final JsonNode schema;

    private record Program(SchemaExpressions.Compiled compiled, CelRuntime.Program rule,
                           CelRuntime.Program message) {
    }

    /** @param schema a structural openAPIV3Schema (a resource root) */
    public SchemaValidator(JsonNode schema) {
        this.schema = schema;
    }

    /** The rule violations of {@code object} (a create when {@code old} is null). */
    public List<FieldError> validate(JsonNode object, JsonNode old) {
        List<FieldError> errors = new ArrayList<>();
        walk(schema, true, null, object, old, errors);
        return errors;
    }

    private void walk(JsonNode node, boolean root, FieldPath path, JsonNode value, JsonNode oldValue,
                      List<FieldError> errors) {
        if (node == null || !node.isObject() || value == null || value.isNull() || value.isMissingNode()) {
            return;
        }
        JsonNode old = oldValue == null || oldValue.isNull() || oldValue.isMissingNode() ? null : oldValue;
        evaluate(node, root, path, value, old, errors);
        if (value.isArray()) {
            JsonNode items = node.get("items");
            List<String> keys = new ArrayList<>();
            node.path("x-kubernetes-list-map-keys").forEach(key -> keys.add(key.asText()));
            boolean mapList = "map".equals(node.path("x-kubernetes-list-type").asText()) && !keys.isEmpty();
            for (int i = 0; i < value.size(); i++) {
                JsonNode item = value.get(i);
                walk(items, false, index(path, i), item, mapList ? sameKeys(old, item, keys) : null, errors);
            }
        } else if (value.isObject()) {
            JsonNode properties = node.path("properties");
            JsonNode additional = node.get("additionalProperties");
            value.fieldNames().forEachRemaining(name -> {
                JsonNode was = old == null ? null : old.get(name);
                if (properties.has(name)) {
                    walk(properties.get(name), false, child(path, name), value.get(name), was, errors);
                } else if (additional != null && additional.isObject()) {
                    walk(additional, false, key(path, name), value.get(name), was, errors);
                }
            });
        }
    }

    private void evaluate(JsonNode node, boolean root, FieldPath path, JsonNode value, JsonNode old,
                          List<FieldError> errors) {
        List<Program> rules = programs.computeIfAbsent(node, n -> compile(n, root));
        if (rules.isEmpty()) {
            return;
        }
        Map<String, Object> activation = new HashMap<>();
        activation.put("self", CelValues.of(node, value));
        if (old != null) {
            activation.put("oldSelf", CelValues.of(node, old));
        }
        String type = node.path("type").asText("");
        for (Program program : rules) {
            JsonNode rule = program.compiled().rule();
            if (program.compiled().ruleProblem().isPresent()) {
                errors.add(FieldError.invalid(orWhole(path), type, "rule compile error: "
                        + program.compiled().ruleProblem().get()));
                continue;
            }
            if (program.rule() == null || program.compiled().usesOldSelf() && old == null) {
                continue;
            }
            Object result;
            try {
                result = program.rule().eval(activation);
            } catch (CelEvaluationException e) {
                errors.add(FieldError.invalid(orWhole(path), type, evaluationProblem(e) + " evaluating rule: "
                        + ruleText(rule)));
                continue;
            }
            if (Boolean.TRUE.equals(result)) {
                continue;
            }
            FieldPath at = path;
            String fieldPath = rule.path("fieldPath").asText("");
            if (!fieldPath.isEmpty()) {
                at = normalized(path, fieldPath);
            }
            String detail = message(program, activation);
            errors.add(failure(orWhole(at), type, value, detail, rule.path("reason").asText("")));
        }
    }

    /** A false rule's error: Invalid with the value (none for objects and lists) unless a reason says otherwise. */
    private static FieldError failure(FieldPath path, String type, JsonNode value, String detail, String reason) {
        String rendered = type.equals("object") || type.equals("array") || value.isContainerNode() ? null : render(value);
        return switch (reason) {
            case "FieldValueForbidden" -> FieldError.forbidden(path, detail);
            case "FieldValueRequired" -> FieldError.required(path, detail);
            case "FieldValueDuplicate" -> new FieldError(FieldError.Type.DUPLICATE, path.toString(), rendered, "");
            default -> new FieldError(FieldError.Type.INVALID, path.toString(), rendered, detail);
        };
    }

    /** Go's %v / %q of a decoded JSON scalar. */
    private static String render(JsonNode value) {
        return value.isTextual() ? GoValues.quote(value.asText()) : value.asText();
    }

    /** The messageExpression's result when it evaluates to a usable message, else the static message. */
    private static String message(Program program, Map<String, Object> activation) {
        if (program.message() != null) {
            try {
                Object text = program.message().eval(activation);
                if (text instanceof String s && !s.isBlank() && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
                    return s.strip();
                }
            } catch (CelEvaluationException e) {
                // upstream logs it and falls back to the message
            }
        }
        String message = program.compiled().rule().path("message").asText("");
        return message.isEmpty() ? "failed rule: " + ruleText(program.compiled().rule()) : message.strip();
    }

    /** upstream's ruleErrorString: the message when there is one, else the rule. */
    private static String ruleText(JsonNode rule) {
        String message = rule.path("message").asText("");
        return message.isEmpty() ? rule.path("rule").asText("").strip() : message.strip();
    }

    private static String evaluationProblem(CelEvaluationException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        return message.startsWith("evaluation error: ") ? message.substring("evaluation error: ".length()) : message;
    }

    private static List<Program> compile(JsonNode node, boolean root) {
        List<Program> out = new ArrayList<>();
        for (SchemaExpressions.Compiled compiled : SchemaExpressions.compile(node, root)) {
            out.add(new Program(compiled, compiled.program().map(SchemaValidator::program).orElse(null),
                    compiled.message().map(SchemaValidator::program).orElse(null)));
        }
        return out;
    }

    private static CelRuntime.Program program(CelAbstractSyntaxTree ast) {
        try {
            return RUNTIME.createProgram(ast);
        } catch (CelEvaluationException e) {
            throw new IllegalStateException("cannot plan a checked CEL expression: " + e.getMessage(), e);
        }
    }

    /** The item of {@code old} (a list) whose list-map keys equal {@code item}'s. */
    private static JsonNode sameKeys(JsonNode old, JsonNode item, List<String> keys) {
        if (old == null || !old.isArray()) {
            return null;
        }
        for (JsonNode candidate : old) {
            if (keys.stream().allMatch(k -> candidate.path(k).equals(item.path(k)))) {
                return candidate;
            }
        }
        return null;
    }

    /** A rule's fieldPath (".spec.x", "['a.b']") below the node's path. */
    private static FieldPath normalized(FieldPath path, String fieldPath) {
        FieldPath at = path;
        int i = 0;
        while (i < fieldPath.length()) {
            char c = fieldPath.charAt(i);
            if (c == '.') {
                int end = i + 1;
                while (end < fieldPath.length() && fieldPath.charAt(end) != '.' && fieldPath.charAt(end) != '[') {
                    end++;
                }
                at = child(at, fieldPath.substring(i + 1, end));
                i = end;
            } else if (c == '[') {
                int end = fieldPath.indexOf(']', i);
                String inside = fieldPath.substring(i + 1, end < 0 ? fieldPath.length() : end);
                if (inside.startsWith("'") && inside.endsWith("'") && inside.length() >= 2) {
                    at = child(at, inside.substring(1, inside.length() - 1).replace("\\'", "'"));
                } else {
                    at = key(at, inside);
                }
                i = end < 0 ? fieldPath.length() : end + 1;
            } else {
                i++;
            }
        }
        return at;
    }

    // upstream validates custom resources from a nil field.Path: the root prints as <nil>, children from it bare
    private static FieldPath orWhole(FieldPath path) {
        return path == null ? FieldPath.root("<nil>") : path;
    }

    private static FieldPath child(FieldPath path, String name) {
        return path == null ? FieldPath.root(name) : path.child(name);
    }

    private static FieldPath index(FieldPath path, int i) {
        return path == null ? FieldPath.root("[" + i + "]") : path.index(i);
    }

    private static FieldPath key(FieldPath path, String key) {
        return path == null ? FieldPath.root("[" + key + "]") : path.key(key);
    }

    /** JSON values as the CEL runtime takes them, typed by their schema. */
    static final class CelValues {
        private CelValues() {
        }

        static Object of(JsonNode schema, JsonNode value) {
            if (value == null || value.isNull()) {
                return dev.cel.common.values.NullValue.NULL_VALUE;
            }
            JsonNode node = schema != null && schema.isObject() ? schema : null;
            String type = node == null ? "" : node.path("type").asText("");
            if (value.isObject()) {
                Map<String, Object> out = new LinkedHashMap<>();
                JsonNode properties = node == null ? null : node.path("properties");
                JsonNode additional = node == null ? null : node.get("additionalProperties");
                value.fieldNames().forEachRemaining(name -> out.put(name, of(properties != null && properties.has(name)
                        ? properties.get(name) : additional, value.get(name))));
                return out;
            }
            if (value.isArray()) {
                List<Object> out = new ArrayList<>();
                JsonNode items = node == null ? null : node.get("items");
                value.forEach(item -> out.add(of(items, item)));
                return out;
            }
            if (value.isNumber()) {
                return type.equals("number") || value.isFloatingPointNumber() && !type.equals("integer")
                        ? (Object) value.asDouble() : (Object) value.asLong();
            }
            if (value.isBoolean()) {
                return value.asBoolean();
            }
            String text = value.asText();
            if (type.equals("string") && node != null && !node.path("x-kubernetes-int-or-string").asBoolean(false)) {
                try {
                    switch (node.path("format").asText("")) {
                        case "date-time" -> {
                            return timestamp(Instant.parse(text));
                        }
                        case "date" -> {
                            return timestamp(LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant());
                        }
                        case "byte" -> {
                            return com.google.protobuf.ByteString.copyFrom(java.util.Base64.getDecoder().decode(text));
                        }
                        default -> {
                        }
                    }
                } catch (RuntimeException e) {
                    return text; // a malformed value was refused by the schema's own checks
                }
            }
            return text;
        }

        private static com.google.protobuf.Timestamp timestamp(Instant instant) {
            return com.google.protobuf.Timestamp.newBuilder().setSeconds(instant.getEpochSecond())
                    .setNanos(instant.getNano()).build();
        }
    }
}
