package dev.kj.controllers.endpoint;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.EndpointSubsetBuilder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Upstream's RepackSubsets: (address, port, ready) triples in, the canonical layout out — one
 * subset per set of addresses sharing the same ports, an address not ready for a port if any
 * entry said so, addresses sorted by IP then pod uid. Upstream orders ports and subsets by an
 * md5 of their Go representation; here they are ordered by their fields (order carries no meaning).
 */
final class Subsets {
    /** An address is one per IP and pod uid (two pods may share an IP, e.g. host network). */
    private record AddressKey(String ip, String uid) {
    }

    private record PortKey(String name, int port, String protocol, String appProtocol) {
        static final PortKey NONE = new PortKey(null, -1, null, null);

        EndpointPort toPort() {
            return new EndpointPortBuilder().withName(name).withPort(port).withProtocol(protocol)
                    .withAppProtocol(appProtocol).build();
        }
    }

    private final Map<AddressKey, EndpointAddress> addresses = new LinkedHashMap<>();
    private final Map<PortKey, Map<AddressKey, Boolean>> readyByPort = new LinkedHashMap<>();

    /** @param port null for a headless service's portless addresses */
    void add(EndpointAddress address, EndpointPort port, boolean ready) {
        AddressKey key = new AddressKey(address.getIp(), address.getTargetRef() == null ? null : address.getTargetRef().getUid());
        addresses.putIfAbsent(key, address);
        PortKey portKey = port == null ? PortKey.NONE
                : new PortKey(port.getName(), port.getPort(), port.getProtocol(), port.getAppProtocol());
        // not ready wins over ready
        readyByPort.computeIfAbsent(portKey, k -> new LinkedHashMap<>()).merge(key, ready, Boolean::logicalAnd);
    }

    List<EndpointSubset> repack() {
        Map<Map<AddressKey, Boolean>, List<PortKey>> portsByAddresses = new LinkedHashMap<>();
        readyByPort.forEach((port, members) -> portsByAddresses.computeIfAbsent(members, k -> new ArrayList<>()).add(port));
        Comparator<AddressKey> byIpAndUid = Comparator.comparing(AddressKey::ip)
                .thenComparing(AddressKey::uid, Comparator.nullsFirst(Comparator.naturalOrder()));
        List<EndpointSubset> subsets = new ArrayList<>();
        portsByAddresses.forEach((members, ports) -> {
            Map<AddressKey, Boolean> sorted = new TreeMap<>(byIpAndUid);
            sorted.putAll(members);
            List<EndpointAddress> ready = new ArrayList<>();
            List<EndpointAddress> notReady = new ArrayList<>();
            sorted.forEach((key, isReady) -> (isReady ? ready : notReady).add(addresses.get(key)));
            EndpointSubsetBuilder subset = new EndpointSubsetBuilder();
            if (!ready.isEmpty()) {
                subset.withAddresses(ready);
            }
            if (!notReady.isEmpty()) {
                subset.withNotReadyAddresses(notReady);
            }
            if (!(ports.size() == 1 && ports.getFirst() == PortKey.NONE)) {
                subset.withPorts(ports.stream().sorted(Comparator.comparing(PortKey::port)
                        .thenComparing(PortKey::name, Comparator.nullsFirst(Comparator.naturalOrder()))
                        .thenComparing(PortKey::protocol, Comparator.nullsFirst(Comparator.naturalOrder())))
                        .map(PortKey::toPort).toList());
            }
            subsets.add(subset.build());
        });
        subsets.sort(Comparator.comparing(Subsets::firstIp));
        return subsets;
    }

    private static String firstIp(EndpointSubset subset) {
        if (subset.getAddresses() != null && !subset.getAddresses().isEmpty()) {
            return subset.getAddresses().getFirst().getIp();
        }
        return subset.getNotReadyAddresses() == null || subset.getNotReadyAddresses().isEmpty() ? ""
                : subset.getNotReadyAddresses().getFirst().getIp();
    }

    /** What an address shows, without the pod's resourceVersion. */
    private record Address(String ip, String hostname, String nodeName, String kind, String namespace, String name, String uid) {
        static Address of(EndpointAddress address) {
            var ref = address.getTargetRef();
            return new Address(address.getIp(), blank(address.getHostname()), blank(address.getNodeName()),
                    ref == null ? null : ref.getKind(), ref == null ? null : ref.getNamespace(),
                    ref == null ? null : ref.getName(), ref == null ? null : ref.getUid());
        }
    }

    private record Normalized(Set<Address> ready, Set<Address> notReady, Set<PortKey> ports) {
    }

    /** Whether two lists of subsets say the same, ignoring order and the targetRefs' resourceVersion. */
    static boolean same(List<EndpointSubset> a, List<EndpointSubset> b) {
        return normalized(a).equals(normalized(b));
    }

    private static Set<Normalized> normalized(List<EndpointSubset> subsets) {
        Set<Normalized> result = new HashSet<>();
        for (EndpointSubset subset : subsets == null ? List.<EndpointSubset>of() : subsets) {
            Set<Address> ready = new HashSet<>();
            Set<Address> notReady = new HashSet<>();
            Set<PortKey> ports = new HashSet<>();
            (subset.getAddresses() == null ? List.<EndpointAddress>of() : subset.getAddresses()).forEach(a -> ready.add(Address.of(a)));
            (subset.getNotReadyAddresses() == null ? List.<EndpointAddress>of() : subset.getNotReadyAddresses())
                    .forEach(a -> notReady.add(Address.of(a)));
            for (EndpointPort port : subset.getPorts() == null ? List.<EndpointPort>of() : subset.getPorts()) {
                ports.add(new PortKey(blank(port.getName()), port.getPort() == null ? 0 : port.getPort(),
                        Objects.requireNonNullElse(port.getProtocol(), "TCP"), blank(port.getAppProtocol())));
            }
            result.add(new Normalized(ready, notReady, ports));
        }
        return result;
    }

    private static String blank(String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}
