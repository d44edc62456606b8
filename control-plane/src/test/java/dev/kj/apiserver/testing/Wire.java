package dev.kj.apiserver.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Hand-built protobuf messages for tests: fields by number, as upstream's generated.proto numbers
 * them, written without kj's definitions so that a wrong number or type in those shows.
 */
public final class Wire {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

    public static Wire message() {
        return new Wire();
    }

    /** The request body: {@code k8s\0}, then runtime.Unknown{typeMeta{apiVersion, kind}, raw}. */
    public static byte[] body(String apiVersion, String kind, Wire object) {
        Wire envelope = message().message(1, message().string(1, apiVersion).string(2, kind)).bytes(2, object.toBytes());
        byte[] inner = envelope.toBytes();
        byte[] body = new byte[4 + inner.length];
        body[0] = 'k';
        body[1] = '8';
        body[2] = 's';
        System.arraycopy(inner, 0, body, 4, inner.length);
        return body;
    }

    public Wire string(int field, String value) {
        return write(() -> out.writeString(field, value));
    }

    public Wire bytes(int field, byte[] value) {
        return write(() -> out.writeBytes(field, ByteString.copyFrom(value)));
    }

    /** int32, int64 and bool fields. */
    public Wire varint(int field, long value) {
        return write(() -> out.writeInt64(field, value));
    }

    public Wire bool(int field, boolean value) {
        return write(() -> out.writeBool(field, value));
    }

    public Wire doubleValue(int field, double value) {
        return write(() -> out.writeDouble(field, value));
    }

    public Wire message(int field, Wire value) {
        return bytes(field, value.toBytes());
    }

    /** An entry of a map<string, string> field. */
    public Wire entry(int field, String key, String value) {
        return message(field, message().string(1, key).string(2, value));
    }

    /** An entry of a map<string, bytes> field. */
    public Wire entry(int field, String key, byte[] value) {
        return message(field, message().string(1, key).bytes(2, value));
    }

    /** An entry of a map<string, Message> field. */
    public Wire entry(int field, String key, Wire value) {
        return message(field, message().string(1, key).message(2, value));
    }

    public byte[] toBytes() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private interface Write {
        void run() throws IOException;
    }

    private Wire write(Write write) {
        try {
            write.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }
}
