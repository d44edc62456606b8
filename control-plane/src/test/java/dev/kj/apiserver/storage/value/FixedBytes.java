package dev.kj.apiserver.storage.value;

import java.util.HexFormat;
import java.util.random.RandomGenerator;

/** A "random" source that hands out fixed bytes, so a provider's output can be compared with a known vector. */
public final class FixedBytes implements RandomGenerator {
    private final byte[] bytes;
    private int next;

    public FixedBytes(String hex) {
        this.bytes = HexFormat.of().parseHex(hex);
    }

    @Override
    public void nextBytes(byte[] out) {
        System.arraycopy(bytes, next, out, 0, out.length);
        next += out.length;
    }

    @Override
    public long nextLong() {
        throw new UnsupportedOperationException("only nextBytes");
    }
}
