package dev.kj.rhino.gateway;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Message;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON ↔ protobuf as etcd 3.4's gateway does it: golang/protobuf's {@code jsonpb} with
 * {@code OrigName} (proto field names), no default values, int64 as strings, bytes as base64.
 *
 * <p>protobuf-java-util's {@code JsonFormat} speaks the same mapping for valid input, but etcd
 * answers bad input with Go's error texts ("json: cannot unmarshal number into Go value of type
 * []uint8", "illegal base64 data at input byte 0", "unknown value \"X\" for enum ...") and quotes
 * strings like Go ({@code =} and {@code '} unescaped), so this codec follows jsonpb's own rules:
 * fields are read in declaration order (oneof members last), a later name wins over an earlier
 * one, unknown names are ignored, {@code null} leaves a field unset.
 */
final class ProtoJson {
    private ProtoJson() {
    }

    // ---- decoding ----

    /** Merges the JSON object {@code input} into {@code builder} as jsonpb's UnmarshalNext does. */
    static void merge(GoJson.Raw input, Message.Builder builder) throws GoJsonException {
        Map<String, GoJson.Raw> fields = object(input);
        if (fields == null) {
            return;
        }
        List<FieldDescriptor> oneofMembers = new ArrayList<>();
        for (FieldDescriptor field : builder.getDescriptorForType().getFields()) {
            OneofDescriptor oneof = field.getRealContainingOneof();
            if (oneof != null) {
                oneofMembers.add(field);
                continue;
            }
            GoJson.Raw raw = consume(fields, field);
            if (raw != null) {
                setField(builder, field, raw);
            }
        }
        for (FieldDescriptor field : oneofMembers) {
            GoJson.Raw raw = consume(fields, field);
            if (raw != null) {
                setField(builder, field, raw);
            }
        }
    }

    /** jsonpb accepts the proto name and the camelCase JSON name; the latter wins if both are given. */
    private static GoJson.Raw consume(Map<String, GoJson.Raw> fields, FieldDescriptor field) {
        GoJson.Raw orig = fields.remove(field.getName());
        GoJson.Raw camel = fields.remove(field.getJsonName());
        return camel != null ? camel : orig;
    }

    /** {@code json.Unmarshal} into {@code map[string]json.RawMessage}: null for JSON null. */
    private static Map<String, GoJson.Raw> object(GoJson.Raw input) throws GoJsonException {
        switch (input.kind()) {
            case NULL -> {
                return null;
            }
            case OBJECT -> {
                Map<String, GoJson.Raw> fields = new HashMap<>();
                for (Map.Entry<String, GoJson.Raw> member : GoJson.members(input)) {
                    fields.put(member.getKey(), member.getValue());
                }
                return fields;
            }
            default -> throw typeError(input, "map[string]json.RawMessage");
        }
    }

    private static void setField(Message.Builder builder, FieldDescriptor field, GoJson.Raw raw) throws GoJsonException {
        if (field.isMapField()) {
            throw new GoJsonException("map fields are not supported by this gateway: " + field.getFullName());
        }
        if (field.isRepeated()) {
            if (raw.kind() == GoJson.Kind.NULL) {
                return;
            }
            if (raw.kind() != GoJson.Kind.ARRAY) {
                throw typeError(raw, "[]json.RawMessage");
            }
            for (GoJson.Raw element : GoJson.elements(raw)) {
                Object value = singular(builder, field, element);
                builder.addRepeatedField(field, value != null ? value : defaultValue(builder, field));
            }
            return;
        }
        if (raw.kind() == GoJson.Kind.NULL && field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            return;
        }
        Object value = singular(builder, field, raw);
        if (value != null) {
            builder.setField(field, value);
        } else if (field.getRealContainingOneof() != null && field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
            builder.setField(field, defaultValue(builder, field));
        }
    }

    private static Object defaultValue(Message.Builder builder, FieldDescriptor field) {
        if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            return builder.newBuilderForField(field).build();
        }
        return field.getDefaultValue();
    }

    /** One value of {@code field}; null when Go would leave the target untouched (JSON null). */
    private static Object singular(Message.Builder parent, FieldDescriptor field, GoJson.Raw raw) throws GoJsonException {
        switch (field.getType()) {
            case MESSAGE, GROUP -> {
                Message.Builder sub = parent.newBuilderForField(field);
                merge(raw, sub);
                return sub.build();
            }
            case ENUM -> {
                EnumDescriptor type = field.getEnumType();
                if (raw.kind() == GoJson.Kind.STRING) {
                    byte[] name = raw.insideQuotes().bytes();
                    EnumValueDescriptor value = type.findValueByName(new String(name, StandardCharsets.UTF_8));
                    if (value == null) {
                        throw new GoJsonException("unknown value " + GoStrings.quote(name) + " for enum " + goTypeName(type));
                    }
                    return value;
                }
                Long number = integer(raw, 32, true, goTypeName(type));
                return number == null ? null : type.findValueByNumberCreatingIfUnknown(number.intValue());
            }
            case INT64, SINT64, SFIXED64 -> {
                return integer(trimQuotes(raw), 64, true, "int64");
            }
            case INT32, SINT32, SFIXED32 -> {
                Long value = integer(trimQuotes(raw), 32, true, "int32");
                return value == null ? null : value.intValue();
            }
            case UINT64, FIXED64 -> {
                return integer(trimQuotes(raw), 64, false, "uint64");
            }
            case UINT32, FIXED32 -> {
                Long value = integer(trimQuotes(raw), 32, false, "uint32");
                return value == null ? null : value.intValue();
            }
            case BOOL -> {
                return switch (raw.kind()) {
                    case TRUE -> true;
                    case FALSE -> false;
                    case NULL -> null;
                    default -> throw typeError(raw, "bool");
                };
            }
            case STRING -> {
                return switch (raw.kind()) {
                    case STRING -> new String(raw.unquoted(), StandardCharsets.UTF_8);
                    case NULL -> null;
                    default -> throw typeError(raw, "string");
                };
            }
            case BYTES -> {
                return switch (raw.kind()) {
                    case STRING -> ByteString.copyFrom(GoStrings.base64Decode(raw.unquoted()));
                    case NULL -> null;
                    case ARRAY -> byteArray(raw);
                    default -> throw typeError(raw, "[]uint8");
                };
            }
            case DOUBLE, FLOAT -> {
                String bits = field.getType() == FieldDescriptor.Type.DOUBLE ? "float64" : "float32";
                String text = raw.text();
                Double special = switch (text) {
                    case "\"NaN\"" -> Double.NaN;
                    case "\"Infinity\"" -> Double.POSITIVE_INFINITY;
                    case "\"-Infinity\"" -> Double.NEGATIVE_INFINITY;
                    default -> null;
                };
                Double value = special != null ? special : floating(trimQuotes(raw), bits);
                if (value == null) {
                    return null;
                }
                return field.getType() == FieldDescriptor.Type.DOUBLE ? (Object) value : (Object) value.floatValue();
            }
        }
        throw new IllegalStateException("unhandled field type " + field.getType());
    }

    /** Go decodes a JSON array into a byte slice element by element. */
    private static ByteString byteArray(GoJson.Raw raw) throws GoJsonException {
        List<GoJson.Raw> elements = GoJson.elements(raw);
        byte[] out = new byte[elements.size()];
        for (int i = 0; i < out.length; i++) {
            Long b = integer(elements.get(i), 8, false, "uint8");
            out[i] = b == null ? 0 : b.byteValue();
        }
        return ByteString.copyFrom(out);
    }

    /** jsonpb strips one pair of quotes around a number, then hands the text to json.Unmarshal. */
    private static GoJson.Raw trimQuotes(GoJson.Raw raw) {
        if (raw.to() - raw.from() >= 2 && raw.buf()[raw.from()] == '"' && raw.buf()[raw.to() - 1] == '"') {
            return new GoJson.Raw(raw.buf(), raw.from() + 1, raw.to() - 1);
        }
        return raw;
    }

    /** {@code json.Unmarshal} of {@code raw} into a Go integer of {@code bits} bits. */
    private static Long integer(GoJson.Raw raw, int bits, boolean signed, String goType) throws GoJsonException {
        GoJson.checkValid(raw);
        GoJson.Raw value = raw.trimmed();
        switch (value.kind()) {
            case NULL -> {
                return null;
            }
            case NUMBER -> {
                String text = value.text();
                BigInteger number;
                try {
                    number = new BigInteger(text);
                } catch (NumberFormatException notAnInteger) {
                    throw numberError(text, goType);
                }
                BigInteger min = signed ? BigInteger.ONE.shiftLeft(bits - 1).negate() : BigInteger.ZERO;
                BigInteger max = signed ? BigInteger.ONE.shiftLeft(bits - 1).subtract(BigInteger.ONE)
                        : BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
                if (number.compareTo(min) < 0 || number.compareTo(max) > 0 || (!signed && text.startsWith("-"))) {
                    throw numberError(text, goType);
                }
                return number.longValue();
            }
            default -> throw typeError(value, goType);
        }
    }

    private static Double floating(GoJson.Raw raw, String goType) throws GoJsonException {
        GoJson.checkValid(raw);
        GoJson.Raw value = raw.trimmed();
        return switch (value.kind()) {
            case NULL -> null;
            case NUMBER -> {
                double parsed = Double.parseDouble(value.text());
                if (Double.isInfinite(parsed) || (goType.equals("float32") && Float.isInfinite((float) parsed))) {
                    throw numberError(value.text(), goType);
                }
                yield parsed;
            }
            default -> throw typeError(value, goType);
        };
    }

    private static GoJsonException numberError(String literal, String goType) {
        return new GoJsonException("json: cannot unmarshal number " + literal + " into Go value of type " + goType);
    }

    private static GoJsonException typeError(GoJson.Raw value, String goType) {
        String what = switch (value.kind()) {
            case OBJECT -> "object";
            case ARRAY -> "array";
            case STRING -> "string";
            case NUMBER -> "number";
            case TRUE, FALSE -> "bool";
            case NULL -> "null";
        };
        return new GoJsonException("json: cannot unmarshal " + what + " into Go value of type " + goType);
    }

    /** The Go type protoc-gen-go names for an enum: package, then nested names joined by '_'. */
    static String goTypeName(EnumDescriptor type) {
        String pkg = type.getFile().getPackage();
        String full = type.getFullName();
        String local = pkg.isEmpty() ? full : full.substring(pkg.length() + 1);
        return (pkg.isEmpty() ? "" : pkg + ".") + local.replace('.', '_');
    }

    // ---- encoding ----

    /** The message as jsonpb prints it with OrigName and without defaults. */
    static String print(Message message) {
        StringBuilder out = new StringBuilder(256);
        printMessage(out, message);
        return out.toString();
    }

    static void printMessage(StringBuilder out, Message message) {
        out.append('{');
        boolean first = true;
        for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
            if (field.isRepeated()) {
                if (message.getRepeatedFieldCount(field) == 0) {
                    continue;
                }
            } else if (field.hasPresence()) {
                if (!message.hasField(field)) {
                    continue;
                }
                // a set oneof member prints even when it holds a zero value
            } else if (isDefault(field, message.getField(field))) {
                continue;
            }
            if (!first) {
                out.append(',');
            }
            first = false;
            GoStrings.appendJsonString(out, field.getName());
            out.append(':');
            if (field.isRepeated()) {
                out.append('[');
                int count = message.getRepeatedFieldCount(field);
                for (int i = 0; i < count; i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    printValue(out, field, message.getRepeatedField(field, i));
                }
                out.append(']');
            } else {
                printValue(out, field, message.getField(field));
            }
        }
        out.append('}');
    }

    private static boolean isDefault(FieldDescriptor field, Object value) {
        return switch (field.getJavaType()) {
            case INT -> (Integer) value == 0;
            case LONG -> (Long) value == 0;
            case FLOAT -> (Float) value == 0;
            case DOUBLE -> (Double) value == 0;
            case BOOLEAN -> !(Boolean) value;
            case STRING -> ((String) value).isEmpty();
            case BYTE_STRING -> ((ByteString) value).isEmpty();
            case ENUM -> ((EnumValueDescriptor) value).getNumber() == 0;
            case MESSAGE -> false;
        };
    }

    private static void printValue(StringBuilder out, FieldDescriptor field, Object value) {
        switch (field.getType()) {
            case MESSAGE, GROUP -> printMessage(out, (Message) value);
            case ENUM -> {
                EnumValueDescriptor e = (EnumValueDescriptor) value;
                EnumValueDescriptor known = e.getType().findValueByNumber(e.getNumber());
                if (known != null) {
                    GoStrings.appendJsonString(out, known.getName());
                } else {
                    out.append(e.getNumber()); // unknown numbers print bare, as Go does
                }
            }
            case INT64, SINT64, SFIXED64 -> out.append('"').append((long) (Long) value).append('"');
            case UINT64, FIXED64 -> out.append('"').append(Long.toUnsignedString((Long) value)).append('"');
            case INT32, SINT32, SFIXED32 -> out.append((int) (Integer) value);
            case UINT32, FIXED32 -> out.append(Integer.toUnsignedString((Integer) value));
            case BOOL -> out.append((boolean) (Boolean) value);
            case STRING -> GoStrings.appendJsonString(out, (String) value);
            case BYTES -> out.append('"').append(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray())).append('"');
            case DOUBLE, FLOAT -> out.append(goFloat(((Number) value).doubleValue()));
        }
    }

    private static String goFloat(double value) {
        if (Double.isNaN(value)) {
            return "\"NaN\"";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
        }
        return value == Math.rint(value) && Math.abs(value) < 1e21 ? Long.toString((long) value) : Double.toString(value);
    }
}
