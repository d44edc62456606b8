package dev.kj.kubelet.pause;

import dev.kj.kubelet.oci.OciImage;

/**
 * kj's sandbox ("pause") image: its own pause program in a one-file image, made locally so no
 * sandbox image is ever pulled. The name sits on "localhost", a registry that is never on the
 * internet, so a runtime that lacks it fails locally instead of phoning home.
 */
public final class PauseImage {
    /** The image reference containerd's CRI plugin is configured with as sandbox_image. */
    public static final String NAME = "localhost/kj/pause:1.0";

    private PauseImage() {
    }

    public static OciImage build(String architecture) {
        return OciImage.builder(NAME, architecture)
                .file("pause", 0755, PauseProgram.forArchitecture(architecture))
                .entrypoint("/pause")
                .build();
    }
}
