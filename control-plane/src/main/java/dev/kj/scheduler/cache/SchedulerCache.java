package dev.kj.scheduler.cache;

import dev.kj.scheduler.framework.NodeInfo;
import dev.kj.scheduler.framework.Snapshot;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The scheduler's view of what runs where (upstream's internal cache): nodes and bound pods as the
 * informers report them, plus pods the scheduler assumed onto a node before the binding is
 * confirmed, so the next cycle already counts them. An assumed pod is replaced by the informer's
 * copy once bound, or forgotten when binding fails. Pods may arrive before their node.
 */
public final class SchedulerCache {
    private record PodState(Pod pod, boolean assumed) {
    }

    private final Object lock = new Object();
    private final Map<String, NodeInfo> nodes = new TreeMap<>();
    private final Map<String, PodState> pods = new HashMap<>();

    public void addNode(Node node) {
        synchronized (lock) {
            NodeInfo info = nodes.get(node.getMetadata().getName());
            if (info == null) {
                nodes.put(node.getMetadata().getName(), new NodeInfo(node));
            } else {
                info.setNode(node);
            }
        }
    }

    public void updateNode(Node node) {
        addNode(node);
    }

    /** The node goes; its pods stay counted under its name until they are deleted too. */
    public void removeNode(Node node) {
        synchronized (lock) {
            NodeInfo info = nodes.get(node.getMetadata().getName());
            if (info == null) {
                return;
            }
            if (info.pods().isEmpty()) {
                nodes.remove(node.getMetadata().getName());
            } else {
                info.setNode(null);
            }
        }
    }

    /** The pod, with spec.nodeName set to the chosen node, counts there from now on. */
    public void assume(Pod pod) {
        synchronized (lock) {
            String uid = pod.getMetadata().getUid();
            if (pods.containsKey(uid)) {
                throw new IllegalStateException("pod " + uid + " is in the cache, so can't be assumed");
            }
            place(pod);
            pods.put(uid, new PodState(pod, true));
        }
    }

    /** Binding failed: the assumed pod no longer counts. */
    public void forget(Pod pod) {
        synchronized (lock) {
            PodState state = pods.get(pod.getMetadata().getUid());
            if (state != null && state.assumed()) {
                unplace(state.pod());
                pods.remove(pod.getMetadata().getUid());
            }
        }
    }

    public boolean isAssumed(Pod pod) {
        synchronized (lock) {
            PodState state = pods.get(pod.getMetadata().getUid());
            return state != null && state.assumed();
        }
    }

    /** A bound pod observed (also the confirmation of an assumed one, possibly on another node). */
    public void addPod(Pod pod) {
        synchronized (lock) {
            PodState state = pods.get(pod.getMetadata().getUid());
            if (state != null) {
                unplace(state.pod());
            }
            place(pod);
            pods.put(pod.getMetadata().getUid(), new PodState(pod, false));
        }
    }

    public void updatePod(Pod pod) {
        addPod(pod);
    }

    public void removePod(Pod pod) {
        synchronized (lock) {
            PodState state = pods.remove(pod.getMetadata().getUid());
            if (state != null) {
                unplace(state.pod());
            }
        }
    }

    private void place(Pod pod) {
        String nodeName = pod.getSpec().getNodeName();
        nodes.computeIfAbsent(nodeName, name -> new NodeInfo(null)).addPod(pod);
    }

    private void unplace(Pod pod) {
        String nodeName = pod.getSpec().getNodeName();
        NodeInfo info = nodes.get(nodeName);
        if (info != null) {
            info.removePod(pod.getMetadata().getUid());
            if (info.node() == null && info.pods().isEmpty()) {
                nodes.remove(nodeName);
            }
        }
    }

    /** Copies of the nodes known as objects, in name order, for one scheduling cycle. */
    public Snapshot snapshot() {
        synchronized (lock) {
            List<NodeInfo> copies = new ArrayList<>();
            for (NodeInfo info : nodes.values()) {
                if (info.node() != null) {
                    copies.add(info.copy());
                }
            }
            return new Snapshot(copies);
        }
    }
}
