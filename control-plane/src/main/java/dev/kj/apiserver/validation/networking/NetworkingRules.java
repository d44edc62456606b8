package dev.kj.apiserver.validation.networking;

import static dev.kj.apiserver.validation.Nodes.object;
import static dev.kj.apiserver.validation.Nodes.set;
import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import dev.kj.apiserver.validation.KindRules;
import dev.kj.apiserver.validation.LabelSelectors;
import dev.kj.apiserver.validation.Numbers;
import java.util.ArrayList;
import java.util.List;

/**
 * networking.k8s.io/v1 NetworkPolicies and Ingresses, discovery.k8s.io/v1 EndpointSlices and
 * coordination.k8s.io/v1 Leases: their v1 defaults and the parts of upstream's validation kj has.
 */
public final class NetworkingRules {
    private NetworkingRules() {
    }

    private static final List<String> PROTOCOLS = List.of("SCTP", "TCP", "UDP");

    public static final KindRules NETWORK_POLICY = new KindRules() {
        @Override
        public void setDefaults(ObjectNode policy) {
            ObjectNode spec = object(policy, "spec");
            for (String direction : List.of("ingress", "egress")) {
                for (JsonNode rule : spec.path(direction)) {
                    for (JsonNode node : rule.path("ports")) {
                        if (node instanceof ObjectNode port && !set(port, "protocol")) {
                            port.put("protocol", "TCP");
                        }
                    }
                }
            }
            if (spec.path("policyTypes").isEmpty()) {
                var types = spec.putArray("policyTypes").add("Ingress");
                if (!spec.path("egress").isEmpty()) {
                    types.add("Egress");
                }
            }
        }

        @Override
        public List<FieldError> validate(ObjectNode policy) {
            FieldPath specPath = FieldPath.root("spec");
            JsonNode spec = policy.path("spec");
            List<FieldError> errors = new ArrayList<>(LabelSelectors.validate(spec.get("podSelector"),
                    specPath.child("podSelector")));
            for (String direction : List.of("ingress", "egress")) {
                int i = 0;
                for (JsonNode rule : spec.path(direction)) {
                    FieldPath at = specPath.child(direction).index(i++);
                    int p = 0;
                    for (JsonNode port : rule.path("ports")) {
                        FieldPath portPath = at.child("ports").index(p++);
                        String protocol = text(port, "protocol");
                        if (set(port, "protocol") && !PROTOCOLS.contains(protocol)) {
                            errors.add(FieldError.notSupported(portPath.child("protocol"), protocol, PROTOCOLS));
                        }
                        JsonNode number = port.get("port");
                        if (number != null && number.isTextual()) {
                            errors.addAll(Formats.invalid(portPath.child("port"), number.asText(), Formats.portName(number.asText())));
                        } else if (number != null && number.isNumber()) {
                            Formats.portNumber(number.asLong()).forEach(m ->
                                    errors.add(FieldError.invalid(portPath.child("port"), number.asLong(), m)));
                        }
                    }
                    String peers = direction.equals("ingress") ? "from" : "to";
                    int q = 0;
                    for (JsonNode peer : rule.path(peers)) {
                        FieldPath peerPath = at.child(peers).index(q++);
                        int kinds = 0;
                        if (set(peer, "podSelector")) {
                            kinds++;
                            errors.addAll(LabelSelectors.validate(peer.get("podSelector"), peerPath.child("podSelector")));
                        }
                        if (set(peer, "namespaceSelector")) {
                            kinds++;
                            errors.addAll(LabelSelectors.validate(peer.get("namespaceSelector"),
                                    peerPath.child("namespaceSelector")));
                        }
                        if (set(peer, "ipBlock")) {
                            kinds++;
                        }
                        if (kinds == 0) {
                            errors.add(FieldError.required(peerPath, "must specify a peer"));
                        } else if (set(peer, "ipBlock") && kinds > 1) {
                            errors.add(FieldError.forbidden(peerPath, "may not specify both ipBlock and another peer"));
                        }
                    }
                }
            }
            int t = 0;
            for (JsonNode type : spec.path("policyTypes")) {
                if (!List.of("Ingress", "Egress").contains(type.asText())) {
                    errors.add(FieldError.notSupported(specPath.child("policyTypes").index(t), type.asText(),
                            List.of("Ingress", "Egress")));
                }
                t++;
            }
            return errors;
        }
    };

    public static final KindRules INGRESS = new KindRules() {
        @Override
        public List<FieldError> validate(ObjectNode ingress) {
            FieldPath specPath = FieldPath.root("spec");
            JsonNode spec = ingress.path("spec");
            List<FieldError> errors = new ArrayList<>();
            if (!set(spec, "defaultBackend") && spec.path("rules").isEmpty()) {
                String rules = spec.path("rules").isArray() ? "[]networking.IngressRule{}" : "[]networking.IngressRule(nil)";
                errors.add(FieldError.invalidRendered(specPath, rules, "either `defaultBackend` or `rules` must be specified"));
            }
            int i = 0;
            for (JsonNode rule : spec.path("rules")) {
                FieldPath at = specPath.child("rules").index(i++);
                String host = text(rule, "host");
                if (!host.isEmpty()) {
                    List<String> problems = host.startsWith("*.") ? Formats.dns1123Subdomain(host.substring(2))
                            : Formats.dns1123Subdomain(host);
                    errors.addAll(Formats.invalid(at.child("host"), host, problems));
                }
                int p = 0;
                for (JsonNode path : rule.path("http").path("paths")) {
                    FieldPath pathPath = at.child("http", "paths").index(p++);
                    String type = text(path, "pathType");
                    if (!set(path, "pathType")) {
                        errors.add(FieldError.required(pathPath.child("pathType"), "pathType must be specified"));
                    } else if (!List.of("Exact", "ImplementationSpecific", "Prefix").contains(type)) {
                        errors.add(FieldError.notSupported(pathPath.child("pathType"), type,
                                List.of("Exact", "ImplementationSpecific", "Prefix")));
                    }
                    String value = text(path, "path");
                    if ((type.equals("Exact") || type.equals("Prefix")) && !value.startsWith("/")) {
                        errors.add(FieldError.invalid(pathPath.child("path"), value, "must be an absolute path"));
                    }
                    errors.addAll(backend(path.path("backend"), pathPath.child("backend")));
                }
            }
            return errors;
        }
    };

    /** validateIngressBackend: a service (name and one port) or a resource, not both. */
    private static List<FieldError> backend(JsonNode backend, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        boolean service = set(backend, "service");
        boolean resource = set(backend, "resource");
        if (service && resource) {
            errors.add(FieldError.invalid(path, "", "cannot set both resource and service backends"));
        } else if (!service && !resource) {
            errors.add(FieldError.invalid(path, "", "one backend type must be specified"));
        } else if (service) {
            JsonNode svc = backend.path("service");
            String name = text(svc, "name");
            if (name.isEmpty()) {
                errors.add(FieldError.required(path.child("service", "name"), ""));
            } else {
                errors.addAll(Formats.invalid(path.child("service", "name"), name, Formats.dns1035Label(name)));
            }
            JsonNode port = svc.path("port");
            boolean named = !text(port, "name").isEmpty();
            boolean numbered = port.path("number").asLong(0) != 0;
            if (named && numbered) {
                errors.add(FieldError.invalid(path.child("service", "port"), "", "cannot set both port name & port number"));
            } else if (named) {
                errors.addAll(Formats.invalid(path.child("service", "port", "name"), text(port, "name"),
                        Formats.portName(text(port, "name"))));
            } else if (numbered) {
                long number = port.path("number").asLong();
                Formats.portNumber(number).forEach(m -> errors.add(FieldError.invalid(path.child("service", "port",
                        "number"), number, m)));
            } else {
                errors.add(FieldError.required(path.child("service", "port"), "port name or number is required"));
            }
        }
        return errors;
    }

    public static final KindRules ENDPOINT_SLICE = new KindRules() {
        @Override
        public void setDefaults(ObjectNode slice) {
            for (JsonNode node : slice.path("ports")) {
                if (node instanceof ObjectNode port && !set(port, "protocol")) {
                    port.put("protocol", "TCP");
                }
            }
        }

        @Override
        public List<FieldError> validate(ObjectNode slice) {
            List<FieldError> errors = new ArrayList<>();
            String type = text(slice, "addressType");
            List<String> types = List.of("IPv4", "IPv6", "FQDN");
            if (type.isEmpty()) {
                errors.add(FieldError.required(FieldPath.root("addressType"), ""));
            } else if (!types.contains(type)) {
                errors.add(FieldError.notSupported(FieldPath.root("addressType"), type, types));
            }
            int i = 0;
            for (JsonNode endpoint : slice.path("endpoints")) {
                FieldPath at = FieldPath.root("endpoints").index(i++);
                int addresses = endpoint.path("addresses").size();
                if (addresses == 0) {
                    errors.add(FieldError.required(at.child("addresses"), "must contain at least 1 address"));
                } else if (addresses > 100) {
                    errors.add(FieldError.tooMany(at.child("addresses"), addresses, 100));
                }
            }
            int p = 0;
            for (JsonNode port : slice.path("ports")) {
                FieldPath at = FieldPath.root("ports").index(p++);
                String name = text(port, "name");
                if (!name.isEmpty()) {
                    errors.addAll(Formats.invalid(at.child("name"), name, Formats.dns1123Label(name)));
                }
                String protocol = text(port, "protocol");
                if (!PROTOCOLS.contains(protocol)) {
                    errors.add(FieldError.notSupported(at.child("protocol"), protocol, PROTOCOLS));
                }
            }
            return errors;
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode slice, ObjectNode old) {
            return Numbers.immutable(slice.get("addressType"), old.get("addressType"), FieldPath.root("addressType"));
        }
    };

    public static final KindRules LEASE = new KindRules() {
        @Override
        public List<FieldError> validate(ObjectNode lease) {
            List<FieldError> errors = new ArrayList<>();
            JsonNode spec = lease.path("spec");
            if (set(spec, "leaseDurationSeconds") && spec.get("leaseDurationSeconds").asLong() <= 0) {
                errors.add(FieldError.invalid(FieldPath.of("spec", "leaseDurationSeconds"),
                        spec.get("leaseDurationSeconds").asLong(), "must be greater than 0"));
            }
            errors.addAll(Numbers.nonNegative(spec, "leaseTransitions", FieldPath.of("spec", "leaseTransitions")));
            return errors;
        }
    };
}
