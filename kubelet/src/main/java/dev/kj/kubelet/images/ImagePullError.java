package dev.kj.kubelet.images;

/** An image is not there to run: the container waits with {@code reason} (ErrImagePull, ImagePullBackOff, ErrImageNeverPull, InvalidImageName). */
public final class ImagePullError extends Exception {
    private final String reason;

    public ImagePullError(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
