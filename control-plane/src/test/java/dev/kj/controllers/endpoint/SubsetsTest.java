package dev.kj.controllers.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Repacking subsets and truncating past 1000 addresses, as upstream's RepackSubsets and truncateEndpoints. */
class SubsetsTest {
    private static EndpointAddress address(String ip, String uid) {
        return new EndpointAddressBuilder().withIp(ip).withNewTargetRef().withKind("Pod").withUid(uid).endTargetRef().build();
    }

    private static EndpointPort port(String name, int number) {
        return new EndpointPortBuilder().withName(name).withPort(number).withProtocol("TCP").build();
    }

    @Test
    void addressesSharingPortsShareASubsetAndNotReadyWins() {
        Subsets subsets = new Subsets();
        subsets.add(address("10.0.0.2", "b"), port("http", 80), true);
        subsets.add(address("10.0.0.1", "a"), port("http", 80), true);
        subsets.add(address("10.0.0.3", "c"), port("http", 81), true);
        subsets.add(address("10.0.0.2", "b"), port("http", 80), false);
        List<EndpointSubset> packed = subsets.repack();
        assertEquals(2, packed.size());
        assertEquals(List.of("10.0.0.1"), packed.get(0).getAddresses().stream().map(EndpointAddress::getIp).toList());
        assertEquals(List.of("10.0.0.2"), packed.get(0).getNotReadyAddresses().stream().map(EndpointAddress::getIp).toList());
        assertEquals(80, packed.get(0).getPorts().getFirst().getPort());
        assertEquals(81, packed.get(1).getPorts().getFirst().getPort());
        assertTrue(Subsets.same(packed, List.copyOf(packed).reversed()));
        assertFalse(Subsets.same(packed, packed.subList(0, 1)));
    }

    @Test
    void pastCapacityNotReadyAddressesGoFirstThenReadyOnesInProportion() {
        List<EndpointAddress> ready = new ArrayList<>();
        List<EndpointAddress> notReady = new ArrayList<>();
        for (int i = 0; i < 900; i++) {
            ready.add(address("10.0." + (i / 250) + "." + (i % 250), "r" + i));
        }
        for (int i = 0; i < 300; i++) {
            notReady.add(address("10.9." + (i / 250) + "." + (i % 250), "n" + i));
        }
        Endpoints endpoints = new EndpointsBuilder().addNewSubset().withAddresses(ready).withNotReadyAddresses(notReady)
                .withPorts(port("http", 80)).endSubset().build();
        assertTrue(EndpointsController.truncate(endpoints));
        assertEquals(900, endpoints.getSubsets().getFirst().getAddresses().size());
        assertEquals(100, endpoints.getSubsets().getFirst().getNotReadyAddresses().size());

        List<EndpointAddress> many = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            many.add(address("10.1." + (i / 250) + "." + (i % 250), "m" + i));
        }
        Endpoints twoSubsets = new EndpointsBuilder()
                .addNewSubset().withAddresses(many.subList(0, 1000)).withNotReadyAddresses(notReady).withPorts(port("a", 1)).endSubset()
                .addNewSubset().withAddresses(many.subList(1000, 1500)).withPorts(port("b", 2)).endSubset().build();
        assertTrue(EndpointsController.truncate(twoSubsets));
        assertEquals(667, twoSubsets.getSubsets().get(0).getAddresses().size()); // ceil(1000/1500 * 1000)
        assertEquals(333, twoSubsets.getSubsets().get(1).getAddresses().size()); // what is left
        assertEquals(0, twoSubsets.getSubsets().get(0).getNotReadyAddresses().size());

        Endpoints small = new EndpointsBuilder().addNewSubset().withAddresses(ready.subList(0, 10)).endSubset().build();
        assertFalse(EndpointsController.truncate(small));
    }
}
