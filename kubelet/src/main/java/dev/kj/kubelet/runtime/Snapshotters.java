package dev.kj.kubelet.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Picks containerd's snapshotter: overlayfs when an overlay mounts on the data directory's filesystem, else native (full copies). */
public final class Snapshotters {
    public static final String OVERLAYFS = "overlayfs";
    public static final String NATIVE = "native";

    private Snapshotters() {
    }

    /** Tries one overlay mount under {@code dir} (an overlay on overlay, or a kernel without it, fails). */
    public static String probe(Path dir) {
        Path probe = null;
        try {
            Files.createDirectories(dir);
            probe = Files.createTempDirectory(dir, "overlay-probe");
            for (String sub : new String[] {"lower", "upper", "work", "merged"}) {
                Files.createDirectory(probe.resolve(sub));
            }
            String options = "lowerdir=" + probe.resolve("lower") + ",upperdir=" + probe.resolve("upper")
                    + ",workdir=" + probe.resolve("work");
            if (run("mount", "-t", "overlay", "overlay", "-o", options, probe.resolve("merged").toString()) != 0) {
                return NATIVE;
            }
            run("umount", probe.resolve("merged").toString());
            return OVERLAYFS;
        } catch (IOException e) {
            return NATIVE;
        } finally {
            if (probe != null) {
                deleteQuietly(probe);
            }
        }
    }

    private static int run(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return -1;
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return -1;
        }
    }

    private static void deleteQuietly(Path probe) {
        try (var paths = Files.walk(probe)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover empty probe directory harms nothing
        }
    }
}
