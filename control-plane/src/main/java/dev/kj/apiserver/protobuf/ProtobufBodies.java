package dev.kj.apiserver.protobuf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.protobuf.wire.ConfigMap;
import dev.kj.apiserver.protobuf.wire.Namespace;
import dev.kj.apiserver.protobuf.wire.Secret;
import dev.kj.apiserver.protobuf.wire.ServiceAccount;
import dev.kj.apiserver.protobuf.wire.Unknown;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Decodes {@code application/vnd.kubernetes.protobuf} request bodies into the JSON trees the
 * registry works on. kubectl 1.32 and newer send its typed objects this way (e.g. create configmap).
 * The envelope is upstream's: the bytes {@code k8s\0}, then a runtime.Unknown whose raw field is
 * the object. Only the kinds listed here are understood; others are a 415.
 */
public final class ProtobufBodies {
    public static final String MEDIA_TYPE = "application/vnd.kubernetes.protobuf";
    private static final byte[] MAGIC = {'k', '8', 's', 0};
    private static final String TIME = "kj.kubernetes.Time";
    private static final String FIELDS_V1 = "kj.kubernetes.FieldsV1";

    /** apiVersion/kind → message type. */
    private static final Map<String, Descriptor> TYPES = Map.of(
            "v1/ConfigMap", ConfigMap.getDescriptor(),
            "v1/Secret", Secret.getDescriptor(),
            "v1/Namespace", Namespace.getDescriptor(),
            "v1/ServiceAccount", ServiceAccount.getDescriptor(),
            "rbac.authorization.k8s.io/v1/Role", dev.kj.apiserver.protobuf.wire.Role.getDescriptor(),
            "rbac.authorization.k8s.io/v1/RoleBinding", dev.kj.apiserver.protobuf.wire.RoleBinding.getDescriptor(),
            "rbac.authorization.k8s.io/v1/ClusterRole", dev.kj.apiserver.protobuf.wire.ClusterRole.getDescriptor(),
            "rbac.authorization.k8s.io/v1/ClusterRoleBinding",
            dev.kj.apiserver.protobuf.wire.ClusterRoleBinding.getDescriptor(),
            "scheduling.k8s.io/v1/PriorityClass", dev.kj.apiserver.protobuf.wire.PriorityClass.getDescriptor());

    private final ObjectMapper json;

    public ProtobufBodies(ObjectMapper json) {
        this.json = json;
    }

    public ObjectNode decode(byte[] body) {
        try {
            Unknown envelope = envelope(body);
            String apiVersion = envelope.getTypeMeta().getApiVersion();
            String kind = envelope.getTypeMeta().getKind();
            Descriptor type = TYPES.get(apiVersion + "/" + kind);
            if (type == null) {
                throw StatusException.unsupportedMediaType("application/json (protobuf is understood for "
                        + String.join(", ", TYPES.keySet().stream().sorted().toList()) + " only)");
            }
            ObjectNode object = JsonNodeFactory.instance.objectNode();
            object.put("kind", kind);
            object.put("apiVersion", apiVersion);
            object.setAll(toJson(DynamicMessage.parseFrom(type, envelope.getRaw())));
            return object;
        } catch (InvalidProtocolBufferException e) {
            throw StatusException.badRequest("unable to decode the protobuf body: " + e.getMessage());
        }
    }

    /**
     * A DeleteOptions body as the JSON tree {@link dev.kj.apiserver.registry.DeleteOptions#fromBody}
     * reads. Upstream decodes DeleteOptions of any apiVersion; the kind is checked there.
     */
    public ObjectNode decodeDeleteOptions(byte[] body) {
        try {
            Unknown envelope = envelope(body);
            ObjectNode options = JsonNodeFactory.instance.objectNode();
            options.put("kind", envelope.getTypeMeta().getKind());
            options.put("apiVersion", envelope.getTypeMeta().getApiVersion());
            if (!envelope.getTypeMeta().getKind().equals("DeleteOptions")) {
                return options;
            }
            options.setAll(toJson(dev.kj.apiserver.protobuf.wire.DeleteOptions.parseFrom(envelope.getRaw())));
            options.remove("ignoreStoreReadErrorWithClusterBreakingPotential"); // behind a feature gate that is off
            return options;
        } catch (InvalidProtocolBufferException e) {
            throw new StatusException(500, null, "unable to decode the protobuf body: " + e.getMessage(), null);
        }
    }

    private static Unknown envelope(byte[] body) throws InvalidProtocolBufferException {
        if (body.length < MAGIC.length || !Arrays.equals(body, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw StatusException.badRequest("provided object is not a protobuf message: missing the k8s\\0 prefix");
        }
        return Unknown.parseFrom(ByteString.copyFrom(body, MAGIC.length, body.length - MAGIC.length));
    }

    /** A message as upstream's JSON encoding writes the same object (unset fields left out). */
    private ObjectNode toJson(Message message) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<FieldDescriptor, Object> entry : message.getAllFields().entrySet()) {
            FieldDescriptor field = entry.getKey();
            Object value = entry.getValue();
            if (field.isMapField()) {
                ObjectNode map = node.putObject(field.getName());
                for (Object item : (List<?>) value) {
                    Message pair = (Message) item;
                    FieldDescriptor keyField = pair.getDescriptorForType().findFieldByName("key");
                    FieldDescriptor valueField = pair.getDescriptorForType().findFieldByName("value");
                    map.set(String.valueOf(pair.getField(keyField)), scalar(valueField, pair.getField(valueField)));
                }
            } else if (field.isRepeated()) {
                ArrayNode array = node.putArray(field.getName());
                for (Object item : (List<?>) value) {
                    array.add(single(field, item));
                }
            } else if (!isZero(field, value)) {
                node.set(field.getName(), single(field, value));
            }
        }
        return node;
    }

    /**
     * Go writes every non-pointer field, so an empty string or a zero Time on the wire means "unset"
     * (JSON leaves those out); pointer fields such as the booleans here keep their false.
     */
    private static boolean isZero(FieldDescriptor field, Object value) {
        if (value instanceof String text) {
            return text.isEmpty();
        }
        if (value instanceof Message message && message.getDescriptorForType().getFullName().equals(TIME)) {
            return message.getAllFields().values().stream().allMatch(v -> v instanceof Number n && n.longValue() == 0);
        }
        return field.getName().equals("generation") && value instanceof Long number && number == 0;
    }

    private JsonNode single(FieldDescriptor field, Object value) {
        if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
            return scalar(field, value);
        }
        Message message = (Message) value;
        return switch (message.getDescriptorForType().getFullName()) {
            case TIME -> {
                long seconds = (Long) message.getField(message.getDescriptorForType().findFieldByName("seconds"));
                yield JsonNodeFactory.instance.textNode(DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(seconds)));
            }
            case FIELDS_V1 -> {
                ByteString raw = (ByteString) message.getField(message.getDescriptorForType().findFieldByName("Raw"));
                try {
                    yield json.readTree(raw.toByteArray());
                } catch (IOException e) {
                    throw StatusException.badRequest("managedFields: invalid fieldsV1: " + e.getMessage());
                }
            }
            default -> toJson(message);
        };
    }

    private static JsonNode scalar(FieldDescriptor field, Object value) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        return switch (field.getJavaType()) {
            case STRING -> nodes.textNode((String) value);
            case BOOLEAN -> nodes.booleanNode((Boolean) value);
            case INT -> nodes.numberNode((Integer) value);
            case LONG -> nodes.numberNode((Long) value);
            case BYTE_STRING -> nodes.textNode(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()));
            case FLOAT -> nodes.numberNode((Float) value);
            case DOUBLE -> nodes.numberNode((Double) value);
            case ENUM, MESSAGE -> throw new IllegalStateException("not a scalar: " + field.getFullName());
        };
    }
}
