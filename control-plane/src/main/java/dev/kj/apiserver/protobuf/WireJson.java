package dev.kj.apiserver.protobuf;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.kj.apiserver.schema.Field;
import dev.kj.apiserver.schema.JsonForm;
import dev.kj.apiserver.schema.TypeModel;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Turns a decoded Kubernetes wire message into the JSON upstream writes for the same object: the
 * fields in its Go types' order, named by their json tags, left out, kept or null as encoding/json
 * treats them (the type model's rules), and the types whose Go code writes its own JSON (each
 * {@link JsonForm}: Time, MicroTime, IntOrString, Quantity, RawExtension, FieldsV1, apiextensions
 * JSON and its schema-or-array/bool/strings unions, ExtraValue) as those methods do. A field the definitions do
 * not know fails the whole conversion, so nothing is stored with parts of it dropped.
 */
final class WireJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter RFC3339_MICRO = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);
    /** Go's time.Format writes four-digit years; others would not read back. */
    private static final Instant FIRST = Instant.parse("0000-01-01T00:00:00Z");
    private static final Instant LAST = Instant.parse("9999-12-31T23:59:59.999999999Z");
    /** resource.ParseQuantity's grammar: a signed decimal, then a binary or decimal suffix or an exponent. */
    private static final Pattern QUANTITY = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\\d+)?");
    private static final String QUANTITY_ERROR =
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

    /** A type whose Go code writes its own JSON. */
    @FunctionalInterface
    private interface Writer {
        JsonNode write(Message message, String path);
    }

    private final TypeModel model;
    private final ObjectReader rawJson;
    private final Map<JsonForm, Writer> writers = new EnumMap<>(JsonForm.class);

    WireJson(TypeModel model, ObjectMapper json) {
        this.model = model;
        this.rawJson = json.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        writers.put(JsonForm.TIME, (m, path) -> time(m, path, false));
        writers.put(JsonForm.MICRO_TIME, (m, path) -> time(m, path, true));
        writers.put(JsonForm.RAW, this::raw);
        writers.put(JsonForm.INT_OR_STRING, this::intOrString);
        writers.put(JsonForm.QUANTITY, this::quantity);
        writers.put(JsonForm.SCHEMA_OR_ARRAY, this::schemaOrArray);
        writers.put(JsonForm.SCHEMA_OR_BOOL, this::schemaOrBool);
        writers.put(JsonForm.SCHEMA_OR_STRINGS, this::schemaOrStrings);
        writers.put(JsonForm.STRING_LIST, this::extraValue);
        if (writers.size() != JsonForm.values().length) {
            throw new IllegalStateException("a JSON form without a writer");
        }
    }

    /** An object's fields (its kind and apiVersion are the caller's). */
    ObjectNode object(Message message) {
        checkKnown(message, "");
        ObjectNode node = NODES.objectNode();
        fields(message, node, "");
        return node;
    }

    private JsonNode message(Message message, String path) {
        checkKnown(message, path);
        var form = model.type(message.getDescriptorForType()).jsonForm();
        if (form.isPresent()) {
            return writers.get(form.get()).write(message, path);
        }
        ObjectNode node = NODES.objectNode();
        fields(message, node, path);
        return node;
    }

    private void fields(Message message, ObjectNode into, String path) {
        for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
            Field rule = model.field(field);
            if (rule.inline()) {
                if (message.hasField(field) || !rule.pointer()) {
                    Message inlined = (Message) message.getField(field);
                    checkKnown(inlined, path);
                    fields(inlined, into, path);
                }
                continue;
            }
            String name = field.getJsonName();
            JsonNode value = field(message, field, rule, path.isEmpty() ? name : path + "." + name);
            if (value != null) {
                into.set(name, value);
            }
        }
    }

    /** The field's JSON, or null when encoding/json leaves it out. */
    private JsonNode field(Message message, FieldDescriptor field, Field rule, String path) {
        if (field.isMapField()) {
            List<?> entries = (List<?>) message.getField(field);
            return entries.isEmpty() ? empty(rule) : map(field, entries, path);
        }
        if (field.isRepeated()) {
            List<?> items = (List<?>) message.getField(field);
            if (items.isEmpty()) {
                return empty(rule);
            }
            ArrayNode array = NODES.arrayNode();
            for (int i = 0; i < items.size(); i++) {
                array.add(value(field, items.get(i), path + "[" + i + "]"));
            }
            return array;
        }
        boolean present = message.hasField(field);
        if (rule.pointer()) {
            return present ? value(field, message.getField(field), path) : empty(rule);
        }
        Object value = message.getField(field);
        if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            return message((Message) value, path); // a Go struct: always written, its zero value when absent
        }
        if (field.getJavaType() == FieldDescriptor.JavaType.BYTE_STRING && !present) {
            return empty(rule); // a nil []byte
        }
        return rule.omitEmpty() && isZero(value) ? null : value(field, value, path);
    }

    /** An empty list, map or byte string, or an absent pointer: left out with omitempty, else null. */
    private static JsonNode empty(Field rule) {
        return rule.omitEmpty() ? null : NullNode.getInstance();
    }

    private static boolean isZero(Object value) {
        return switch (value) {
            case String text -> text.isEmpty();
            case Boolean flag -> !flag;
            case Integer number -> number == 0;
            case Long number -> number == 0;
            case Double number -> number == 0;
            case Float number -> number == 0;
            case ByteString bytes -> bytes.isEmpty();
            default -> false;
        };
    }

    /** Go writes map keys sorted by their bytes. */
    private JsonNode map(FieldDescriptor field, List<?> entries, String path) {
        Descriptor entryType = field.getMessageType();
        FieldDescriptor keyField = entryType.findFieldByName("key");
        FieldDescriptor valueField = entryType.findFieldByName("value");
        TreeMap<String, JsonNode> sorted = new TreeMap<>((a, b) ->
                Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));
        for (Object item : entries) {
            Message entry = (Message) item;
            String key = (String) entry.getField(keyField);
            checkKnown(entry, path + "[" + key + "]");
            sorted.put(key, value(valueField, entry.getField(valueField), path + "[" + key + "]"));
        }
        ObjectNode node = NODES.objectNode();
        sorted.forEach(node::set);
        return node;
    }

    private JsonNode value(FieldDescriptor field, Object value, String path) {
        return switch (field.getJavaType()) {
            case MESSAGE -> message((Message) value, path);
            case STRING -> NODES.textNode((String) value);
            case BOOLEAN -> NODES.booleanNode((Boolean) value);
            case INT -> NODES.numberNode((Integer) value);
            case LONG -> NODES.numberNode((Long) value);
            case BYTE_STRING -> NODES.textNode(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()));
            case DOUBLE -> number((Double) value, path);
            case FLOAT -> number((double) (Float) value, path);
            case ENUM -> throw new IllegalStateException("Kubernetes messages have no enums: " + field.getFullName());
        };
    }

    /** As encoding/json writes a float64: integral values without a fraction; NaN and infinities are errors. */
    private static JsonNode number(double value, String path) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            throw new WireException(path + ": json: unsupported value: " + value);
        }
        BigDecimal exact = new BigDecimal(Double.toString(value)).stripTrailingZeros();
        return exact.scale() <= 0 ? NODES.numberNode(exact.toBigIntegerExact()) : NODES.numberNode(exact);
    }

    /**
     * metav1.Time (whole seconds, nanos dropped, as its proto decoding does) and MicroTime
     * (microseconds) in RFC 3339, UTC; an empty message is the zero time, written as null.
     */
    private JsonNode time(Message message, String path, boolean micro) {
        if (message.getAllFields().isEmpty()) {
            return NullNode.getInstance();
        }
        long seconds = (Long) field(message, "seconds");
        int nanos = micro ? (Integer) field(message, "nanos") / 1000 * 1000 : 0;
        Instant instant = Instant.ofEpochSecond(seconds, nanos);
        if (instant.isBefore(FIRST) || instant.isAfter(LAST)) {
            throw new WireException(path + ": time " + seconds + "s is outside years 0000-9999");
        }
        return NODES.textNode((micro ? RFC3339_MICRO : RFC3339).format(instant));
    }

    /** Embedded JSON (RawExtension, FieldsV1, apiextensions JSON: one bytes field); nil or empty is null. */
    private JsonNode raw(Message message, String path) {
        ByteString raw = (ByteString) message.getField(message.getDescriptorForType().getFields().getFirst());
        if (raw.isEmpty()) {
            return NullNode.getInstance();
        }
        try {
            return rawJson.readTree(raw.toByteArray());
        } catch (IOException e) {
            throw new WireException(path + ": embedded object is not JSON: "
                    + (e instanceof com.fasterxml.jackson.core.JsonProcessingException parse ? parse.getOriginalMessage() : e.getMessage()));
        }
    }

    private JsonNode intOrString(Message message, String path) {
        long type = (Long) field(message, "type");
        if (type == 0) {
            return NODES.numberNode((Integer) field(message, "intVal"));
        }
        if (type == 1) {
            return NODES.textNode((String) field(message, "strVal"));
        }
        throw new WireException(path + ": impossible IntOrString.Type");
    }

    /** As sent (Go clients send the canonical form); a missing string is the zero quantity. */
    private JsonNode quantity(Message message, String path) {
        FieldDescriptor string = message.getDescriptorForType().findFieldByName("string");
        if (!message.hasField(string)) {
            return NODES.textNode("0");
        }
        String value = (String) message.getField(string);
        if (!QUANTITY.matcher(value).matches()) {
            throw new WireException(path + ": " + QUANTITY_ERROR);
        }
        return NODES.textNode(value);
    }

    private JsonNode schemaOrArray(Message message, String path) {
        List<?> schemas = (List<?>) field(message, "jSONSchemas");
        if (!schemas.isEmpty()) {
            ArrayNode array = NODES.arrayNode();
            for (int i = 0; i < schemas.size(); i++) {
                array.add(message((Message) schemas.get(i), path + "[" + i + "]"));
            }
            return array;
        }
        return present(message, "schema") ? message((Message) field(message, "schema"), path) : NullNode.getInstance();
    }

    private JsonNode schemaOrBool(Message message, String path) {
        if (present(message, "schema")) {
            return message((Message) field(message, "schema"), path);
        }
        return NODES.booleanNode((Boolean) field(message, "allows"));
    }

    private JsonNode schemaOrStrings(Message message, String path) {
        List<?> property = (List<?>) field(message, "property");
        if (!property.isEmpty()) {
            ArrayNode array = NODES.arrayNode();
            property.forEach(item -> array.add((String) item));
            return array;
        }
        return present(message, "schema") ? message((Message) field(message, "schema"), path) : NullNode.getInstance();
    }

    /** A named []string; its proto decoding makes an empty, not nil, slice. */
    private JsonNode extraValue(Message message, String path) {
        ArrayNode array = NODES.arrayNode();
        ((List<?>) field(message, "items")).forEach(item -> array.add((String) item));
        return array;
    }

    private static Object field(Message message, String name) {
        return message.getField(message.getDescriptorForType().findFieldByName(name));
    }

    private static boolean present(Message message, String name) {
        return message.hasField(message.getDescriptorForType().findFieldByName(name));
    }

    /** Fields the definitions lack are kept aside by the parser; any of them refuses the body. */
    static void checkKnown(Message message, String path) {
        var unknown = message.getUnknownFields().asMap();
        if (!unknown.isEmpty()) {
            throw new WireException((path.isEmpty() ? "" : path + ": ") + "field number " + unknown.keySet().iterator().next()
                    + " of " + name(message.getDescriptorForType())
                    + " is not one kj knows (it decodes Kubernetes v1.33's fields), so the object cannot be stored whole");
        }
    }

    /** The message's name within its group version, e.g. apps.v1.DeploymentSpec. */
    static String name(Descriptor type) {
        return type.getFullName().replaceFirst("^kj\\.kubernetes\\.", "");
    }

    /** A body that cannot be turned into JSON without losing or inventing data. */
    static final class WireException extends RuntimeException {
        WireException(String message) {
            super(message);
        }
    }
}
