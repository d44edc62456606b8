package dev.kj.kubelet.volume;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The kubelet's mounts (tmpfs for memory-backed volumes), made and undone with mount(8) and
 * umount(8) as upstream's mount-utils does, and read back from /proc/self/mountinfo.
 */
final class Mounts {
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
    private static final long COMMAND_TIMEOUT_SECONDS = 30;

    private Mounts() {
    }

    /** One line of mountinfo: where, and which filesystem type. */
    record Mount(Path mountPoint, String fsType, String options) {
    }

    static List<Mount> all() throws IOException {
        List<Mount> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8)) {
            // id parent major:minor root mountpoint options [optional fields...] - fstype source superoptions
            String[] fields = line.split(" ");
            int dash = List.of(fields).indexOf("-");
            if (fields.length < 5 || dash < 0 || dash + 1 >= fields.length) {
                continue;
            }
            mounts.add(new Mount(Path.of(unescape(fields[4])), fields[dash + 1],
                    dash + 3 < fields.length ? fields[dash + 3] : ""));
        }
        return mounts;
    }

    /** The last mount on exactly this path (the one a reader sees), if any. */
    static Optional<Mount> at(Path path) throws IOException {
        Path wanted = path.toAbsolutePath().normalize();
        Mount found = null;
        for (Mount mount : all()) {
            if (mount.mountPoint().equals(wanted)) {
                found = mount;
            }
        }
        return Optional.ofNullable(found);
    }

    /** Mount points at or below {@code dir}, deepest first (the order to unmount them in). */
    static List<Path> under(Path dir) throws IOException {
        Path root = dir.toAbsolutePath().normalize();
        return all().stream().map(Mount::mountPoint).filter(p -> p.startsWith(root)).distinct()
                .sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
    }

    static void mountTmpfs(Path dir, OptionalLong sizeBytes) throws IOException {
        List<String> command = new ArrayList<>(List.of("mount", "-t", "tmpfs"));
        if (sizeBytes.isPresent()) {
            command.addAll(List.of("-o", "size=" + sizeBytes.getAsLong()));
        }
        command.addAll(List.of("tmpfs", dir.toAbsolutePath().toString()));
        run(command);
    }

    static void unmount(Path dir) throws IOException {
        run(List.of("umount", dir.toAbsolutePath().toString()));
    }

    /** Whether this process may mount (root: upstream's kubelet runs as root too). */
    static boolean privileged() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    private static void run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try {
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + ": timed out");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + ": interrupted", e);
        }
        if (process.exitValue() != 0) {
            // upstream's mount-utils wording
            String arguments = String.join(" ", command.subList(1, command.size()));
            throw new IOException(command.getFirst().equals("umount")
                    ? "unmount failed: exit status " + process.exitValue() + "\nUnmounting arguments: " + arguments + "\nOutput: " + output
                    : "mount failed: exit status " + process.exitValue() + "\nMounting command: mount\nMounting arguments: "
                            + arguments + "\nOutput: " + output);
        }
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()
                    && field.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
