package dev.kj.apiserver.endpoints;

import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.protobuf.ProtobufBodies;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Picks the answer's form from Accept the way upstream negotiates transformed objects: entries are
 * tried in order; one without {@code as=} means the plain object; one asking for the transformation
 * this endpoint makes ({@code as=<kind>;g=<group>;v=<version>}, JSON or YAML) selects that version;
 * any other transformation is skipped; 406 when nothing is left.
 */
final class Negotiation {
    private Negotiation() {
    }

    /** A transformation the client asked for: e.g. Table or PartialObjectMetadataList of meta.k8s.io v1. */
    record Target(String kind, String version) {
    }

    /**
     * @param as       the transformed kind this endpoint can produce (Table, APIGroupDiscoveryList)
     * @param versions its versions the endpoint serves
     * @param allowed  false where the endpoint cannot transform (a Table of a create)
     * @return the chosen version, or empty for the plain object
     */
    static Optional<String> transformation(ApiRequest request, String as, String group, Set<String> versions,
                                           boolean allowed) {
        return transformation(request, allowed ? Set.of(as) : Set.of(), group, versions).map(Target::version);
    }

    /**
     * @param kinds    the transformed kinds this endpoint can produce, all of {@code group}
     * @param versions their versions the endpoint serves
     * @return the chosen kind and version, or empty for the plain object
     */
    static Optional<Target> transformation(ApiRequest request, Set<String> kinds, String group, Set<String> versions) {
        String accept = request.header("accept").trim();
        if (accept.isEmpty()) {
            return Optional.empty();
        }
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            Map<String, String> params = new HashMap<>();
            for (int i = 1; i < parts.length; i++) {
                String[] kv = parts[i].split("=", 2);
                if (kv.length == 2) {
                    params.put(kv[0].trim(), kv[1].trim());
                }
            }
            if (!params.containsKey("as")) {
                return Optional.empty();
            }
            String type = parts[0].trim().toLowerCase(Locale.ROOT);
            String version = params.getOrDefault("v", "");
            if (kinds.contains(params.get("as")) && group.equals(params.get("g")) && versions.contains(version)
                    && (type.equals("application/json") || type.equals("application/yaml"))) {
                return Optional.of(new Target(params.get("as"), version));
            }
        }
        throw StatusException.notAcceptable("application/json, application/yaml, " + ProtobufBodies.MEDIA_TYPE);
    }
}
