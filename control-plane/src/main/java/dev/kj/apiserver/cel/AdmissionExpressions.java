package dev.kj.apiserver.cel;

import static dev.cel.common.types.SimpleType.BOOL;
import static dev.cel.common.types.SimpleType.DYN;
import static dev.cel.common.types.SimpleType.INT;
import static dev.cel.common.types.SimpleType.NULL_TYPE;
import static dev.cel.common.types.SimpleType.STRING;
import static dev.cel.common.types.SimpleType.TIMESTAMP;

import com.google.common.collect.ImmutableCollection;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import dev.cel.common.CelIssue;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.CelType;
import dev.cel.common.types.CelTypeProvider;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.StructType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerBuilder;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Compiles admission CEL expressions (ValidatingAdmissionPolicy validations, message and audit
 * annotation expressions, variables, and webhook/policy match conditions) in the environment
 * upstream's k8s.io/apiserver/pkg/admission/plugin/cel declares: {@code object}, {@code oldObject}
 * and {@code params} dynamic, {@code request} and {@code namespaceObject} typed, {@code authorizer}
 * and {@code authorizer.requestResource}, {@code variables} typed by the variables compiled before,
 * Kubernetes' CEL libraries and cel-go's extensions. Problems are worded as upstream's compiler
 * words them ("compilation failed: " + the checker's issues, "must evaluate to bool").
 */
public final class AdmissionExpressions {
    /** What an expression must evaluate to, as upstream's ExpressionAccessor.ReturnTypes. */
    public enum Kind {
        CONDITION(List.of(BOOL)), MESSAGE(List.of(STRING)), AUDIT_ANNOTATION(List.of(STRING, NULL_TYPE)), VARIABLE(List.of());

        private final List<CelType> returnTypes;

        Kind(List<CelType> returnTypes) {
            this.returnTypes = returnTypes;
        }
    }

    /** What the expression may refer to besides object, oldObject, request and namespaceObject. */
    public record Declarations(boolean params, boolean authorizer, Map<String, CelType> variables) {
        public static Declarations of(boolean params, boolean authorizer) {
            return new Declarations(params, authorizer, null);
        }
    }

    /** A compile problem: the detail upstream's cel.Error carries. */
    public record Problem(String detail) {
    }

    /** The outcome: the result type when it compiled, else the problem. */
    public record Result(Optional<CelType> type, Optional<Problem> problem) {
    }

    private static final String VARIABLES_TYPE = "kubernetes.variables";

    private static final StructType GROUP_VERSION_KIND = struct("kubernetes.GroupVersionKind",
            Map.of("group", STRING, "version", STRING, "kind", STRING));
    private static final StructType GROUP_VERSION_RESOURCE = struct("kubernetes.GroupVersionResource",
            Map.of("group", STRING, "version", STRING, "resource", STRING));
    private static final StructType USER_INFO = struct("kubernetes.UserInfo", Map.of("username", STRING, "uid", STRING,
            "groups", ListType.create(STRING), "extra", MapType.create(STRING, ListType.create(STRING))));
    private static final StructType REQUEST = struct("kubernetes.AdmissionRequest", ordered(
            "kind", GROUP_VERSION_KIND, "resource", GROUP_VERSION_RESOURCE, "subResource", STRING,
            "requestKind", GROUP_VERSION_KIND, "requestResource", GROUP_VERSION_RESOURCE, "requestSubResource", STRING,
            "name", STRING, "namespace", STRING, "operation", STRING, "userInfo", USER_INFO, "dryRun", BOOL,
            "options", DYN));
    private static final StructType NAMESPACE_METADATA = struct("kubernetes.NamespaceMetadata", ordered(
            "name", STRING, "generateName", STRING, "namespace", STRING, "labels", MapType.create(STRING, STRING),
            "annotations", MapType.create(STRING, STRING), "uid", STRING, "creationTimestamp", TIMESTAMP,
            "deletionGracePeriodSeconds", INT, "deletionTimestamp", TIMESTAMP, "generation", INT,
            "resourceVersion", STRING, "finalizers", ListType.create(STRING)));
    private static final StructType NAMESPACE_CONDITION = struct("kubernetes.NamespaceCondition", ordered(
            "status", STRING, "type", STRING, "lastTransitionTime", TIMESTAMP, "message", STRING, "reason", STRING));
    private static final StructType NAMESPACE = struct("kubernetes.Namespace", ordered(
            "metadata", NAMESPACE_METADATA,
            "spec", struct("kubernetes.NamespaceSpec", Map.of("finalizers", ListType.create(STRING))),
            "status", struct("kubernetes.NamespaceStatus", Map.of("conditions", ListType.create(NAMESPACE_CONDITION),
                    "phase", STRING))));

    private AdmissionExpressions() {
    }

    /** Compiles one expression. */
    public static Result compile(String expression, Kind kind, Declarations declarations) {
        CelCompiler compiler = compiler(declarations);
        CelValidationResult parsed = compiler.parse(expression);
        if (parsed.hasError()) {
            return failed(parsed, "Syntax error: ");
        }
        CelValidationResult result;
        try {
            result = compiler.check(parsed.getAst());
        } catch (CelValidationException e) {
            return failed(parsed, "Syntax error: ");
        }
        if (result.hasError()) {
            return failed(result, "");
        }
        CelType type;
        try {
            type = result.getAst().getResultType();
        } catch (CelValidationException e) {
            return new Result(Optional.empty(), Optional.of(new Problem("compilation failed: " + e.getMessage())));
        }
        if (!kind.returnTypes.isEmpty() && kind.returnTypes.stream().noneMatch(t -> t.equals(type))) {
            String reason = kind.returnTypes.size() == 1
                    ? "must evaluate to " + kind.returnTypes.getFirst().name()
                    : "must evaluate to one of " + kind.returnTypes.stream().map(CelType::name).toList()
                            .toString().replace(",", "");
            return new Result(Optional.of(type), Optional.of(new Problem(reason)));
        }
        return new Result(Optional.of(type), Optional.empty());
    }

    /**
     * cel-go's Issues.String(): each error with its location and the source line; parse errors say
     * "Syntax error: " and overload errors do not list the candidates (cel-java's additions).
     */
    private static Result failed(CelValidationResult result, String prefix) {
        return new Result(Optional.empty(), Optional.of(new Problem("compilation failed: " + issues(result, prefix))));
    }

    /** The issues of a failed parse or check as cel-go's Issues.String() prints them. */
    static String issues(CelValidationResult result, String prefix) {
        List<CelIssue> issues = result.getErrors().stream()
                .map(issue -> CelIssue.formatError(issue.getExprId(), issue.getSourceLocation(),
                        prefix + CANDIDATES.matcher(issue.getMessage()).replaceFirst("")))
                .toList();
        return CelIssue.toDisplayString(issues, result.getSource());
    }

    private static final Pattern CANDIDATES = Pattern.compile(" \\(candidates: .*\\)$", Pattern.DOTALL);

    /** Upstream's base environment options (homogeneous literals, cross-type numeric comparisons). */
    static final CelOptions OPTIONS = CelOptions.current().enableHomogeneousLiterals(true)
            .enableHeterogeneousNumericComparisons(true).build();

    /** The base environment every Kubernetes CEL expression compiles in: cel-go's extensions and Kubernetes' libraries. */
    static CelCompilerBuilder baseCompiler() {
        return CelCompilerFactory.standardCelCompilerBuilder()
                .setOptions(OPTIONS)
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .addLibraries(CelExtensions.strings(), CelExtensions.sets(OPTIONS), CelExtensions.lists(),
                        CelExtensions.optional(), CelExtensions.bindings(), CelExtensions.encoders(OPTIONS),
                        CelExtensions.comprehensions())
                .addFunctionDeclarations(KubernetesLibraries.declarations());
    }

    private static CelCompiler compiler(Declarations declarations) {
        List<StructType> types = new java.util.ArrayList<>(List.of(GROUP_VERSION_KIND, GROUP_VERSION_RESOURCE, USER_INFO,
                REQUEST, NAMESPACE_METADATA, NAMESPACE_CONDITION, NAMESPACE));
        CelCompilerBuilder builder = baseCompiler()
                .addVar("object", DYN)
                .addVar("oldObject", DYN)
                .addVar("request", REQUEST)
                .addVar("namespaceObject", NAMESPACE);
        if (declarations.params()) {
            builder.addVar("params", DYN);
        }
        if (declarations.authorizer()) {
            builder.addVar("authorizer", KubernetesLibraries.AUTHORIZER);
            builder.addVar("authorizer.requestResource", KubernetesLibraries.RESOURCE_CHECK);
        }
        if (declarations.variables() != null) {
            StructType variables = struct(VARIABLES_TYPE, declarations.variables());
            types.add(variables);
            builder.addVar("variables", variables);
        }
        builder.setTypeProvider(new Types(types));
        return builder.build();
    }

    private static Map<String, CelType> ordered(Object... namesAndTypes) {
        Map<String, CelType> fields = new LinkedHashMap<>();
        for (int i = 0; i < namesAndTypes.length; i += 2) {
            fields.put((String) namesAndTypes[i], (CelType) namesAndTypes[i + 1]);
        }
        return fields;
    }

    static StructType struct(String name, Map<String, CelType> fields) {
        Map<String, CelType> copy = new LinkedHashMap<>(fields);
        return StructType.create(name, ImmutableSet.copyOf(copy.keySet()), field -> Optional.ofNullable(copy.get(field)));
    }

    /** The object types above, for the checker's field lookups. */
    record Types(List<StructType> structs) implements CelTypeProvider {
        @Override
        public ImmutableCollection<CelType> types() {
            return ImmutableList.copyOf(structs);
        }

        @Override
        public Optional<CelType> findType(String typeName) {
            return structs.stream().filter(s -> s.name().equals(typeName)).map(CelType.class::cast).findFirst();
        }
    }
}
