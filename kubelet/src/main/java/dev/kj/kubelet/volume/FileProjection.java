package dev.kj.kubelet.volume;

/** One file of a projected volume: its bytes and permission bits (0..0777). */
public record FileProjection(byte[] data, int mode) {
    public FileProjection {
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    boolean sameContent(byte[] other) {
        return java.util.Arrays.equals(data, other);
    }
}
