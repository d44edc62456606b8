package dev.kj.kubelet.volume;

/**
 * A volume could not be set up or torn down. The message is what the kubelet's FailedMount event
 * says, as upstream words it: {@code MountVolume.SetUp failed for volume "config" : configmap "app" not found}.
 */
public final class VolumeException extends Exception {
    public VolumeException(String message) {
        super(message);
    }

    public VolumeException(String message, Throwable cause) {
        super(message, cause);
    }
}
