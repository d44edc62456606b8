package dev.kj.kubelet.volume;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The pod's fsGroup applied to a volume, as upstream's SetVolumeOwnership: every file and
 * directory (symlinks left alone) gets the group, group read (and write, unless the volume is
 * read-only), directories also group search and the setgid bit so new files inherit the group.
 */
final class Ownership {
    private static final int SETGID = 02000;
    private static final int READ_WRITE = 0660;
    private static final int READ_ONLY = 0440;
    private static final int SEARCH = 0110;

    private Ownership() {
    }

    static void apply(Path root, long fsGroup, boolean readOnly) throws IOException {
        int mask = readOnly ? READ_ONLY : READ_WRITE;
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                change(dir, mask | SEARCH | SETGID);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (!attrs.isSymbolicLink()) {
                    change(file, mask);
                }
                return FileVisitResult.CONTINUE;
            }

            private void change(Path path, int bits) throws IOException {
                if (((Number) Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS)).longValue() != fsGroup) {
                    Files.setAttribute(path, "unix:gid", (int) fsGroup, LinkOption.NOFOLLOW_LINKS);
                }
                int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
                if ((mode | bits) != mode) {
                    Files.setAttribute(path, "unix:mode", mode | bits, LinkOption.NOFOLLOW_LINKS);
                }
            }
        });
    }
}
