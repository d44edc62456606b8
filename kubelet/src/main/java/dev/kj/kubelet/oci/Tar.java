package dev.kj.kubelet.oci;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes POSIX ustar archives: image layers and the OCI archive around them. Entries carry fixed
 * owner (root), times (the epoch) and order, so the same content always makes the same digest.
 */
final class Tar {
    private static final int BLOCK = 512;

    /** One archive member. */
    sealed interface Entry permits Directory, File, Symlink {
        String path();
    }

    record Directory(String path, int mode) implements Entry {
    }

    record File(String path, int mode, byte[] content) implements Entry {
    }

    record Symlink(String path, String target) implements Entry {
    }

    private Tar() {
    }

    static byte[] write(List<? extends Entry> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Entry entry : entries) {
            switch (entry) {
                case Directory d -> header(out, d.path().endsWith("/") ? d.path() : d.path() + "/", d.mode(), 0, '5', "");
                case Symlink s -> header(out, s.path(), 0777, 0, '2', s.target());
                case File f -> {
                    header(out, f.path(), f.mode(), f.content().length, '0', "");
                    out.writeBytes(f.content());
                    pad(out, f.content().length);
                }
            }
        }
        out.writeBytes(new byte[2 * BLOCK]);
        return out.toByteArray();
    }

    private static void header(ByteArrayOutputStream out, String path, int mode, long size, char type, String link) {
        byte[] header = new byte[BLOCK];
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        if (name.length > 100) {
            // ustar's prefix field holds the directories of a longer path.
            int split = path.lastIndexOf('/', 155);
            byte[] prefix = path.substring(0, split).getBytes(StandardCharsets.UTF_8);
            name = path.substring(split + 1).getBytes(StandardCharsets.UTF_8);
            if (name.length > 100 || prefix.length > 155) {
                throw new IllegalArgumentException("path too long for ustar: " + path);
            }
            System.arraycopy(prefix, 0, header, 345, prefix.length);
        }
        System.arraycopy(name, 0, header, 0, name.length);
        octal(header, 100, 8, mode);
        octal(header, 108, 8, 0);
        octal(header, 116, 8, 0);
        octal(header, 124, 12, size);
        octal(header, 136, 12, 0);
        header[156] = (byte) type;
        byte[] linkName = link.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(linkName, 0, header, 157, Math.min(100, linkName.length));
        System.arraycopy("ustar\u000000".getBytes(StandardCharsets.US_ASCII), 0, header, 257, 8);
        System.arraycopy("root".getBytes(StandardCharsets.US_ASCII), 0, header, 265, 4);
        System.arraycopy("root".getBytes(StandardCharsets.US_ASCII), 0, header, 297, 4);
        // The checksum is computed with its own field read as spaces.
        java.util.Arrays.fill(header, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        String checksum = String.format("%06o", sum);
        System.arraycopy(checksum.getBytes(StandardCharsets.US_ASCII), 0, header, 148, 6);
        header[154] = 0;
        header[155] = ' ';
        out.writeBytes(header);
    }

    private static void octal(byte[] header, int offset, int width, long value) {
        String digits = String.format("%0" + (width - 1) + "o", value);
        System.arraycopy(digits.getBytes(StandardCharsets.US_ASCII), 0, header, offset, width - 1);
        header[offset + width - 1] = 0;
    }

    private static void pad(ByteArrayOutputStream out, long size) {
        int rest = (int) (size % BLOCK);
        if (rest != 0) {
            out.writeBytes(new byte[BLOCK - rest]);
        }
    }
}
