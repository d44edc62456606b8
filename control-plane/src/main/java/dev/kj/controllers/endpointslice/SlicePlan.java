package dev.kj.controllers.endpointslice;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Upstream's reconcileByPortMapping, for the slices of one address type and one set of ports:
 * existing slices keep the endpoints still wanted (changed ones replaced in place) and lose the
 * others; slices left empty are deleted; new endpoints first fill the slices being updated anyway
 * (fullest first), then new slices of at most {@code maxPerSlice}, the last of which goes into the
 * fullest unchanged slice with room for it rather than into a new one. So a change touches as few
 * slices as it can.
 *
 * @param toCreate endpoint lists for new slices
 * @param toUpdate existing slices with their new endpoints
 * @param toDelete existing slices no longer needed
 * @param unchanged existing slices left as they are
 */
record SlicePlan(List<List<Endpoint>> toCreate, Map<EndpointSlice, List<Endpoint>> toUpdate, List<EndpointSlice> toDelete,
                 List<EndpointSlice> unchanged) {

    /** An endpoint's identity across syncs: its pod, else its first address. */
    static String key(Endpoint endpoint) {
        if (endpoint.getTargetRef() != null && endpoint.getTargetRef().getUid() != null) {
            return "uid/" + endpoint.getTargetRef().getUid();
        }
        return "ip/" + (endpoint.getAddresses() == null || endpoint.getAddresses().isEmpty() ? "" : endpoint.getAddresses().getFirst());
    }

    /** What an endpoint shows, without its pod's resourceVersion. */
    record Shown(List<String> addresses, Boolean ready, Boolean serving, Boolean terminating, String hostname, String nodeName,
                 String zone, String targetKind, String targetNamespace, String targetName, String targetUid) {
        static Shown of(Endpoint e) {
            var conditions = e.getConditions();
            var ref = e.getTargetRef();
            return new Shown(e.getAddresses(), conditions == null ? null : conditions.getReady(),
                    conditions == null ? null : conditions.getServing(), conditions == null ? null : conditions.getTerminating(),
                    e.getHostname(), e.getNodeName(), e.getZone(), ref == null ? null : ref.getKind(),
                    ref == null ? null : ref.getNamespace(), ref == null ? null : ref.getName(), ref == null ? null : ref.getUid());
        }
    }

    /**
     * @param existing      slices with these ports and address type
     * @param desired       endpoints wanted, by {@link #key}
     * @param needsRewrite  slices whose metadata (labels, owner, annotations) must be rewritten anyway
     */
    static SlicePlan of(List<EndpointSlice> existing, Map<String, Endpoint> desired, int maxPerSlice,
                        java.util.function.Predicate<EndpointSlice> needsRewrite) {
        Map<String, Endpoint> remaining = new LinkedHashMap<>(desired);
        Map<EndpointSlice, List<Endpoint>> toUpdate = new LinkedHashMap<>();
        List<EndpointSlice> toDelete = new ArrayList<>();
        List<EndpointSlice> unchanged = new ArrayList<>();
        for (EndpointSlice slice : existing) {
            List<Endpoint> kept = new ArrayList<>();
            boolean changed = false;
            for (Endpoint endpoint : slice.getEndpoints() == null ? List.<Endpoint>of() : slice.getEndpoints()) {
                Endpoint wanted = remaining.remove(key(endpoint));
                if (wanted == null) {
                    changed = true; // no longer wanted (or a duplicate)
                } else {
                    changed |= !Shown.of(wanted).equals(Shown.of(endpoint));
                    kept.add(wanted);
                }
            }
            if (changed && kept.isEmpty()) {
                toDelete.add(slice);
            } else if (changed || needsRewrite.test(slice)) {
                toUpdate.put(slice, kept);
            } else {
                unchanged.add(slice);
            }
        }
        List<Endpoint> left = new ArrayList<>(remaining.values());
        // fill the slices written anyway, fullest first
        List<EndpointSlice> updating = new ArrayList<>(toUpdate.keySet());
        updating.sort(Comparator.comparingInt((EndpointSlice s) -> toUpdate.get(s).size()).reversed());
        for (EndpointSlice slice : updating) {
            List<Endpoint> endpoints = toUpdate.get(slice);
            while (endpoints.size() < maxPerSlice && !left.isEmpty()) {
                endpoints.add(left.removeFirst());
            }
        }
        List<List<Endpoint>> toCreate = new ArrayList<>();
        while (!left.isEmpty()) {
            if (left.size() < maxPerSlice) {
                // the last batch: into the fullest unchanged slice that has room, rather than a new slice
                EndpointSlice roomy = unchanged.stream()
                        .filter(s -> size(s) + left.size() <= maxPerSlice)
                        .max(Comparator.comparingInt(SlicePlan::size)).orElse(null);
                if (roomy != null) {
                    unchanged.remove(roomy);
                    List<Endpoint> endpoints = new ArrayList<>(roomy.getEndpoints() == null ? List.of() : roomy.getEndpoints());
                    endpoints.addAll(left);
                    toUpdate.put(roomy, endpoints);
                    left.clear();
                    break;
                }
            }
            List<Endpoint> batch = new ArrayList<>(left.subList(0, Math.min(maxPerSlice, left.size())));
            left.subList(0, batch.size()).clear();
            toCreate.add(batch);
        }
        return new SlicePlan(toCreate, toUpdate, toDelete, unchanged);
    }

    private static int size(EndpointSlice slice) {
        return slice.getEndpoints() == null ? 0 : slice.getEndpoints().size();
    }

    boolean changesNothing() {
        return toCreate.isEmpty() && toUpdate.isEmpty() && toDelete.isEmpty();
    }
}
