package dev.kj.scheduler.framework.plugins.imagelocality;

import dev.kj.scheduler.framework.CycleState;
import dev.kj.scheduler.framework.NodeInfo;
import dev.kj.scheduler.framework.PreScorePlugin;
import dev.kj.scheduler.framework.ScorePlugin;
import dev.kj.scheduler.framework.Snapshot;
import dev.kj.scheduler.framework.Status;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerImage;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Prefers nodes that already hold the pod's images: the sizes of the images present, each scaled
 * by the share of nodes holding it (so an image everywhere does not pull pods together), clamped
 * between 23 MB and 1000 MB per container and mapped to [0, 100].
 */
public final class ImageLocality implements PreScorePlugin, ScorePlugin {
    public static final String NAME = "ImageLocality";
    static final long MIN_THRESHOLD = 23L * 1024 * 1024;
    static final long MAX_CONTAINER_THRESHOLD = 1000L * 1024 * 1024;
    private static final CycleState.Key<Snapshot> SNAPSHOT = new CycleState.Key<>(NAME + "/snapshot");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status preScore(CycleState state, Pod pod, List<NodeInfo> feasible, Snapshot snapshot) {
        state.write(SNAPSHOT, snapshot);
        return Status.success();
    }

    @Override
    public long score(CycleState state, Pod pod, NodeInfo node) {
        Snapshot snapshot = state.read(SNAPSHOT);
        Map<String, Long> sizes = new HashMap<>();
        if (node.node().getStatus() != null && node.node().getStatus().getImages() != null) {
            for (ContainerImage image : node.node().getStatus().getImages()) {
                if (image.getNames() != null) {
                    long size = image.getSizeBytes() == null ? 0 : image.getSizeBytes();
                    image.getNames().forEach(name -> sizes.put(name, size));
                }
            }
        }
        List<Container> containers = new ArrayList<>();
        if (pod.getSpec().getInitContainers() != null) {
            containers.addAll(pod.getSpec().getInitContainers());
        }
        if (pod.getSpec().getContainers() != null) {
            containers.addAll(pod.getSpec().getContainers());
        }
        long sum = 0;
        for (Container container : containers) {
            String image = normalized(container.getImage());
            Long size = sizes.get(image);
            if (size != null && snapshot.size() > 0) {
                sum += (long) (size * ((double) snapshot.nodesWithImage(image) / snapshot.size()));
            }
        }
        long max = MAX_CONTAINER_THRESHOLD * Math.max(containers.size(), 1);
        sum = Math.max(MIN_THRESHOLD, Math.min(sum, max));
        return MAX_NODE_SCORE * (sum - MIN_THRESHOLD) / (max - MIN_THRESHOLD);
    }

    /** An image without a tag or digest means :latest (nodes report tagged names). */
    static String normalized(String image) {
        if (image == null) {
            return "";
        }
        if (image.contains("@")) {
            return image;
        }
        int slash = image.lastIndexOf('/');
        return image.indexOf(':', slash + 1) >= 0 ? image : image + ":latest";
    }
}
