package dev.kj.kubelet.volume;

/**
 * Why one volume could not be set up, in upstream's words for the plugin's error (the part after
 * the colon of a FailedMount event); {@link VolumeManager} prefixes the operation and volume name.
 */
public final class VolumeError extends Exception {
    VolumeError(String detail) {
        super(detail);
    }

    VolumeError(String detail, Throwable cause) {
        super(detail, cause);
    }
}
