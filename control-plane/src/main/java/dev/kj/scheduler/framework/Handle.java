package dev.kj.scheduler.framework;

import dev.kj.api.client.ApiClient;
import dev.kj.api.events.EventRecorder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import java.util.Optional;

/** What the scheduler lends its plugins (upstream's framework.Handle). */
public interface Handle {
    /** The scheduler's client (system:kube-scheduler). */
    ApiClient client();

    EventRecorder events();

    /** The profile the plugin belongs to, for dry runs of its filters. */
    Framework framework();

    /** The PodDisruptionBudgets the informer holds. */
    List<PodDisruptionBudget> podDisruptionBudgets();

    /** The pod as the informer holds it now. */
    Optional<Pod> pod(String namespace, String name);

    /** A namespace's labels (namespaceSelector of pod affinity terms); empty when unknown. */
    java.util.Map<String, String> namespaceLabels(String namespace);

    /**
     * upstream's helper.DefaultSelector: the pods that count as the pod's peers for default topology
     * spreading — those the selectors of the Services selecting it and of its owning
     * ReplicationController, ReplicaSet or StatefulSet all select; empty when there is none.
     */
    Optional<java.util.function.Predicate<java.util.Map<String, String>>> defaultSpreadSelector(Pod pod);

    /** Pods nominated to the node (they wait for preemption victims to leave). */
    List<Pod> nominatedPods(String nodeName);
}
