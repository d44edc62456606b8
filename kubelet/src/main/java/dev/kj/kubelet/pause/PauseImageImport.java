package dev.kj.kubelet.pause;

import dev.kj.kubelet.oci.OciImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Puts kj's pause image into containerd's k8s.io namespace (the CRI plugin's) with the {@code ctr}
 * tool containerd ships, unpacked for the snapshotter the CRI plugin uses so the first sandbox
 * starts without a pull. Importing again is harmless: the same bytes give the same digests.
 */
public final class PauseImageImport {
    public static final String CRI_NAMESPACE = "k8s.io";

    private PauseImageImport() {
    }

    /**
     * @param ctr       containerd's client (beside containerd on PATH)
     * @param socket    containerd's gRPC socket
     * @param snapshotter the snapshotter to unpack into
     * @param workDir   where the archive is written for ctr to read
     */
    public static OciImage importInto(Path ctr, Path socket, String snapshotter, Path workDir) {
        OciImage image = PauseImage.build(PauseProgram.hostArchitecture());
        try {
            Files.createDirectories(workDir);
            Path archive = workDir.resolve("kj-pause.oci.tar");
            Files.write(archive, image.archive());
            List<String> command = List.of(ctr.toString(), "--address", socket.toString(), "--namespace", CRI_NAMESPACE,
                    "images", "import", "--snapshotter", snapshotter, archive.toString());
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("ctr images import did not finish within 2 minutes");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("importing " + image.name() + " failed (ctr exit " + process.exitValue() + "): " + output.strip());
            }
            return image;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted importing the pause image", e);
        }
    }
}
