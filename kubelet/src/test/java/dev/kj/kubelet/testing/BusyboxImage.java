package dev.kj.kubelet.testing;

import dev.kj.kubelet.oci.OciImage;
import dev.kj.kubelet.pause.PauseProgram;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** An image made from the host's static busybox (Debian busybox-static): /bin/busybox and a link per applet. */
public final class BusyboxImage {
    private BusyboxImage() {
    }

    public static OciImage build(Path busybox, String name) {
        try {
            byte[] binary = Files.readAllBytes(busybox);
            OciImage.Builder image = OciImage.builder(name, PauseProgram.hostArchitecture())
                    .directory("bin")
                    .file("bin/busybox", 0755, binary)
                    .directory("tmp")
                    .env("PATH=/usr/sbin:/usr/bin:/sbin:/bin");
            for (String applet : Commands.check(busybox.toString(), "--list").output().strip().split("\n")) {
                if (!applet.isBlank() && !applet.equals("busybox")) {
                    image.symlink("bin/" + applet.strip(), "busybox");
                }
            }
            return image.entrypoint("/bin/sh").build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
