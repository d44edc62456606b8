package dev.kj.kubelet.images;

import dev.kj.api.events.EventRecorder;
import dev.kj.kubelet.cri.CriException;
import dev.kj.kubelet.cri.ImageClient;
import dev.kj.kubelet.cri.v1.AuthConfig;
import dev.kj.kubelet.cri.v1.Image;
import dev.kj.kubelet.cri.v1.PodSandboxConfig;
import dev.kj.kubelet.kuberuntime.BackOff;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Upstream's imageManager.EnsureImageExists: the pull policy decides whether to pull; failed pulls
 * back off per pod and image (ImagePullBackOff until the delay passes, then ErrImagePull again), and
 * each step is told as upstream's events.
 */
public final class ImageManager {
    private final ImageClient images;
    private final BackOff backOff;
    private final Clock clock;

    /** What the manager says about a pod's container (type, reason, message). */
    public interface Events {
        void event(String type, String reason, String message);
    }

    public ImageManager(ImageClient images, BackOff backOff, Clock clock) {
        this.images = images;
        this.backOff = backOff;
        this.clock = clock;
    }

    public ImageClient images() {
        return images;
    }

    /** The pull policy, defaulted as the API server does when absent: Always for :latest or no tag. */
    public static String pullPolicy(Container container) {
        if (container.getImagePullPolicy() != null && !container.getImagePullPolicy().isEmpty()) {
            return container.getImagePullPolicy();
        }
        String image = container.getImage();
        if (image.contains("@")) {
            return "IfNotPresent";
        }
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        boolean tagged = colon > slash;
        return !tagged || image.endsWith(":latest") ? "Always" : "IfNotPresent";
    }

    /** Returns the image reference to create the container from. */
    public String ensure(Pod pod, Container container, PodSandboxConfig sandbox, List<AuthConfig> credentials, Events events)
            throws ImagePullError {
        String image = container.getImage();
        if (image == null || image.isBlank()) {
            throw new ImagePullError("InvalidImageName", "Failed to apply default image tag \"" + image + "\": couldn't parse image name \""
                    + image + "\": invalid reference format");
        }
        String policy = pullPolicy(container);
        Optional<Image> present = images.status(ImageClient.spec(image));
        if (present.isPresent() && !policy.equals("Always")) {
            events.event(EventRecorder.NORMAL, "Pulled", "Container image \"" + image + "\" already present on machine");
            return present.get().getId();
        }
        if (policy.equals("Never")) {
            String message = "Container image \"" + image + "\" is not present with pull policy of Never";
            events.event(EventRecorder.WARNING, "ErrImageNeverPull", message);
            throw new ImagePullError("ErrImageNeverPull", message);
        }
        String key = pod.getMetadata().getUid() + "_" + image;
        if (backOff.inBackOffSinceUpdate(key)) {
            String message = "Back-off pulling image \"" + image + "\"";
            events.event(EventRecorder.NORMAL, "BackOff", message);
            throw new ImagePullError("ImagePullBackOff", message);
        }
        events.event(EventRecorder.NORMAL, "Pulling", "Pulling image \"" + image + "\"");
        Instant start = clock.instant();
        String ref;
        try {
            ref = pull(image, credentials, sandbox);
        } catch (CriException e) {
            events.event(EventRecorder.WARNING, "Failed", "Failed to pull image \"" + image + "\": " + e.getMessage());
            backOff.next(key, clock.instant());
            throw new ImagePullError("ErrImagePull", e.getMessage());
        }
        Duration took = Duration.between(start, clock.instant());
        long size = images.status(ImageClient.spec(image)).map(Image::getSize).orElse(0L);
        // kj pulls one image at a time per worker, so the wait is the pull itself.
        events.event(EventRecorder.NORMAL, "Pulled", "Successfully pulled image \"" + image + "\" in " + BackOff.goString(took)
                + " (" + BackOff.goString(took) + " including waiting). Image size: " + size + " bytes.");
        backOff.reset(key);
        return ref;
    }

    /** Tries each matching credential, then anonymously, as upstream's puller walks the keyring. */
    private String pull(String image, List<AuthConfig> credentials, PodSandboxConfig sandbox) {
        CriException last = null;
        for (AuthConfig auth : credentials) {
            try {
                return images.pull(ImageClient.spec(image), Optional.of(auth), sandbox);
            } catch (CriException e) {
                last = e;
            }
        }
        if (credentials.isEmpty()) {
            return images.pull(ImageClient.spec(image), Optional.empty(), sandbox);
        }
        throw last;
    }

}
