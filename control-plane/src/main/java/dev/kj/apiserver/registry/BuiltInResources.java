package dev.kj.apiserver.registry;

import dev.kj.apiserver.registry.core.namespace.NamespaceStrategy;
import dev.kj.apiserver.registry.core.secret.SecretStrategy;
import java.util.List;

/**
 * The built-in resources this slice serves: those whose upstream behaviour is just storage plus
 * the generic metadata rules. Resources with subresources or allocation (pods, services, nodes,
 * persistent volumes, workloads) join with their strategies.
 */
public final class BuiltInResources {
    private BuiltInResources() {
    }

    public static ResourceCatalog catalog() {
        return new ResourceCatalog(List.of(
                ResourceDescription.of("", "v1", "ConfigMap", "configmaps", true, "configmaps", List.of("cm")),
                ResourceDescription.of("", "v1", "Endpoints", "endpoints", true, "services/endpoints", List.of("ep")),
                ResourceDescription.of("", "v1", "Event", "events", true, "events", List.of("ev"))
                        .withSelectableFields(List.of("involvedObject.kind", "involvedObject.namespace",
                                "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion",
                                "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
                                "reportingComponent", "type")),
                ResourceDescription.of("", "v1", "LimitRange", "limitranges", true, "limitranges", List.of("limits")),
                ResourceDescription.of("", "v1", "Namespace", "namespaces", false, "namespaces", List.of("ns"))
                        .withNameRule(NameRule.DNS1123_LABEL)
                        .withSelectableFields(List.of("status.phase"))
                        .withStrategy(new NamespaceStrategy()),
                ResourceDescription.of("", "v1", "PodTemplate", "podtemplates", true, "podtemplates", List.of()),
                ResourceDescription.of("", "v1", "Secret", "secrets", true, "secrets", List.of())
                        .withSelectableFields(List.of("type"))
                        .withStrategy(new SecretStrategy()),
                ResourceDescription.of("", "v1", "ServiceAccount", "serviceaccounts", true, "serviceaccounts", List.of("sa")),
                ResourceDescription.of("coordination.k8s.io", "v1", "Lease", "leases", true, "leases", List.of())));
    }
}
