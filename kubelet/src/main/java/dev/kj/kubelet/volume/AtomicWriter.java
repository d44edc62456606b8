package dev.kj.kubelet.volume;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Projects a set of files into a directory so that a reader never sees a half-updated set, as
 * upstream's AtomicWriter: the files live in a hidden timestamped directory
 * ({@code ..2026_12_07_22_15_38.123456789}), {@code ..data} is a symlink to it, and each
 * user-visible top-level name is a symlink through {@code ..data}. An update writes a new
 * timestamped directory and swaps {@code ..data} by renaming a fresh link over it (atomic), then
 * prunes names no longer projected and the old directory. Names starting with {@code ..} are
 * reserved. Not thread-safe: the caller serializes writes to one directory.
 */
final class AtomicWriter {
    static final String DATA_DIR = "..data";
    static final String NEW_DATA_DIR = "..data_tmp";
    private static final int MAX_FILE_NAME_LENGTH = 255;
    private static final int MAX_PATH_LENGTH = 4096;
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("'..'yyyy_MM_dd_HH_mm_ss'.'")
            .withZone(ZoneOffset.UTC);

    private final Path target;
    private final Clock clock;

    AtomicWriter(Path target, Clock clock) {
        this.target = target;
        this.clock = clock;
    }

    /**
     * Makes the directory show exactly {@code payload}.
     *
     * @return whether anything was written (false: contents and modes were already those)
     */
    boolean write(Map<String, FileProjection> payload) throws VolumeError, IOException {
        return write(payload, () -> { });
    }

    /** A step run on the whole directory after the new files are written and before they become visible. */
    @FunctionalInterface
    interface BeforeSwap {
        void run() throws IOException;
    }

    /**
     * As {@link #write(Map)}, with {@code beforeSwap} (the fsGroup ownership pass) run once the
     * new version is on disk and before {@code ..data} points at it.
     */
    boolean write(Map<String, FileProjection> payload, BeforeSwap beforeSwap) throws VolumeError, IOException {
        Map<String, FileProjection> clean = validate(payload);
        Path dataLink = target.resolve(DATA_DIR);
        String oldStamp = null;
        try {
            oldStamp = Files.readSymbolicLink(dataLink).toString();
        } catch (NoSuchFileException e) {
            // first write
        }
        TreeSet<String> toRemove = new TreeSet<>();
        if (oldStamp != null) {
            Path oldDir = target.resolve(oldStamp);
            toRemove = pathsToRemove(clean, oldDir);
            if (!changed(clean, oldDir) && toRemove.isEmpty()) {
                // nothing to write; a crash between the swap and the links may have left one missing
                createUserVisibleLinks(clean);
                return false;
            }
        }
        Path stampDir = newStampDir();
        try {
            writeFiles(clean, stampDir);
            beforeSwap.run();
            Path newLink = target.resolve(NEW_DATA_DIR);
            Files.deleteIfExists(newLink);
            Files.createSymbolicLink(newLink, stampDir.getFileName());
            Files.move(newLink, dataLink, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files2.deleteTree(stampDir);
            throw e;
        }
        createUserVisibleLinks(clean);
        for (String path : toRemove) {
            if (!path.contains("/")) {
                Files.deleteIfExists(target.resolve(path));
            }
        }
        if (oldStamp != null && !oldStamp.equals(stampDir.getFileName().toString())) {
            Files2.deleteTree(target.resolve(oldStamp));
        }
        return true;
    }

    /** The paths cleaned (as Go's filepath.Clean) and checked with upstream's messages. */
    static Map<String, FileProjection> validate(Map<String, FileProjection> payload) throws VolumeError {
        Map<String, FileProjection> clean = new TreeMap<>();
        for (Map.Entry<String, FileProjection> entry : payload.entrySet()) {
            String path = entry.getKey();
            validatePath(path);
            clean.put(cleanPath(path), entry.getValue());
        }
        return clean;
    }

    static void validatePath(String path) throws VolumeError {
        if (path.isEmpty()) {
            throw new VolumeError("invalid path: must not be empty: \"\"");
        }
        if (path.startsWith("/")) {
            throw new VolumeError("invalid path: must be relative path: " + path);
        }
        if (path.length() > MAX_PATH_LENGTH) {
            throw new VolumeError("invalid path: must be less than or equal to " + MAX_PATH_LENGTH + " characters");
        }
        String[] items = path.split("/", -1);
        for (String item : items) {
            if (item.equals("..")) {
                throw new VolumeError("invalid path: must not contain '..': " + path);
            }
            if (item.length() > MAX_FILE_NAME_LENGTH) {
                throw new VolumeError("invalid path: filenames must be less than or equal to " + MAX_FILE_NAME_LENGTH
                        + " characters");
            }
        }
        if (items[0].startsWith("..") && items[0].length() > 2) {
            throw new VolumeError("invalid path: must not start with '..': " + path);
        }
    }

    /** Go's filepath.Clean for a relative path without "..": empty and "." elements dropped. */
    static String cleanPath(String path) {
        StringBuilder out = new StringBuilder();
        for (String item : path.split("/")) {
            if (item.isEmpty() || item.equals(".")) {
                continue;
            }
            if (!out.isEmpty()) {
                out.append('/');
            }
            out.append(item);
        }
        return out.isEmpty() ? "." : out.toString();
    }

    /** Whether any file differs from the current version in content or mode (or is new). */
    private static boolean changed(Map<String, FileProjection> payload, Path oldDir) throws IOException {
        for (Map.Entry<String, FileProjection> entry : payload.entrySet()) {
            Path file = oldDir.resolve(entry.getKey());
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                return true;
            }
            // upstream compares contents only; a changed defaultMode would then never reach the
            // files, so the mode is compared too
            if (!entry.getValue().sameContent(Files.readAllBytes(file)) || Files2.mode(file) != entry.getValue().mode()) {
                return true;
            }
        }
        return false;
    }

    /** What the current version holds (files and directories) that the new payload neither names nor contains. */
    private static TreeSet<String> pathsToRemove(Map<String, FileProjection> payload, Path oldDir) throws IOException {
        TreeSet<String> current = new TreeSet<>();
        if (!Files.isDirectory(oldDir, LinkOption.NOFOLLOW_LINKS)) {
            return current;
        }
        try (Stream<Path> walk = Files.walk(oldDir)) {
            walk.filter(p -> !p.equals(oldDir)).forEach(p -> current.add(oldDir.relativize(p).toString()));
        }
        for (String file : payload.keySet()) {
            for (String sub = file; !sub.isEmpty(); sub = sub.contains("/") ? sub.substring(0, sub.lastIndexOf('/')) : "") {
                current.remove(sub);
            }
        }
        return current;
    }

    /** A fresh {@code ..yyyy_MM_dd_HH_mm_ss.<random>} directory, 0755 whatever the umask. */
    private Path newStampDir() throws IOException {
        String prefix = STAMP.format(clock.instant());
        while (true) {
            Path dir = target.resolve(prefix + Integer.toUnsignedString(ThreadLocalRandom.current().nextInt()));
            try {
                Files.createDirectory(dir);
            } catch (FileAlreadyExistsException e) {
                continue;
            }
            Files.setPosixFilePermissions(dir, Files2.permissions(0755));
            return dir;
        }
    }

    private static void writeFiles(Map<String, FileProjection> payload, Path dir) throws IOException {
        for (Map.Entry<String, FileProjection> entry : payload.entrySet()) {
            Path file = dir.resolve(entry.getKey());
            Path parent = file.getParent();
            if (!parent.equals(dir)) {
                Files.createDirectories(parent, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        Files2.permissions(0755)));
            }
            Files.write(file, entry.getValue().data());
            // the mode exactly, whatever the umask
            Files.setPosixFilePermissions(file, Files2.permissions(entry.getValue().mode()));
        }
    }

    /** {@code name -> ..data/name} for each top-level name, where missing. */
    private void createUserVisibleLinks(Map<String, FileProjection> payload) throws IOException {
        for (String path : payload.keySet()) {
            int slash = path.indexOf('/');
            String name = slash < 0 ? path : path.substring(0, slash);
            Path visible = target.resolve(name);
            if (!Files.isSymbolicLink(visible)) {
                Files.createSymbolicLink(visible, Path.of(DATA_DIR, name));
            }
        }
    }
}
