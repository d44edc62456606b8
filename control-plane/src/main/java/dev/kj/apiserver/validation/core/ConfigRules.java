package dev.kj.apiserver.validation.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import dev.kj.apiserver.validation.KindRules;
import dev.kj.apiserver.validation.Numbers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * ConfigMaps and Secrets: key names, the 1 MiB limit, secret types and immutability (ValidateConfigMap,
 * ValidateSecret). A secret's default type (Opaque) and stringData are {@code SecretStrategy}'s.
 */
public final class ConfigRules {
    private ConfigRules() {
    }

    /** Upstream's MaxSecretSize, which ConfigMaps share. */
    public static final int MAX_SIZE = 1024 * 1024;
    private static final String IMMUTABLE = "field is immutable when `immutable` is set";

    public static final KindRules CONFIG_MAP = new KindRules() {
        @Override
        public List<FieldError> validate(ObjectNode configMap) {
            List<FieldError> errors = new ArrayList<>();
            long size = 0;
            JsonNode data = configMap.path("data");
            JsonNode binary = configMap.path("binaryData");
            for (Map.Entry<String, JsonNode> entry : data.properties()) {
                FieldPath at = FieldPath.root("data").key(entry.getKey());
                errors.addAll(Formats.invalid(at, entry.getKey(), Formats.configMapKey(entry.getKey())));
                if (binary.has(entry.getKey())) {
                    errors.add(FieldError.invalid(at, entry.getKey(), "duplicate of key present in binaryData"));
                }
                size += entry.getValue().asText("").getBytes(StandardCharsets.UTF_8).length;
            }
            for (Map.Entry<String, JsonNode> entry : binary.properties()) {
                FieldPath at = FieldPath.root("binaryData").key(entry.getKey());
                errors.addAll(Formats.invalid(at, entry.getKey(), Formats.configMapKey(entry.getKey())));
                if (data.has(entry.getKey())) {
                    errors.add(FieldError.invalid(at, entry.getKey(), "duplicate of key present in data"));
                }
                size += decodedLength(entry.getValue());
            }
            if (size > MAX_SIZE) {
                errors.add(FieldError.tooLong(FieldPath.whole(), MAX_SIZE));
            }
            return errors;
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode configMap, ObjectNode old) {
            return immutability(configMap, old, List.of("data", "binaryData"));
        }
    };

    public static final KindRules SECRET = new KindRules() {
        @Override
        public List<FieldError> validate(ObjectNode secret) {
            List<FieldError> errors = new ArrayList<>();
            FieldPath dataPath = FieldPath.root("data");
            JsonNode data = secret.path("data");
            long size = 0;
            for (Map.Entry<String, JsonNode> entry : data.properties()) {
                errors.addAll(Formats.invalid(dataPath.key(entry.getKey()), entry.getKey(),
                        Formats.configMapKey(entry.getKey())));
                size += decodedLength(entry.getValue());
            }
            if (size > MAX_SIZE) {
                errors.add(FieldError.tooLong(dataPath, MAX_SIZE));
            }
            switch (secret.path("type").asText("")) {
                case "kubernetes.io/service-account-token" -> {
                    String key = "kubernetes.io/service-account.name";
                    if (secret.path("metadata").path("annotations").path(key).asText("").isEmpty()) {
                        errors.add(FieldError.required(FieldPath.of("metadata", "annotations").key(key), ""));
                    }
                }
                case "kubernetes.io/dockercfg" -> errors.addAll(jsonKey(data, ".dockercfg", dataPath));
                case "kubernetes.io/dockerconfigjson" -> errors.addAll(jsonKey(data, ".dockerconfigjson", dataPath));
                case "kubernetes.io/basic-auth" -> {
                    if (!data.has("username") && !data.has("password")) {
                        errors.add(FieldError.required(dataPath.key("username"), ""));
                        errors.add(FieldError.required(dataPath.key("password"), ""));
                    }
                }
                case "kubernetes.io/ssh-auth" -> {
                    if (decodedLength(data.get("ssh-privatekey")) == 0) {
                        errors.add(FieldError.required(dataPath.key("ssh-privatekey"), ""));
                    }
                }
                case "kubernetes.io/tls" -> {
                    for (String key : List.of("tls.crt", "tls.key")) {
                        if (!data.has(key)) {
                            errors.add(FieldError.required(dataPath.key(key), ""));
                        }
                    }
                }
                default -> {
                }
            }
            return errors;
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode secret, ObjectNode old) {
            List<FieldError> errors = new ArrayList<>(Numbers.immutable(secret.get("type"), old.get("type"),
                    FieldPath.root("type")));
            errors.addAll(immutability(secret, old, List.of("data")));
            return errors;
        }
    };

    /** An object marked immutable stays so, with its data. */
    private static List<FieldError> immutability(ObjectNode object, ObjectNode old, List<String> fields) {
        if (!old.path("immutable").asBoolean(false)) {
            return List.of();
        }
        List<FieldError> errors = new ArrayList<>();
        if (!object.path("immutable").asBoolean(false)) {
            errors.add(FieldError.forbidden(FieldPath.root("immutable"), IMMUTABLE));
        }
        for (String field : fields) {
            // absent and empty are the same map once decoded
            boolean same = object.path(field).isEmpty() && old.path(field).isEmpty()
                    || object.path(field).equals(old.path(field));
            if (!same) {
                errors.add(FieldError.forbidden(FieldPath.root(field), IMMUTABLE));
            }
        }
        return errors;
    }

    private static List<FieldError> jsonKey(JsonNode data, String key, FieldPath dataPath) {
        JsonNode value = data.get(key);
        if (value == null) {
            return List.of(FieldError.required(dataPath.key(key), ""));
        }
        try {
            byte[] bytes = Base64.getDecoder().decode(value.asText(""));
            JsonNode parsed = new com.fasterxml.jackson.databind.ObjectMapper().readTree(bytes);
            if (parsed == null || !parsed.isObject()) {
                return List.of(FieldError.invalid(dataPath.key(key), "<secret contents redacted>",
                        parsed == null ? "unexpected end of JSON input"
                                : "json: cannot unmarshal " + goType(parsed) + " into Go value of type map[string]interface {}"));
            }
            return List.of();
        } catch (IllegalArgumentException | java.io.IOException e) {
            return List.of(FieldError.invalid(dataPath.key(key), "<secret contents redacted>",
                    "invalid character in the JSON document"));
        }
    }

    private static String goType(JsonNode node) {
        return node.isArray() ? "array" : node.isTextual() ? "string" : node.isNumber() ? "number"
                : node.isBoolean() ? "bool" : "null";
    }

    /** The length of a base64 value once decoded (what upstream counts of []byte data). */
    private static long decodedLength(JsonNode value) {
        if (value == null || value.isNull()) {
            return 0;
        }
        try {
            return Base64.getDecoder().decode(value.asText("")).length;
        } catch (IllegalArgumentException e) {
            return value.asText("").length();
        }
    }
}
