package dev.kj.apiserver.storage.value;

import java.nio.charset.StandardCharsets;

/**
 * Stores values as they are (upstream's identity provider, NewEncryptCheckTransformer): reading a
 * value that starts with {@code k8s:enc:}, the prefix reserved for encrypted data, fails instead of
 * handing ciphertext to the decoder.
 */
public final class Identity implements Transformer {
    public static final Identity INSTANCE = new Identity();
    static final byte[] ENCRYPTED = "k8s:enc:".getBytes(StandardCharsets.US_ASCII);

    private Identity() {
    }

    @Override
    public Read fromStorage(byte[] stored, byte[] authenticatedData) {
        if (PrefixTransformers.startsWith(stored, ENCRYPTED)) {
            throw new TransformException("identity transformer tried to read encrypted data");
        }
        return new Read(stored, false);
    }

    @Override
    public byte[] toStorage(byte[] data, byte[] authenticatedData) {
        return data;
    }
}
