package dev.kj.kubelet.volume;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/** hostPath's type check, as upstream's: the *OrCreate types create what is missing (0755 / 0644). */
final class HostPaths {
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFCHR = 0020000;

    private HostPaths() {
    }

    static void check(String path, String type) throws VolumeError, IOException {
        if (List.of(path.split("/")).contains("..")) {
            throw new VolumeError("invalid HostPath `" + path + "`: must not contain '..'");
        }
        Path file = Path.of(path);
        switch (type) {
            case "" -> { }
            case "DirectoryOrCreate", "Directory" -> {
                if (type.equals("DirectoryOrCreate") && !Files.exists(file)) {
                    makeDir(file);
                } else if (!Files.isDirectory(file)) {
                    throw notA(path, "directory");
                }
            }
            case "FileOrCreate", "File" -> {
                if (type.equals("FileOrCreate") && !Files.exists(file)) {
                    makeFile(file);
                } else if (!Files.isRegularFile(file)) {
                    throw notA(path, "file");
                }
            }
            case "Socket" -> requireFormat(file, S_IFSOCK, "socket file");
            case "CharDevice" -> requireFormat(file, S_IFCHR, "character device");
            case "BlockDevice" -> requireFormat(file, S_IFBLK, "block device");
            default -> throw new VolumeError(type + " is an invalid volume type");
        }
    }

    private static VolumeError notA(String path, String what) {
        return new VolumeError("hostPath type check failed: " + path + " is not a " + what);
    }

    private static void requireFormat(Path file, int format, String what) throws VolumeError {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(file, "unix:mode");
        } catch (IOException e) {
            throw notA(file.toString(), what);
        }
        if ((mode & S_IFMT) != format) {
            throw notA(file.toString(), what);
        }
    }

    /** mkdir -p with 0755 on what it creates, whatever the umask. */
    private static void makeDir(Path dir) throws IOException {
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null && !Files.exists(parent)) {
            makeDir(parent);
        }
        try {
            Files.createDirectory(dir);
            Files.setPosixFilePermissions(dir, Files2.permissions(0755));
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw e;
            }
        }
    }

    /** An empty 0644 file; its directory must exist, as upstream. */
    private static void makeFile(Path file) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(Files2.permissions(0644)));
            Files.setPosixFilePermissions(file, Files2.permissions(0644));
        } catch (FileAlreadyExistsException e) {
            // someone else made it: fine, as O_CREATE without O_EXCL
        }
    }
}
