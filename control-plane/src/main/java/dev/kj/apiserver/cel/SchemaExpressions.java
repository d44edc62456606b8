package dev.kj.apiserver.cel;

import static dev.cel.common.types.SimpleType.BOOL;
import static dev.cel.common.types.SimpleType.BYTES;
import static dev.cel.common.types.SimpleType.DOUBLE;
import static dev.cel.common.types.SimpleType.DURATION;
import static dev.cel.common.types.SimpleType.DYN;
import static dev.cel.common.types.SimpleType.INT;
import static dev.cel.common.types.SimpleType.STRING;
import static dev.cel.common.types.SimpleType.TIMESTAMP;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.StructType;
import dev.cel.compiler.CelCompiler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Compiles a CRD schema node's x-kubernetes-validations as upstream's apiextensions
 * schema/cel.Compile does: {@code self} and {@code oldSelf} typed from the structural schema
 * (objects with properties as object types, additionalProperties as maps, arrays as lists, the
 * string formats byte/duration/date/date-time as bytes/duration/timestamp, int-or-string and
 * preserved unknown fields as dyn; a resource root or embedded resource also has apiVersion, kind
 * and metadata.name/generateName), in the base environment with Kubernetes' libraries. A rule
 * must evaluate to bool and a messageExpression to string.
 */
public final class SchemaExpressions {
    private SchemaExpressions() {
    }

    /**
     * One rule compiled: its program (absent when it failed or is blank), whether it is a
     * transition rule (refers to oldSelf), its messageExpression's program, and the problems
     * upstream reports at the rule's {@code rule} and {@code messageExpression}.
     */
    public record Compiled(JsonNode rule, Optional<CelAbstractSyntaxTree> program, boolean usesOldSelf,
                           Optional<CelAbstractSyntaxTree> message, Optional<String> ruleProblem,
                           Optional<String> messageProblem) {
    }

    /** The rules of {@code schema} (empty when it has none). */
    public static List<Compiled> compile(JsonNode schema, boolean resourceRoot) {
        JsonNode rules = schema.path("x-kubernetes-validations");
        if (!rules.isArray() || rules.isEmpty()) {
            return List.of();
        }
        List<StructType> structs = new ArrayList<>();
        CelType self = declType(schema, "selfType", resourceRoot, structs);
        CelCompiler compiler = AdmissionExpressions.baseCompiler()
                .addVar("self", self)
                .addVar("oldSelf", self)
                .setTypeProvider(new AdmissionExpressions.Types(structs))
                .build();
        List<Compiled> out = new ArrayList<>();
        for (JsonNode rule : rules) {
            Checked program = expression(compiler, rule.path("rule").asText(""), BOOL, "compilation failed: ",
                    "cel expression must evaluate to a bool");
            Checked message = expression(compiler, rule.path("messageExpression").asText(""), STRING,
                    "messageExpression compilation failed: ", "messageExpression must evaluate to a string");
            Optional<CelAbstractSyntaxTree> ast = Optional.ofNullable(program.ast());
            boolean usesOldSelf = ast.map(a -> a.getReferenceMap().values().stream()
                    .anyMatch(reference -> reference.name().equals("oldSelf"))).orElse(false);
            out.add(new Compiled(rule, ast, usesOldSelf, Optional.ofNullable(message.ast()),
                    Optional.ofNullable(program.problem()), Optional.ofNullable(message.problem())));
        }
        return out;
    }

    /** A checked expression, or why not (both null for a blank one, which is not compiled). */
    private record Checked(CelAbstractSyntaxTree ast, String problem) {
    }

    /** One expression that must evaluate to {@code wanted}: upstream's words when it does not compile or type. */
    private static Checked expression(CelCompiler compiler, String text, CelType wanted, String failed, String wrongType) {
        if (text.isBlank()) {
            return new Checked(null, null);
        }
        Checked checked = check(compiler, text);
        if (checked.problem() != null) {
            return new Checked(null, failed + checked.problem());
        }
        return checked.ast().getResultType().equals(wanted) ? checked : new Checked(null, wrongType);
    }

    private static Checked check(CelCompiler compiler, String expression) {
        CelValidationResult parsed = compiler.parse(expression);
        if (parsed.hasError()) {
            return new Checked(null, AdmissionExpressions.issues(parsed, "Syntax error: "));
        }
        CelValidationResult checked;
        try {
            checked = compiler.check(parsed.getAst());
        } catch (CelValidationException e) {
            return new Checked(null, AdmissionExpressions.issues(parsed, "Syntax error: "));
        }
        if (checked.hasError()) {
            return new Checked(null, AdmissionExpressions.issues(checked, ""));
        }
        try {
            return new Checked(checked.getAst(), null);
        } catch (CelValidationException e) {
            return new Checked(null, e.getMessage());
        }
    }

    /** The CEL type of a schema node (upstream's SchemaDeclType); object types are added to {@code structs}. */
    static CelType declType(JsonNode schema, String name, boolean resource, List<StructType> structs) {
        if (schema == null || !schema.isObject() || schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
            return DYN;
        }
        return switch (schema.path("type").asText("")) {
            case "object" -> objectType(schema, name, resource
                    || schema.path("x-kubernetes-embedded-resource").asBoolean(false), structs);
            case "array" -> ListType.create(declType(schema.get("items"), name + ".@idx", false, structs));
            case "string" -> switch (schema.path("format").asText("")) {
                case "byte" -> BYTES;
                case "duration" -> DURATION;
                case "date", "date-time" -> TIMESTAMP;
                default -> STRING;
            };
            case "integer" -> INT;
            case "number" -> DOUBLE;
            case "boolean" -> BOOL;
            default -> DYN;
        };
    }

    private static CelType objectType(JsonNode schema, String name, boolean resource, List<StructType> structs) {
        JsonNode properties = schema.path("properties");
        JsonNode additional = schema.get("additionalProperties");
        if (!resource && properties.isEmpty() && additional != null && additional.isObject()) {
            return MapType.create(STRING, declType(additional, name + ".@elem", false, structs));
        }
        if (!resource && properties.isEmpty() && schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
            return DYN;
        }
        Map<String, CelType> fields = new LinkedHashMap<>();
        properties.fieldNames().forEachRemaining(property ->
                fields.put(property, declType(properties.get(property), name + "." + property, false, structs)));
        if (resource) {
            fields.put("apiVersion", STRING);
            fields.put("kind", STRING);
            StructType metadata = AdmissionExpressions.struct(name + ".metadata",
                    Map.of("name", STRING, "generateName", STRING));
            structs.add(metadata);
            fields.put("metadata", metadata);
        }
        StructType type = AdmissionExpressions.struct(name, fields);
        structs.add(type);
        return type;
    }
}
