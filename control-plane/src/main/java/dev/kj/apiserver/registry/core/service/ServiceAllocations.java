package dev.kj.apiserver.registry.core.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.errors.StatusException.Cause;
import dev.kj.apiserver.registry.GenericStore;
import dev.kj.apiserver.storage.EtcdStorage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Cluster IPs and node ports of Services, as upstream's service REST layer allocates them around
 * the strategy: from the {@code --service-cluster-ip-range} bitmap at {@code
 * /registry/ranges/serviceips} and the {@code --service-node-port-range} bitmap at {@code
 * /registry/ranges/servicenodeports}. A ClusterIP, NodePort or LoadBalancer service gets the IP it
 * asks for (if free and in range) or a random one, a headless one ({@code None}) and an
 * ExternalName one none; NodePort and LoadBalancer ports (unless allocateLoadBalancerNodePorts is
 * false) get their node ports likewise, a Local LoadBalancer its healthCheckNodePort. An update
 * keeps what the old object had where the new one leaves it out, claims what is new and frees what
 * is gone once the write is stored; a delete frees everything. What a failed write claimed is
 * given back. Single stack only: upstream's dual-stack fields are set for the one family.
 */
public final class ServiceAllocations implements GenericStore.WriteHook {
    private final ServiceCidr cidr;
    private final NodePortRange ports;
    private final RangeAllocation ips;
    private final RangeAllocation nodePorts;

    public ServiceAllocations(EtcdStorage storage, ServiceCidr cidr, NodePortRange ports) {
        this.cidr = cidr;
        this.ports = ports;
        this.ips = new RangeAllocation(storage, "/registry/ranges/serviceips", cidr.text(), cidr.size(), cidr.staticBand(), "serviceipallocations");
        this.nodePorts = new RangeAllocation(storage, "/registry/ranges/servicenodeports", ports.toString(), ports.size(),
                ports.staticBand(), "servicenodeportallocations");
    }

    /** Creates both allocation objects if the store has none (startup). */
    public void ensureRanges() {
        ips.ensureExists();
        nodePorts.ensureExists();
    }

    /** The first address of the range: the {@code kubernetes} Service's. */
    public String firstAddress() {
        return cidr.address(0);
    }

    /** What one write claimed, to give back if it is not stored, and what it freed, to give back once it is. */
    private final class Claims implements Outcome {
        private final boolean dryRun;
        private final List<Integer> claimedIps = new ArrayList<>();
        private final List<Integer> claimedPorts = new ArrayList<>();
        private final Set<Integer> freedIps = new HashSet<>();
        private final Set<Integer> freedPorts = new HashSet<>();

        Claims(boolean dryRun) {
            this.dryRun = dryRun;
        }

        @Override
        public void written(boolean stored) {
            if (dryRun) {
                return;
            }
            List<Integer> ipsBack = stored ? new ArrayList<>(freedIps) : claimedIps;
            List<Integer> portsBack = stored ? freedPorts.stream().map(p -> p - ports.base()).toList()
                    : claimedPorts.stream().map(p -> p - ports.base()).toList();
            ipsBack.forEach(ips::release);
            portsBack.forEach(nodePorts::release);
        }

        void rollBack() {
            written(false);
        }
    }

    @Override
    public Outcome beforeCreate(ObjectNode service, boolean dryRun) {
        Claims claims = new Claims(dryRun);
        try {
            allocate(service, null, claims);
        } catch (RuntimeException e) {
            claims.rollBack();
            throw e;
        }
        return claims;
    }

    @Override
    public Outcome beforeUpdate(ObjectNode service, ObjectNode old, boolean dryRun) {
        Claims claims = new Claims(dryRun);
        try {
            allocate(service, old, claims);
        } catch (RuntimeException e) {
            claims.rollBack();
            throw e;
        }
        Set<String> newIps = new HashSet<>(clusterIps(service));
        for (String ip : clusterIps(old)) {
            int index = cidr.indexOf(ip);
            if (index >= 0 && !newIps.contains(ip)) {
                claims.freedIps.add(index);
            }
        }
        Set<Integer> newPorts = new HashSet<>(nodePortsOf(service));
        for (int port : nodePortsOf(old)) {
            if (ports.contains(port) && !newPorts.contains(port)) {
                claims.freedPorts.add(port);
            }
        }
        return claims;
    }

    @Override
    public void afterDelete(ObjectNode service) {
        for (String ip : clusterIps(service)) {
            int index = cidr.indexOf(ip);
            if (index >= 0) {
                ips.release(index);
            }
        }
        for (int port : nodePortsOf(service)) {
            if (ports.contains(port)) {
                nodePorts.release(port - ports.base());
            }
        }
    }

    // ---- allocation ----

    private void allocate(ObjectNode service, ObjectNode old, Claims claims) {
        ObjectNode spec = service.with("spec");
        String type = spec.path("type").asText("ClusterIP"); // upstream's default type
        String name = service.path("metadata").path("name").asText("");
        if (type.equals("ExternalName")) {
            return;
        }
        if (spec.path("ipFamilyPolicy").asText("").equals("RequireDualStack")) {
            throw invalid(name, "spec.ipFamilyPolicy", "spec.ipFamilyPolicy: Invalid value: \"RequireDualStack\": this cluster"
                    + " is not configured for dual-stack services");
        }
        JsonNode oldSpec = old == null ? null : old.path("spec");
        boolean keepsIp = oldSpec != null && !oldSpec.path("type").asText("ClusterIP").equals("ExternalName");
        String requested = firstClusterIp(spec);
        if (requested.isEmpty() && keepsIp) {
            requested = firstClusterIp(oldSpec); // an update that leaves the IP out keeps it
        }
        String oldIp = keepsIp ? firstClusterIp(oldSpec) : "";
        if (!oldIp.isEmpty() && !requested.equals(oldIp)) {
            throw invalid(name, "spec.clusterIPs[0]", "spec.clusterIPs[0]: Invalid value: []string{\"" + requested
                    + "\"}: may not change once set");
        }
        if (requested.equals("None")) {
            setClusterIp(spec, "None");
        } else if (!requested.isEmpty() && requested.equals(oldIp)) {
            setClusterIp(spec, requested);
        } else if (!requested.isEmpty()) {
            int index = cidr.indexOf(requested);
            if (index < 0) {
                throw invalid(name, "spec.clusterIPs", "spec.clusterIPs: Invalid value: []string{\"" + requested
                        + "\"}: failed to allocate IP " + requested + ": the provided IP (" + requested
                        + ") is not in the valid range. The range of valid IPs is " + cidr.text());
            }
            if (!ips.allocate(index, claims.dryRun)) {
                throw invalid(name, "spec.clusterIPs", "spec.clusterIPs: Invalid value: []string{\"" + requested
                        + "\"}: failed to allocate IP " + requested + ": provided IP is already allocated");
            }
            claims.claimedIps.add(index);
            setClusterIp(spec, requested);
        } else {
            OptionalInt index = ips.allocateNext(claims.dryRun);
            if (index.isEmpty()) {
                throw StatusException.internal("failed to allocate a serviceIP: range is full");
            }
            claims.claimedIps.add(index.getAsInt());
            setClusterIp(spec, cidr.address(index.getAsInt()));
        }
        boolean wantsNodePorts = type.equals("NodePort")
                || (type.equals("LoadBalancer") && spec.path("allocateLoadBalancerNodePorts").asBoolean(true));
        Set<Integer> oldPorts = oldSpec == null ? Set.of() : new HashSet<>(nodePortsOf(old));
        JsonNode servicePorts = spec.path("ports");
        for (int i = 0; i < servicePorts.size(); i++) {
            if (!(servicePorts.get(i) instanceof ObjectNode port)) {
                continue;
            }
            int nodePort = port.path("nodePort").asInt(0);
            if (type.equals("ClusterIP")) {
                if (nodePort != 0) {
                    throw invalid(name, "spec.ports[" + i + "].nodePort", "spec.ports[" + i + "].nodePort: Forbidden: may"
                            + " not be used when `type` is 'ClusterIP'");
                }
                continue;
            }
            if (nodePort == 0 && oldSpec != null) {
                nodePort = oldNodePort(oldSpec, port); // an update that leaves it out keeps it
            }
            if (nodePort == 0 && !wantsNodePorts) {
                continue; // a LoadBalancer that allocates no node ports
            }
            port.put("nodePort", claimPort(name, "spec.ports[" + i + "].nodePort", nodePort, oldPorts, claims));
        }
        if (type.equals("LoadBalancer") && spec.path("externalTrafficPolicy").asText("").equals("Local")) {
            int health = spec.path("healthCheckNodePort").asInt(0);
            if (health == 0 && oldSpec != null) {
                health = oldSpec.path("healthCheckNodePort").asInt(0);
            }
            spec.put("healthCheckNodePort", claimPort(name, "spec.healthCheckNodePort", health, oldPorts, claims));
        }
    }

    private int claimPort(String name, String field, int requested, Set<Integer> owned, Claims claims) {
        if (requested != 0 && owned.contains(requested)) {
            return requested;
        }
        if (requested != 0) {
            if (!ports.contains(requested)) {
                throw invalid(name, field, field + ": Invalid value: " + requested + ": provided port is not in the valid"
                        + " range. The range of valid ports is " + ports);
            }
            if (!nodePorts.allocate(requested - ports.base(), claims.dryRun)) {
                throw invalid(name, field, field + ": Invalid value: " + requested + ": provided port is already allocated");
            }
            claims.claimedPorts.add(requested);
            return requested;
        }
        OptionalInt index = nodePorts.allocateNext(claims.dryRun);
        if (index.isEmpty()) {
            throw StatusException.internal("failed to allocate a nodePort: range is full");
        }
        int port = ports.base() + index.getAsInt();
        claims.claimedPorts.add(port);
        return port;
    }

    /** The node port the old object had for the same port number and protocol. */
    private static int oldNodePort(JsonNode oldSpec, JsonNode port) {
        for (JsonNode old : oldSpec.path("ports")) {
            if (old.path("port").asInt() == port.path("port").asInt()
                    && old.path("protocol").asText("TCP").equals(port.path("protocol").asText("TCP"))) {
                return old.path("nodePort").asInt(0);
            }
        }
        return 0;
    }

    /** spec.clusterIP and the single-stack dual-stack fields upstream's REST layer fills in. */
    private void setClusterIp(ObjectNode spec, String ip) {
        spec.put("clusterIP", ip);
        spec.putArray("clusterIPs").add(ip);
        if (!spec.has("ipFamilies")) {
            spec.putArray("ipFamilies").add(cidr.family());
        }
        if (!spec.has("ipFamilyPolicy")) {
            spec.put("ipFamilyPolicy", "SingleStack");
        }
    }

    private static String firstClusterIp(JsonNode spec) {
        String ip = spec.path("clusterIPs").path(0).asText("");
        return ip.isEmpty() ? spec.path("clusterIP").asText("") : ip;
    }

    private static List<String> clusterIps(JsonNode service) {
        List<String> out = new ArrayList<>();
        JsonNode spec = service.path("spec");
        if (spec.path("clusterIPs").isArray()) {
            spec.path("clusterIPs").forEach(ip -> out.add(ip.asText()));
        } else if (!spec.path("clusterIP").asText("").isEmpty()) {
            out.add(spec.path("clusterIP").asText());
        }
        return out;
    }

    private static List<Integer> nodePortsOf(JsonNode service) {
        List<Integer> out = new ArrayList<>();
        for (JsonNode port : service.path("spec").path("ports")) {
            if (port.path("nodePort").asInt(0) > 0) {
                out.add(port.path("nodePort").asInt());
            }
        }
        if (service.path("spec").path("healthCheckNodePort").asInt(0) > 0) {
            out.add(service.path("spec").path("healthCheckNodePort").asInt());
        }
        return out;
    }

    private static StatusException invalid(String name, String field, String message) {
        return StatusException.invalid("Service", "", name, List.of(new Cause("FieldValueInvalid", message, field)));
    }

}
