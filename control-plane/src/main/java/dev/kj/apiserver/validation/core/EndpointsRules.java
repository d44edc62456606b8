package dev.kj.apiserver.validation.core;

import static dev.kj.apiserver.validation.Nodes.set;
import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.Addresses;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import dev.kj.apiserver.validation.KindRules;
import java.util.ArrayList;
import java.util.List;

/** Endpoints: SetDefaults_Endpoints (port protocol TCP) and validateEndpointSubsets, on create and update alike. */
public final class EndpointsRules implements KindRules {
    private static final List<String> PROTOCOLS = List.of("SCTP", "TCP", "UDP");

    @Override
    public void setDefaults(ObjectNode endpoints) {
        for (JsonNode subset : endpoints.path("subsets")) {
            for (JsonNode port : subset.path("ports")) {
                if (port instanceof ObjectNode p && text(p, "protocol").isEmpty()) {
                    p.put("protocol", "TCP");
                }
            }
        }
    }

    @Override
    public List<FieldError> validate(ObjectNode endpoints) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode subsets = endpoints.path("subsets");
        for (int i = 0; i < subsets.size(); i++) {
            JsonNode subset = subsets.get(i);
            FieldPath at = FieldPath.root("subsets").index(i);
            if (subset.path("addresses").isEmpty() && subset.path("notReadyAddresses").isEmpty()) {
                errors.add(FieldError.required(at, "must specify `addresses` or `notReadyAddresses`"));
            }
            for (String list : List.of("addresses", "notReadyAddresses")) {
                JsonNode addresses = subset.path(list);
                for (int j = 0; j < addresses.size(); j++) {
                    errors.addAll(validateAddress(addresses.get(j), at.child(list).index(j)));
                }
            }
            JsonNode ports = subset.path("ports");
            for (int j = 0; j < ports.size(); j++) {
                errors.addAll(validatePort(ports.get(j), ports.size() > 1, at.child("ports").index(j)));
            }
        }
        return errors;
    }

    private static List<FieldError> validateAddress(JsonNode address, FieldPath path) {
        String ip = text(address, "ip");
        List<FieldError> errors = new ArrayList<>(Addresses.validateIp(path.child("ip"), ip));
        String hostname = text(address, "hostname");
        if (!hostname.isEmpty()) {
            errors.addAll(Formats.invalid(path.child("hostname"), hostname, Formats.dns1123Label(hostname)));
        }
        if (set(address, "nodeName")) {
            String node = text(address, "nodeName");
            errors.addAll(Formats.invalid(path.child("nodeName"), node, Formats.dns1123Subdomain(node)));
        }
        errors.addAll(Addresses.validateEndpointIp(path.child("ip"), ip));
        return errors;
    }

    private static List<FieldError> validatePort(JsonNode port, boolean nameRequired, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        String name = text(port, "name");
        if (nameRequired && name.isEmpty()) {
            errors.add(FieldError.required(path.child("name"), ""));
        } else if (!name.isEmpty()) {
            errors.addAll(Formats.invalid(path.child("name"), name, Formats.dns1123Label(name)));
        }
        long number = port.path("port").asLong(0);
        for (String problem : Formats.portNumber(number)) {
            errors.add(FieldError.invalid(path.child("port"), number, problem));
        }
        String protocol = text(port, "protocol");
        if (protocol.isEmpty()) {
            errors.add(FieldError.required(path.child("protocol"), ""));
        } else if (!PROTOCOLS.contains(protocol)) {
            errors.add(FieldError.notSupported(path.child("protocol"), protocol, PROTOCOLS));
        }
        if (set(port, "appProtocol")) {
            String app = text(port, "appProtocol");
            errors.addAll(Formats.invalid(path.child("appProtocol"), app, Formats.qualifiedName(app)));
        }
        return errors;
    }
}
