package dev.kj.scheduler.framework;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster as one scheduling cycle sees it: copies of the cache's NodeInfos (nodes the cache
 * knows as objects only), in a stable order, and how many nodes hold each image (ImageLocality's
 * spread).
 */
public final class Snapshot {
    private final Map<String, NodeInfo> byName = new LinkedHashMap<>();
    private final Map<String, Integer> imageNodes = new HashMap<>();

    public Snapshot(List<NodeInfo> nodes) {
        for (NodeInfo node : nodes) {
            byName.put(node.name(), node);
            if (node.node().getStatus() != null && node.node().getStatus().getImages() != null) {
                node.node().getStatus().getImages().stream()
                        .flatMap(image -> image.getNames() == null ? java.util.stream.Stream.<String>empty() : image.getNames().stream())
                        .distinct()
                        .forEach(name -> imageNodes.merge(name, 1, Integer::sum));
            }
        }
    }

    public List<NodeInfo> nodes() {
        return List.copyOf(byName.values());
    }

    public NodeInfo get(String name) {
        return byName.get(name);
    }

    public int size() {
        return byName.size();
    }

    /** How many nodes report the image under this name. */
    public int nodesWithImage(String name) {
        return imageNodes.getOrDefault(name, 0);
    }

    /** This snapshot with one node replaced (preemption's dry runs remove pods from a copy). */
    public Snapshot with(NodeInfo replaced) {
        List<NodeInfo> nodes = new java.util.ArrayList<>(byName.values());
        nodes.replaceAll(n -> n.name().equals(replaced.name()) ? replaced : n);
        return new Snapshot(nodes);
    }
}
