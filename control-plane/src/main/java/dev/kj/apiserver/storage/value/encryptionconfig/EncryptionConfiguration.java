package dev.kj.apiserver.storage.value.encryptionconfig;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kj.apiserver.storage.value.Identity;
import dev.kj.apiserver.storage.value.PrefixTransformers;
import dev.kj.apiserver.storage.value.PrefixTransformers.Prefixed;
import dev.kj.apiserver.storage.value.TransformationMetrics;
import dev.kj.apiserver.storage.value.Transformer;
import dev.kj.apiserver.storage.value.encrypt.AesCbc;
import dev.kj.apiserver.storage.value.encrypt.AesGcm;
import dev.kj.apiserver.storage.value.encrypt.Secretbox;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.GoValues;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code --encryption-provider-config} file (EncryptionConfiguration,
 * apiserver.config.k8s.io/v1, YAML or JSON) read, checked and turned into each resource's
 * transformer as upstream's server/options/encryptionconfig does: the file is decoded strictly
 * (unknown fields refused), validated with upstream's rules and messages, and every resource entry
 * gets its providers in order (the first writes; all read, chosen by prefix). A resource takes the
 * providers of its own entry, else of {@code *.<group>} ({@code *.} for the core group), else of
 * {@code *.*}, else identity. KMS providers are not built.
 */
public final class EncryptionConfiguration {
    public static final String API_VERSION = "apiserver.config.k8s.io/v1";
    public static final String KIND = "EncryptionConfiguration";

    private static final String AESCBC_PREFIX = "k8s:enc:aescbc:v1:";
    private static final String AESGCM_PREFIX = "k8s:enc:aesgcm:v1:";
    private static final String SECRETBOX_PREFIX = "k8s:enc:secretbox:v1:";
    private static final List<Integer> AES_KEY_SIZES = List.of(16, 24, 32);
    private static final List<Integer> SECRETBOX_KEY_SIZES = List.of(32);
    private static final String NO_PROVIDER = "provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity";

    /** Every field the v1 types have, by where they sit (strict decoding refuses the rest). */
    private static final Map<String, Set<String>> FIELDS = Map.of(
            "", Set.of("apiVersion", "kind", "resources"),
            "resources[]", Set.of("resources", "providers"),
            "providers[]", Set.of("aesgcm", "aescbc", "secretbox", "identity", "kms"),
            "aes", Set.of("keys"),
            "keys[]", Set.of("name", "secret"),
            "identity", Set.of(),
            "kms", Set.of("apiVersion", "name", "cachesize", "endpoint", "timeout"));

    private final Map<GroupResource, Transformer> transformers;

    private EncryptionConfiguration(Map<GroupResource, Transformer> transformers) {
        this.transformers = Map.copyOf(transformers);
    }

    /** Reads the file as kube-apiserver does at start; the message of a failure is upstream's. */
    public static EncryptionConfiguration load(Path file, TransformationMetrics metrics) throws EncryptionConfigException {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new EncryptionConfigException("error while parsing file: error while loading file: error reading encryption"
                    + " provider configuration file " + GoValues.quote(file.toString()) + ": " + ioMessage(e));
        }
        if (data.length == 0) {
            throw new EncryptionConfigException("error while parsing file: error while loading file: encryption provider"
                    + " configuration file " + GoValues.quote(file.toString()) + " is empty");
        }
        JsonNode root;
        try {
            root = decode(data);
        } catch (EncryptionConfigException e) {
            throw new EncryptionConfigException("error while parsing file: error decoding encryption provider configuration file "
                    + GoValues.quote(file.toString()) + ": " + e.getMessage());
        }
        List<FieldError> errors = validate(root);
        if (!errors.isEmpty()) {
            throw new EncryptionConfigException("error while parsing file: " + aggregate(errors));
        }
        try {
            return new EncryptionConfiguration(build(root, metrics));
        } catch (EncryptionConfigException e) {
            throw new EncryptionConfigException("error while building transformers: " + e.getMessage());
        }
    }

    /** The transformer of a resource ({@code ""}, {@code "secrets"}): its entry, its group's, every group's, or identity. */
    public Transformer forResource(String group, String resource) {
        Transformer transformer = transformers.get(new GroupResource(group, resource));
        if (transformer == null) {
            transformer = transformers.get(new GroupResource(group, "*"));
        }
        if (transformer == null) {
            transformer = transformers.get(GroupResource.ANY);
        }
        return transformer == null ? Identity.INSTANCE : transformer;
    }

    // ---- decoding ----

    private static JsonNode decode(byte[] data) throws EncryptionConfigException {
        JsonNode root;
        try {
            // YAML is a superset of JSON; upstream converts YAML to JSON first as well
            root = new ObjectMapper(new YAMLFactory()).readTree(data);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new EncryptionConfigException("error converting YAML to JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new EncryptionConfigException("error converting YAML to JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new EncryptionConfigException("couldn't get version/kind; json parse error: json: cannot unmarshal "
                    + (root == null ? "null" : goType(root)) + " into Go value of type struct { APIVersion string "
                    + "\"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }");
        }
        String kind = root.path("kind").asText("");
        String apiVersion = root.path("apiVersion").asText("");
        if (kind.isEmpty()) {
            throw new EncryptionConfigException("Object 'Kind' is missing in '" + compact(root) + "'");
        }
        if (!apiVersion.equals(API_VERSION) || !kind.equals(KIND)) {
            throw new EncryptionConfigException("no kind " + GoValues.quote(kind) + " is registered for version "
                    + GoValues.quote(apiVersion) + " in scheme \"pkg/runtime/scheme.go:100\"");
        }
        List<String> unknown = new ArrayList<>();
        List<String> types = new ArrayList<>();
        checkFields(root, "", "", unknown, types);
        if (!types.isEmpty()) {
            throw new EncryptionConfigException(types.getFirst());
        }
        if (!unknown.isEmpty()) {
            throw new EncryptionConfigException("strict decoding error: " + String.join(", ", unknown));
        }
        return root;
    }

    /** Walks the document against the v1 types: unknown fields as strict decoding names them, and type mismatches. */
    private static void checkFields(JsonNode node, String shape, String path, List<String> unknown, List<String> types) {
        if (node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            types.add("json: cannot unmarshal " + goType(node) + " into Go struct field " + (path.isEmpty() ? "." : path)
                    + " of type object");
            return;
        }
        Set<String> known = FIELDS.get(shape);
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String name = field.getKey();
            String at = path.isEmpty() ? name : path + "." + name;
            if (!known.contains(name)) {
                unknown.add("unknown field " + GoValues.quote(at));
                continue;
            }
            JsonNode value = field.getValue();
            switch (shape + "/" + name) {
                case "/resources" -> list(value, at, "resources[]", unknown, types);
                case "resources[]/providers" -> list(value, at, "providers[]", unknown, types);
                case "resources[]/resources" -> strings(value, at, types);
                case "providers[]/aesgcm", "providers[]/aescbc", "providers[]/secretbox" ->
                        checkFields(value, "aes", at, unknown, types);
                case "aes/keys" -> list(value, at, "keys[]", unknown, types);
                case "providers[]/identity" -> checkFields(value, "identity", at, unknown, types);
                case "providers[]/kms" -> checkFields(value, "kms", at, unknown, types);
                default -> {
                    if (!value.isNull() && !value.isValueNode()) {
                        types.add("json: cannot unmarshal " + goType(value) + " into Go struct field " + at + " of type string");
                    }
                }
            }
        }
    }

    private static void list(JsonNode value, String at, String shape, List<String> unknown, List<String> types) {
        if (value.isNull()) {
            return;
        }
        if (!value.isArray()) {
            types.add("json: cannot unmarshal " + goType(value) + " into Go struct field " + at + " of type []");
            return;
        }
        for (int i = 0; i < value.size(); i++) {
            checkFields(value.get(i), shape, at + "[" + i + "]", unknown, types);
        }
    }

    private static void strings(JsonNode value, String at, List<String> types) {
        if (value.isNull()) {
            return;
        }
        if (!value.isArray()) {
            types.add("json: cannot unmarshal " + goType(value) + " into Go struct field " + at + " of type []string");
            return;
        }
        for (JsonNode item : value) {
            if (!item.isTextual()) {
                types.add("json: cannot unmarshal " + goType(item) + " into Go struct field " + at + " of type string");
            }
        }
    }

    private static String goType(JsonNode node) {
        if (node.isObject()) {
            return "object";
        }
        if (node.isArray()) {
            return "array";
        }
        if (node.isNumber()) {
            return "number";
        }
        if (node.isBoolean()) {
            return "bool";
        }
        return "string";
    }

    // ---- validation (upstream's apis/apiserver/validation, ValidateEncryptionConfiguration) ----

    static List<FieldError> validate(JsonNode root) {
        FieldPath resourcesPath = FieldPath.root("resources");
        List<FieldError> errors = new ArrayList<>();
        JsonNode entries = root.path("resources");
        if (entries.size() == 0) {
            errors.add(FieldError.required(resourcesPath, "at least one " + resourcesPath + " is required"));
            return errors;
        }
        for (int i = 0; i < entries.size(); i++) {
            JsonNode entry = entries.get(i);
            FieldPath r = resourcesPath.index(i).child("resources");
            FieldPath p = resourcesPath.index(i).child("providers");
            List<String> resources = new ArrayList<>();
            entry.path("resources").forEach(resource -> resources.add(resource.asText()));
            if (resources.isEmpty()) {
                errors.add(FieldError.required(r, "at least one " + r + " is required"));
            }
            errors.addAll(overlap(resources, r));
            errors.addAll(names(resources, r));
            JsonNode providers = entry.path("providers");
            if (providers.size() == 0) {
                errors.add(FieldError.required(p, "at least one " + p + " is required"));
            }
            for (int j = 0; j < providers.size(); j++) {
                JsonNode provider = providers.get(j);
                FieldPath at = p.index(j);
                List<String> kinds = kinds(provider);
                if (kinds.isEmpty()) {
                    errors.add(FieldError.invalidRendered(at, providerValue(provider), NO_PROVIDER));
                    continue;
                }
                if (kinds.size() > 1) {
                    errors.add(FieldError.invalidRendered(at, providerValue(provider),
                            "more than one provider specified in a single element, should split into different list elements"));
                    continue;
                }
                switch (kinds.getFirst()) {
                    case "aesgcm", "aescbc" -> errors.addAll(keys(provider.get(kinds.getFirst()).path("keys"),
                            at.child(kinds.getFirst(), "keys"), AES_KEY_SIZES));
                    case "secretbox" -> errors.addAll(keys(provider.get("secretbox").path("keys"),
                            at.child("secretbox", "keys"), SECRETBOX_KEY_SIZES));
                    default -> {
                    }
                }
            }
        }
        return errors;
    }

    private static List<FieldError> overlap(List<String> resources, FieldPath path) {
        if (resources.size() < 2) {
            return List.of();
        }
        List<GroupResource> parsed = resources.stream().map(GroupResource::parse).toList();
        boolean duplicate = false;
        boolean overlap = false;
        for (int i = 0; i < parsed.size(); i++) {
            for (int j = 0; j < parsed.size(); j++) {
                if (i == j) {
                    continue;
                }
                GroupResource a = parsed.get(i);
                GroupResource b = parsed.get(j);
                if (a.equals(b) && !duplicate) {
                    duplicate = true;
                    continue;
                }
                if (overlap) {
                    continue;
                }
                if (a.equals(GroupResource.ANY)) {
                    overlap = true;
                    continue;
                }
                if (a.group().equals(b.group()) && (a.resource().equals("*") || b.resource().equals("*"))) {
                    overlap = true;
                }
            }
        }
        List<FieldError> errors = new ArrayList<>();
        String rendered = goStrings(resources);
        if (duplicate) {
            errors.add(FieldError.invalidRendered(path, rendered, "the same resource cannot be specified multiple times"));
        }
        if (overlap) {
            errors.add(FieldError.invalidRendered(path, rendered,
                    "using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked"));
        }
        return errors;
    }

    private static List<FieldError> names(List<String> resources, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        for (int j = 0; j < resources.size(); j++) {
            String resource = resources.get(j);
            FieldPath at = path.index(j);
            GroupResource parsed = GroupResource.parse(resource);
            String problem;
            if (!resource.toLowerCase(java.util.Locale.ROOT).equals(resource)) {
                problem = "resource name should not contain capital letters";
            } else if (resource.equals("*")) {
                problem = "use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources";
            } else if (resource.equals("apiserveripinfo") || resource.equals("serviceipallocations")
                    || resource.equals("servicenodeportallocations")) {
                problem = "resources which do not have REST API/s cannot be encrypted";
            } else if (parsed.group().equals("events.k8s.io")) {
                problem = "'*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use 'events' instead in the config file";
            } else if (parsed.group().equals("extensions")) {
                problem = "'extensions' group has been removed and cannot be used for encryption";
            } else if (parsed.group().equals("*") && !parsed.resource().equals("*")) {
                problem = "encrypting the same resource across groups is not supported";
            } else {
                continue;
            }
            errors.add(FieldError.invalid(at, resource, problem));
        }
        return errors;
    }

    private static List<FieldError> keys(JsonNode keys, FieldPath path, List<Integer> sizes) {
        List<FieldError> errors = new ArrayList<>();
        if (keys.size() == 0) {
            errors.add(FieldError.required(path, "at least one keys is required"));
            return errors;
        }
        for (int i = 0; i < keys.size(); i++) {
            JsonNode key = keys.get(i);
            FieldPath at = path.index(i);
            if (key.path("name").asText("").isEmpty()) {
                errors.add(FieldError.required(at.child("name"), "name is a mandatory field for a key"));
            }
            String secret = key.path("secret").asText("");
            if (secret.isEmpty()) {
                errors.add(FieldError.required(at.child("secret"), "secret is a mandatory field for a key"));
                continue;
            }
            byte[] decoded = base64(secret);
            if (decoded == null) {
                errors.add(FieldError.invalid(at.child("secret"), "REDACTED", "secrets must be base64 encoded"));
                continue;
            }
            if (!sizes.contains(decoded.length)) {
                errors.add(FieldError.invalid(at.child("secret"), "REDACTED", "secret is not of the expected length, got "
                        + decoded.length + ", expected one of [" + String.join(" ", sizes.stream().map(String::valueOf).toList()) + "]"));
            }
        }
        return errors;
    }

    /** Which providers an element names (a null one, as Go's nil pointer, names none). */
    private static List<String> kinds(JsonNode provider) {
        List<String> kinds = new ArrayList<>();
        for (String kind : List.of("kms", "aesgcm", "aescbc", "secretbox", "identity")) {
            if (provider.hasNonNull(kind)) {
                kinds.add(kind);
            }
        }
        return kinds;
    }

    /** The element as Go's %#v prints the internal ProviderConfiguration (pointer values elided). */
    private static String providerValue(JsonNode provider) {
        StringBuilder s = new StringBuilder("apiserver.ProviderConfiguration{");
        String[][] fields = {{"AESGCM", "aesgcm", "AESConfiguration"}, {"AESCBC", "aescbc", "AESConfiguration"},
                {"Secretbox", "secretbox", "SecretboxConfiguration"}, {"Identity", "identity", "IdentityConfiguration"},
                {"KMS", "kms", "KMSConfiguration"}};
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) {
                s.append(", ");
            }
            s.append(fields[i][0]).append(":(*apiserver.").append(fields[i][2]).append(")(")
                    .append(provider.hasNonNull(fields[i][1]) ? "..." : "nil").append(')');
        }
        return s.append('}').toString();
    }

    // ---- building ----

    private static Map<GroupResource, Transformer> build(JsonNode root, TransformationMetrics metrics)
            throws EncryptionConfigException {
        Map<GroupResource, List<Prefixed>> byResource = new LinkedHashMap<>();
        for (JsonNode entry : root.path("resources")) {
            List<Prefixed> providers = new ArrayList<>();
            for (JsonNode provider : entry.path("providers")) {
                providers.add(provider(provider, metrics));
            }
            for (JsonNode name : entry.path("resources")) {
                GroupResource resource = GroupResource.parse(name.asText());
                GroupResource anyInGroup = new GroupResource(resource.group(), "*");
                if (byResource.containsKey(anyInGroup)) {
                    throw new EncryptionConfigException("resource " + GoValues.quote(resource.toString())
                            + " is masked by earlier rule " + GoValues.quote(anyInGroup.toString()));
                }
                if (byResource.containsKey(GroupResource.ANY)) {
                    throw new EncryptionConfigException("resource " + GoValues.quote(resource.toString())
                            + " is masked by earlier rule " + GoValues.quote(GroupResource.ANY.toString()));
                }
                byResource.computeIfAbsent(resource, r -> new ArrayList<>()).addAll(providers);
            }
        }
        Map<GroupResource, Transformer> transformers = new LinkedHashMap<>();
        byResource.forEach((resource, providers) ->
                transformers.put(resource, new PrefixTransformers(providers, "no matching prefix found", metrics)));
        return transformers;
    }

    private static Prefixed provider(JsonNode provider, TransformationMetrics metrics) throws EncryptionConfigException {
        if (provider.hasNonNull("aesgcm")) {
            return keyed(provider.get("aesgcm"), AESGCM_PREFIX, AesGcm::new,
                    "no matching key was found for the provided AES transformer", metrics);
        }
        if (provider.hasNonNull("aescbc")) {
            return keyed(provider.get("aescbc"), AESCBC_PREFIX, AesCbc::new,
                    "no matching key was found for the provided AES transformer", metrics);
        }
        if (provider.hasNonNull("secretbox")) {
            return keyed(provider.get("secretbox"), SECRETBOX_PREFIX, Secretbox::new,
                    "no matching key was found for the provided Secretbox transformer", metrics);
        }
        if (provider.hasNonNull("identity")) {
            return new Prefixed(new byte[0], Identity.INSTANCE);
        }
        if (provider.hasNonNull("kms")) {
            throw new EncryptionConfigException("could not configure KMS plugin "
                    + GoValues.quote(provider.get("kms").path("name").asText("")) + ": KMS providers are not supported by kj");
        }
        throw new EncryptionConfigException(NO_PROVIDER);
    }

    /** A provider's keys, each under {@code <name>:}, chosen among by prefix like the providers themselves. */
    private static Prefixed keyed(JsonNode config, String prefix, java.util.function.Function<byte[], Transformer> cipher,
                                  String noMatch, TransformationMetrics metrics) {
        List<Prefixed> keys = new ArrayList<>();
        for (JsonNode key : config.path("keys")) {
            keys.add(Prefixed.of(key.path("name").asText() + ":", cipher.apply(base64(key.path("secret").asText()))));
        }
        return Prefixed.of(prefix, new PrefixTransformers(keys, noMatch, metrics));
    }

    /** Go's base64.StdEncoding: padding required, line breaks ignored; null when not base64. */
    private static byte[] base64(String text) {
        String s = text.replace("\r", "").replace("\n", "");
        if (s.length() % 4 != 0) {
            return null;
        }
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** utilerrors.NewAggregate(list).Error(): one message, or several in brackets without repeats. */
    private static String aggregate(List<FieldError> errors) {
        Set<String> messages = new LinkedHashSet<>();
        errors.forEach(e -> messages.add(e.toString()));
        return messages.size() == 1 ? messages.iterator().next() : "[" + String.join(", ", messages) + "]";
    }

    /** Go's %#v of a []string. */
    private static String goStrings(List<String> values) {
        return "[]string{" + String.join(", ", values.stream().map(GoValues::quote).toList()) + "}";
    }

    private static String compact(JsonNode node) {
        try {
            return new ObjectMapper().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            return node.toString();
        }
    }

    private static String ioMessage(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "open " + e.getMessage() + ": no such file or directory";
        }
        return e.toString();
    }
}
