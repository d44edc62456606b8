package dev.kj.apiserver.registry;

import dev.kj.apiserver.printers.Printer;
import java.util.List;
import java.util.Set;

/**
 * Everything the generic machinery needs to serve one resource: identity for discovery, the storage
 * key prefix (upstream's, so etcd data is interchangeable), name rules, selectable fields and the
 * strategy. Adding a resource is adding one of these.
 *
 * @param storagePrefix    the part after {@code /registry/} (e.g. {@code minions} for nodes)
 * @param selectableFields field selector fields beyond metadata.name (and metadata.namespace for
 *                         namespaced resources), as dotted paths into the object
 * @param printer          the columns of meta.k8s.io Table answers (upstream's printers; the default
 *                         convertor's Name and Created At when a kind has none)
 * @param subresources     status (then writes to the resource keep the stored status, as upstream's
 *                         strategies), scale, binding, approval
 * @param storageVersion   the version objects are stored in when it is not the served one (upstream's
 *                         storage version; the same keys then serve several versions), else null
 */
public record ResourceDescription(
        String group,
        String version,
        String kind,
        String plural,
        String singular,
        boolean namespaced,
        List<String> shortNames,
        List<String> categories,
        Set<Verb> verbs,
        String storagePrefix,
        NameRule nameRule,
        List<String> selectableFields,
        Set<Subresource> subresources,
        Strategy strategy,
        Printer printer,
        StorageVersion storageVersion) {

    public ResourceDescription {
        shortNames = List.copyOf(shortNames);
        categories = List.copyOf(categories);
        verbs = Set.copyOf(verbs);
        selectableFields = List.copyOf(selectableFields);
        subresources = Set.copyOf(subresources);
    }

    public boolean statusSubresource() {
        return subresources.contains(Subresource.STATUS);
    }

    public boolean scaleSubresource() {
        return subresources.contains(Subresource.SCALE);
    }

    /** A resource with every verb, upstream's default name rule and no extra fields, status subresource or strategy. */
    public static ResourceDescription of(String group, String version, String kind, String plural, boolean namespaced,
                                         String storagePrefix, List<String> shortNames) {
        return new ResourceDescription(group, version, kind, plural, kind.toLowerCase(java.util.Locale.ROOT),
                namespaced, shortNames, List.of(), Verb.ALL, storagePrefix, NameRule.DNS1123_SUBDOMAIN, List.of(),
                Set.of(), Strategy.NONE, Printer.DEFAULT, null);
    }

    public ResourceDescription withStrategy(Strategy newStrategy) {
        return new ResourceDescription(group, version, kind, plural, singular, namespaced, shortNames, categories,
                verbs, storagePrefix, nameRule, selectableFields, subresources, newStrategy, printer, storageVersion);
    }

    public ResourceDescription withSelectableFields(List<String> fields) {
        return new ResourceDescription(group, version, kind, plural, singular, namespaced, shortNames, categories,
                verbs, storagePrefix, nameRule, fields, subresources, strategy, printer, storageVersion);
    }

    public ResourceDescription withNameRule(NameRule rule) {
        return new ResourceDescription(group, version, kind, plural, singular, namespaced, shortNames, categories,
                verbs, storagePrefix, rule, selectableFields, subresources, strategy, printer, storageVersion);
    }

    public ResourceDescription withCategories(List<String> newCategories) {
        return new ResourceDescription(group, version, kind, plural, singular, namespaced, shortNames, newCategories,
                verbs, storagePrefix, nameRule, selectableFields, subresources, strategy, printer, storageVersion);
    }

    public ResourceDescription withPrinter(Printer newPrinter) {
        return new ResourceDescription(group, version, kind, plural, singular, namespaced, shortNames, categories,
                verbs, storagePrefix, nameRule, selectableFields, subresources, strategy, newPrinter, storageVersion);
    }

    /** Stored in another version, converted at the store's edges; discovery serves this version. */
    public ResourceDescription withStorageVersion(StorageVersion storedAs) {
        return new ResourceDescription(group, version, kind, plural, singular, namespaced, shortNames, categories,
                verbs, storagePrefix, nameRule, selectableFields, subresources, strategy, printer, storedAs);
    }

    public ResourceDescription withVerbs(Set<Verb> newVerbs) {
        return new ResourceDescription(group, version, kind, plural, singular, namespaced, shortNames, categories,
                newVerbs, storagePrefix, nameRule, selectableFields, subresources, strategy, printer, storageVersion);
    }

    /** False for resources that only take requests (bindings): nothing of theirs is stored. */
    public boolean stored() {
        return !storagePrefix.isEmpty();
    }

    /** Status is written only through the status subresource. */
    public ResourceDescription withStatusSubresource() {
        return withSubresource(Subresource.STATUS);
    }

    /** {@code <name>/finalize} writes spec.finalizers (namespaces). */
    public ResourceDescription withFinalizeSubresource() {
        return withSubresource(Subresource.FINALIZE);
    }

    /** spec.replicas is also served as an autoscaling/v1 Scale. */
    public ResourceDescription withScaleSubresource() {
        return withSubresource(Subresource.SCALE);
    }

    /** POST {@code <name>/binding} assigns a pod to a node (pods only). */
    public ResourceDescription withBindingSubresource() {
        return withSubresource(Subresource.BINDING);
    }

    /** {@code <name>/approval} writes the Approved/Denied conditions (certificate signing requests). */
    public ResourceDescription withApprovalSubresource() {
        return withSubresource(Subresource.APPROVAL);
    }

    /** {@code <name>/token} issues bound tokens (service accounts). */
    public ResourceDescription withTokenSubresource() {
        return withSubresource(Subresource.TOKEN);
    }

    public boolean has(Subresource subresource) {
        return subresources.contains(subresource);
    }

    private ResourceDescription withSubresource(Subresource subresource) {
        java.util.Set<Subresource> more = new java.util.HashSet<>(subresources);
        more.add(subresource);
        return new ResourceDescription(group, version, kind, plural, singular, namespaced, shortNames, categories,
                verbs, storagePrefix, nameRule, selectableFields, more, strategy, printer, storageVersion);
    }

    /** {@code v1} for the core group, else {@code group/version}. */
    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    /** The resource as errors name it: {@code configmaps}, {@code deployments.apps}. */
    public String qualifiedResource() {
        return group.isEmpty() ? plural : plural + "." + group;
    }

    /** Keys of every object of this resource ({@code /registry/configmaps/}). */
    public String keyPrefix() {
        return "/registry/" + storagePrefix + "/";
    }

    /** Keys of the objects in one namespace, or of all objects when {@code namespace} is null. */
    public String keyPrefix(String namespace) {
        return namespaced && namespace != null ? keyPrefix() + namespace + "/" : keyPrefix();
    }

    public String key(String namespace, String name) {
        return namespaced ? keyPrefix() + namespace + "/" + name : keyPrefix() + name;
    }
}
