package dev.kj.apiserver.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class TypeModelTest {
    private final TypeModel model = TypeModel.get();

    /**
     * Our facts against upstream's (upstream-patch-facts.txt, the x-kubernetes-* extensions of
     * v1.33's types), both ways: every upstream fact on a type we model is ours, field for field,
     * and every fact we hold is upstream's.
     */
    @Test
    void patchAndListFactsAreUpstreams() throws IOException {
        Map<String, String> upstream = upstreamFacts();
        Map<String, String> ours = ourFacts();
        TreeSet<String> modelledTypes = new TreeSet<>(model.types().keySet());
        List<String> differences = new ArrayList<>();
        int compared = 0;
        for (var fact : upstream.entrySet()) {
            String type = fact.getKey().substring(0, fact.getKey().indexOf(' '));
            if (!modelledTypes.contains(type)) {
                continue; // a type no served kind reaches
            }
            compared++;
            if (!fact.getValue().equals(ours.get(fact.getKey()))) {
                differences.add("upstream " + fact.getKey() + ": " + fact.getValue() + ", ours: " + ours.get(fact.getKey()));
            }
        }
        for (var fact : ours.entrySet()) {
            if (!upstream.containsKey(fact.getKey())) {
                differences.add("ours " + fact.getKey() + ": " + fact.getValue() + ", upstream has none");
            }
        }
        assertEquals(List.of(), differences);
        assertEquals(ours.size(), compared, "every fact of ours was compared with upstream's");
    }

    /**
     * Our required fields against upstream's (upstream-required-facts.txt, the "required" lists of
     * v1.33's OpenAPI), both ways, for every type we model.
     */
    @Test
    void requiredFieldsAreUpstreams() throws IOException {
        Map<String, List<String>> upstream = new TreeMap<>();
        try (var in = new BufferedReader(new InputStreamReader(
                Objects.requireNonNull(TypeModelTest.class.getResourceAsStream("upstream-required-facts.txt")), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                List<String> parts = List.of(line.split(" "));
                upstream.put(ourName(parts.getFirst()), parts.subList(1, parts.size()));
            }
        }
        List<String> differences = new ArrayList<>();
        int compared = 0;
        for (Type type : new TreeMap<>(model.types()).values()) {
            if (type.jsonForm().isPresent()) {
                continue;
            }
            List<String> ours = type.jsonFields().stream().filter(Field::required).map(Field::name).sorted().toList();
            List<String> theirs = upstream.getOrDefault(type.name(), List.of()).stream().sorted().toList();
            if (!upstream.containsKey(type.name()) && !ours.isEmpty() && !hasUpstreamSource(type)) {
                continue; // runtime.Unknown and kin: not OpenAPI types
            }
            compared += theirs.size();
            if (!ours.equals(theirs)) {
                differences.add(type.name() + ": ours " + ours + ", upstream " + theirs);
            }
        }
        assertEquals(List.of(), differences);
        assertTrue(compared > 100, "compared " + compared);
        assertTrue(model.type("core.v1.Container").orElseThrow().field("name").orElseThrow().required());
        assertFalse(model.type("apps.v1.StatefulSetSpec").orElseThrow().field("serviceName").orElseThrow().required(),
                "+optional wins over a json tag without omitempty");
    }

    /** Types of the packages the required facts were extracted from. */
    private static boolean hasUpstreamSource(Type type) {
        return !type.name().startsWith("runtime.") && !type.name().startsWith("intstr.") && !type.name().startsWith("resource.");
    }

    @Test
    void kindsAndTheirFieldsAsUpstreamWritesThem() {
        Type deployment = model.kind("apps/v1", "Deployment").orElseThrow();
        assertEquals("apps.v1.Deployment", deployment.name());
        assertEquals("Deployment", deployment.goName());
        assertEquals(List.of("metadata", "spec", "status"), deployment.fields().stream().map(Field::name).toList());
        Type podSpec = model.type("core.v1.PodSpec").orElseThrow();
        Field containers = podSpec.field("containers").orElseThrow();
        assertEquals(new Field.ListOf(new Field.Struct(model.type("core.v1.Container").orElseThrow())), containers.value());
        assertTrue(containers.hasPatchStrategy("merge"));
        assertEquals("name", containers.patchMergeKey());
        Field volumes = podSpec.field("volumes").orElseThrow();
        assertEquals(List.of("merge", "retainKeys"), volumes.patchStrategies());
        Field ports = model.type("core.v1.Container").orElseThrow().field("ports").orElseThrow();
        assertEquals("containerPort", ports.patchMergeKey());
        assertEquals(List.of("containerPort", "protocol"), ports.listMapKeys());
        assertEquals(Field.ListType.MAP, ports.listType().orElseThrow());
        assertEquals(Field.MapType.ATOMIC, podSpec.field("nodeSelector").orElseThrow().mapType().orElseThrow());
        assertEquals(new Field.MapOf(new Field.Scalar(Field.ScalarKind.STRING)), podSpec.field("nodeSelector").orElseThrow().value());
        Type objectMeta = model.type("meta.v1.ObjectMeta").orElseThrow();
        assertEquals("uid", objectMeta.field("ownerReferences").orElseThrow().patchMergeKey());
        assertEquals(Field.ListType.SET, objectMeta.field("finalizers").orElseThrow().listType().orElseThrow());
        assertEquals(Field.MapType.ATOMIC, model.type("meta.v1.LabelSelector").orElseThrow().structType());
        assertEquals(Field.MapType.GRANULAR, podSpec.structType());
        assertEquals(List.of("retainKeys"), model.type("apps.v1.DeploymentSpec").orElseThrow()
                .field("strategy").orElseThrow().patchStrategies());
    }

    @Test
    void inlineStructsLendTheirFieldsAndLookupsFallBackToAnyCase() {
        Type ephemeral = model.type("core.v1.EphemeralContainer").orElseThrow();
        Field env = ephemeral.field("env").orElseThrow();
        assertEquals("name", env.patchMergeKey());
        assertTrue(ephemeral.fields().stream().anyMatch(Field::inline));
        assertTrue(ephemeral.jsonFields().stream().noneMatch(Field::inline));
        assertTrue(ephemeral.jsonFields().stream().anyMatch(field -> field.name().equals("targetContainerName")));
        // encoding/json (and upstream's patch metadata) match a key to a field ignoring case when no name is exact
        assertEquals("containers", model.type("core.v1.PodSpec").orElseThrow().field("Containers").orElseThrow().name());
        assertFalse(model.type("core.v1.PodSpec").orElseThrow().field("nope").isPresent());
        Type secretKey = model.type("core.v1.SecretKeySelector").orElseThrow();
        assertEquals(List.of("name", "key", "optional"), secretKey.jsonFields().stream().map(Field::name).toList());
    }

    @Test
    void typesThatWriteTheirOwnJson() {
        assertEquals(JsonForm.TIME, model.type("meta.v1.Time").orElseThrow().jsonForm().orElseThrow());
        assertEquals(JsonForm.QUANTITY, model.type("resource.Quantity").orElseThrow().jsonForm().orElseThrow());
        assertEquals(JsonForm.INT_OR_STRING, model.type("intstr.IntOrString").orElseThrow().jsonForm().orElseThrow());
        assertEquals(JsonForm.RAW, model.type("runtime.RawExtension").orElseThrow().jsonForm().orElseThrow());
        assertEquals(JsonForm.STRING_LIST, model.type("certificates.v1.ExtraValue").orElseThrow().jsonForm().orElseThrow());
        assertTrue(model.type("meta.v1.FieldsV1").orElseThrow().field("Raw").isEmpty(), "custom JSON types have no JSON fields");
        assertTrue(model.type("core.v1.PodSpec").orElseThrow().jsonForm().isEmpty());
    }

    @Test
    void optionsKindsServeEveryGroupVersion() {
        assertEquals("meta.v1.DeleteOptions", model.kind("apps/v1", "DeleteOptions").orElseThrow().name());
        assertTrue(model.kind("nope/v1", "DeleteOptions").isEmpty());
        assertTrue(model.kinds().contains("v1/Pod"));
    }

    /** "type field" (field "." for the type itself) → facts in a canonical order. */
    private static Map<String, String> upstreamFacts() throws IOException {
        Map<String, String> facts = new TreeMap<>();
        try (var in = new BufferedReader(new InputStreamReader(
                Objects.requireNonNull(TypeModelTest.class.getResourceAsStream("upstream-patch-facts.txt")), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.split(" ");
                Map<String, String> values = new TreeMap<>();
                for (int i = 2; i < parts.length; i++) {
                    String[] pair = parts[i].split("=", 2);
                    values.put(pair[0], pair[1]);
                }
                facts.put(ourName(parts[0]) + " " + parts[1], values.toString());
            }
        }
        return facts;
    }

    private Map<String, String> ourFacts() {
        Map<String, String> facts = new TreeMap<>();
        for (Type type : model.types().values()) {
            if (type.structType() == Field.MapType.ATOMIC) {
                facts.put(type.name() + " .", Map.of("x-kubernetes-map-type", "atomic").toString());
            }
            for (Field field : type.jsonFields()) {
                Map<String, String> values = new TreeMap<>();
                if (!field.patchStrategies().isEmpty()) {
                    values.put("x-kubernetes-patch-strategy", String.join(",", field.patchStrategies()));
                }
                if (!field.patchMergeKey().isEmpty()) {
                    values.put("x-kubernetes-patch-merge-key", field.patchMergeKey());
                }
                field.listType().ifPresent(listType -> values.put("x-kubernetes-list-type", lower(listType)));
                if (!field.listMapKeys().isEmpty()) {
                    values.put("x-kubernetes-list-map-keys", String.join(",", field.listMapKeys()));
                }
                field.mapType().ifPresent(mapType -> values.put("x-kubernetes-map-type", lower(mapType)));
                if (!values.isEmpty()) {
                    facts.put(type.name() + " " + field.name(), values.toString());
                }
            }
        }
        return facts;
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Upstream's OpenAPI definition name → ours: io.k8s.api.core.v1.Pod → core.v1.Pod. */
    private static String ourName(String definition) {
        for (String prefix : List.of("io.k8s.api.", "io.k8s.apimachinery.pkg.apis.", "io.k8s.apiextensions-apiserver.pkg.apis.")) {
            if (definition.startsWith(prefix)) {
                return definition.substring(prefix.length());
            }
        }
        throw new IllegalArgumentException(definition);
    }
}
