package dev.kj.controllers.deployment;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The annotations a Deployment and its ReplicaSets carry (upstream's deploymentutil): the
 * revision, the revisions a ReplicaSet had before a rollback brought it back, the deployment's
 * size and maximum size when the ReplicaSet was last scaled (for proportional scaling), and the
 * deployment's own annotations copied to its new ReplicaSet.
 */
final class Revisions {
    static final String REVISION = "deployment.kubernetes.io/revision";
    static final String REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
    static final String DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
    static final String MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
    static final String DEPRECATED_ROLLBACK_TO = "deprecated.deployment.rollback.to";
    static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
    /** Upstream's maxRevHistoryLengthInChars. */
    static final int MAX_HISTORY_CHARS = 2000;

    private static final Set<String> NOT_COPIED = Set.of(LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS,
            MAX_REPLICAS, DEPRECATED_ROLLBACK_TO);

    private Revisions() {
    }

    /** The revision annotation as a number; 0 when absent or not a number. */
    static long revision(ReplicaSet rs) {
        String value = annotations(rs.getMetadata().getAnnotations()).get(REVISION);
        try {
            return value == null ? 0 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static long maxRevision(List<ReplicaSet> sets) {
        return sets.stream().mapToLong(Revisions::revision).max().orElse(0);
    }

    private static Map<String, String> annotations(Map<String, String> annotations) {
        return annotations == null ? Map.of() : annotations;
    }

    private static Map<String, String> mutableAnnotations(ReplicaSet rs) {
        if (rs.getMetadata().getAnnotations() == null) {
            rs.getMetadata().setAnnotations(new HashMap<>());
        }
        return rs.getMetadata().getAnnotations();
    }

    /** Sets the deployment's revision annotation; true when it changed. */
    static boolean setDeploymentRevision(Deployment d, String revision) {
        if (d.getMetadata().getAnnotations() == null) {
            d.getMetadata().setAnnotations(new HashMap<>());
        }
        return !revision.equals(d.getMetadata().getAnnotations().put(REVISION, revision));
    }

    /**
     * Brings the new ReplicaSet's annotations up to date (SetNewReplicaSetAnnotations): the
     * deployment's annotations, the revision when it is behind {@code newRevision} (remembering the
     * old one in the history when a rollback brings this ReplicaSet back), and for a ReplicaSet
     * about to be created, the replicas annotations. True when anything changed.
     */
    static boolean setNewReplicaSetAnnotations(Deployment d, ReplicaSet rs, String newRevision, boolean exists) {
        boolean changed = copyDeploymentAnnotations(d, rs);
        Map<String, String> annotations = mutableAnnotations(rs);
        String oldRevision = annotations.get(REVISION);
        long oldRevisionNumber;
        try {
            oldRevisionNumber = oldRevision == null || oldRevision.isEmpty() ? 0 : Long.parseLong(oldRevision);
        } catch (NumberFormatException e) {
            return false;
        }
        long newRevisionNumber = Long.parseLong(newRevision);
        if (oldRevisionNumber < newRevisionNumber) {
            annotations.put(REVISION, newRevision);
            changed = true;
        }
        if (oldRevision != null && oldRevisionNumber < newRevisionNumber) {
            String history = annotations.getOrDefault(REVISION_HISTORY, "");
            if (history.isEmpty()) {
                annotations.put(REVISION_HISTORY, oldRevision);
            } else {
                List<String> old = new ArrayList<>(Arrays.asList(history.split(",", -1)));
                int total = history.length() + oldRevision.length() + 1;
                int start = 0;
                while (total > MAX_HISTORY_CHARS && start < old.size()) {
                    total -= old.get(start).length() + 1;
                    start++;
                }
                if (total <= MAX_HISTORY_CHARS) {
                    List<String> kept = new ArrayList<>(old.subList(start, old.size()));
                    kept.add(oldRevision);
                    annotations.put(REVISION_HISTORY, String.join(",", kept));
                }
            }
        }
        if (!exists && setReplicasAnnotations(rs, Fenceposts.replicas(d), Fenceposts.replicas(d) + Fenceposts.maxSurge(d))) {
            changed = true;
        }
        return changed;
    }

    private static boolean copyDeploymentAnnotations(Deployment d, ReplicaSet rs) {
        boolean changed = false;
        Map<String, String> annotations = mutableAnnotations(rs);
        for (var entry : annotations(d.getMetadata().getAnnotations()).entrySet()) {
            if (NOT_COPIED.contains(entry.getKey()) || entry.getValue().equals(annotations.get(entry.getKey()))) {
                continue;
            }
            annotations.put(entry.getKey(), entry.getValue());
            changed = true;
        }
        return changed;
    }

    /** Sets desired-replicas and max-replicas; true when either changed. */
    static boolean setReplicasAnnotations(ReplicaSet rs, int desired, int max) {
        Map<String, String> annotations = mutableAnnotations(rs);
        boolean changed = !String.valueOf(desired).equals(annotations.put(DESIRED_REPLICAS, String.valueOf(desired)));
        changed |= !String.valueOf(max).equals(annotations.put(MAX_REPLICAS, String.valueOf(max)));
        return changed;
    }

    static boolean replicasAnnotationsNeedUpdate(ReplicaSet rs, int desired, int max) {
        Map<String, String> annotations = annotations(rs.getMetadata().getAnnotations());
        return !String.valueOf(desired).equals(annotations.get(DESIRED_REPLICAS))
                || !String.valueOf(max).equals(annotations.get(MAX_REPLICAS));
    }

    /** An int32 annotation; null when absent or not a number. */
    static Integer intAnnotation(ReplicaSet rs, String name) {
        String value = annotations(rs.getMetadata().getAnnotations()).get(name);
        if (value == null) {
            return null;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
