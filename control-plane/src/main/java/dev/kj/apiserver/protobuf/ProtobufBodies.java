package dev.kj.apiserver.protobuf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.schema.Type;
import dev.kj.apiserver.schema.TypeModel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Decodes {@code application/vnd.kubernetes.protobuf} request bodies into the JSON objects the
 * registry works on, as upstream would store them. kubectl 1.32 and newer send its typed requests
 * this way (e.g. {@code create deployment}). The envelope is upstream's: the bytes {@code k8s\0},
 * then a runtime.Unknown naming the apiVersion and kind, whose raw field is the object. Every kind
 * kj serves and the request kinds of subresources have a type ({@link TypeModel}); a body
 * holding a field those messages lack is refused with a 400, never stored with the field dropped.
 */
public final class ProtobufBodies {
    public static final String MEDIA_TYPE = "application/vnd.kubernetes.protobuf";
    private static final byte[] MAGIC = {'k', '8', 's', 0};

    private final TypeModel schema;
    private final WireJson converter;

    public ProtobufBodies(ObjectMapper json) {
        this.schema = TypeModel.get();
        this.converter = new WireJson(schema, json);
    }

    /**
     * The body as a JSON object, kind and apiVersion first. The endpoint's own apiVersion and kind
     * fill in what the envelope leaves out and name the expected type in errors, as upstream's
     * decoding does; whether the kind is the right one for the endpoint is the caller's check.
     */
    public ObjectNode decode(byte[] body, String endpointApiVersion, String endpointKind) {
        Message envelope = envelope(body, endpointKind);
        Message typeMeta = (Message) envelope.getField(schema.envelope().findFieldByName("typeMeta"));
        String sentKind = text(typeMeta, "kind");
        String sentApiVersion = text(typeMeta, "apiVersion");
        String kind = sentKind.isEmpty() ? endpointKind : sentKind;
        String apiVersion = version(sentApiVersion).isEmpty() ? endpointApiVersion : sentApiVersion;
        String cannotHandle = kind + " in version \"" + version(apiVersion) + "\" cannot be handled as a " + endpointKind + ": ";
        Descriptor type = schema.kind(apiVersion, kind).map(Type::descriptor).orElseThrow(() -> StatusException.badRequest(cannotHandle
                + "no kind \"" + kind + "\" is registered for version \"" + apiVersion + "\""));
        ByteString raw = (ByteString) envelope.getField(schema.envelope().findFieldByName("raw"));
        try {
            ObjectNode object = JsonNodeFactory.instance.objectNode();
            object.put("kind", kind);
            object.put("apiVersion", apiVersion);
            object.setAll(converter.object(DynamicMessage.parseFrom(type, raw)));
            return object;
        } catch (InvalidProtocolBufferException | WireJson.WireException e) {
            throw StatusException.badRequest(cannotHandle + e.getMessage());
        }
    }

    /** "apiVersion/Kind" of every message a body may carry. */
    public List<String> kinds() {
        return schema.kinds();
    }

    private Message envelope(byte[] body, String endpointKind) {
        String problem;
        if (body.length == 0) {
            problem = "empty data";
        } else if (body.length < MAGIC.length || !Arrays.equals(body, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            problem = "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]";
        } else if (body.length == MAGIC.length) {
            problem = "empty body";
        } else {
            try {
                Message envelope = DynamicMessage.parseFrom(schema.envelope(),
                        ByteString.copyFrom(body, MAGIC.length, body.length - MAGIC.length));
                WireJson.checkKnown(envelope, "");
                WireJson.checkKnown((Message) envelope.getField(schema.envelope().findFieldByName("typeMeta")), "typeMeta");
                return envelope;
            } catch (InvalidProtocolBufferException | WireJson.WireException e) {
                problem = e.getMessage();
            }
        }
        throw StatusException.badRequest("the object provided is unrecognized (must be of type " + endpointKind + "): "
                + problem + " (" + summary(body) + ")");
    }

    /** Upstream's summarizeData: the first 30 bytes, as text when they look like JSON, else in hex. */
    private static String summary(byte[] body) {
        if (body.length == 0) {
            return "<empty>";
        }
        byte[] head = Arrays.copyOf(body, Math.min(body.length, 30));
        String text = body[0] == '{' ? new String(head, StandardCharsets.UTF_8) : HexFormat.of().formatHex(head);
        return body.length > 30 ? text + " ..." : text;
    }

    private static String text(Message message, String field) {
        return (String) message.getField(message.getDescriptorForType().findFieldByName(field));
    }

    /** The version part of an apiVersion ("v1" of "apps/v1"). */
    private static String version(String apiVersion) {
        return apiVersion.substring(apiVersion.indexOf('/') + 1);
    }
}
