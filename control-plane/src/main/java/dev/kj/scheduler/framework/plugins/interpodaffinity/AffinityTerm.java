package dev.kj.scheduler.framework.plugins.interpodaffinity;

import dev.kj.scheduler.framework.Handle;
import dev.kj.scheduler.framework.Selectors;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import java.util.List;
import java.util.Map;

/**
 * A pod (anti-)affinity term resolved against the pod that carries it: the namespaces it looks in
 * (listed ones, those its namespaceSelector selects, or else the carrier's own), its label
 * selector and topology key.
 */
record AffinityTerm(PodAffinityTerm term, String ownerNamespace, int weight) {
    boolean matches(Pod other, Handle handle) {
        String namespace = other.getMetadata().getNamespace();
        List<String> namespaces = term.getNamespaces() == null ? List.of() : term.getNamespaces();
        boolean inNamespace;
        if (term.getNamespaceSelector() == null) {
            inNamespace = namespaces.isEmpty() ? namespace.equals(ownerNamespace) : namespaces.contains(namespace);
        } else {
            inNamespace = namespaces.contains(namespace)
                    || Selectors.matches(term.getNamespaceSelector(), handle.namespaceLabels(namespace));
        }
        return inNamespace && Selectors.matches(term.getLabelSelector(), labels(other));
    }

    String topologyKey() {
        return term.getTopologyKey();
    }

    static Map<String, String> labels(Pod pod) {
        return pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
    }
}
