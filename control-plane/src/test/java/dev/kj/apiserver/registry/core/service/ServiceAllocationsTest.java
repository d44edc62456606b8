package dev.kj.apiserver.registry.core.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.registry.BuiltInResources;
import dev.kj.apiserver.registry.GenericStore;
import dev.kj.apiserver.storage.EtcdStorage;
import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.RhinoServer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Allocation against a small range on an in-process Rhino: the bitmap's encoding, exhaustion, rollback. */
class ServiceAllocationsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private RhinoServer rhino;
    private EtcdStorage storage;
    private GenericStore services;

    @BeforeEach
    void start() throws Exception {
        rhino = RhinoServer.start(new RhinoConfig("default", null, dir, List.of(), null, null, null, null));
        storage = new EtcdStorage(rhino.newInProcessChannel());
        // a /29 holds 6 allocatable addresses (.1 to .6); 3 node ports
        ServiceAllocations allocations = new ServiceAllocations(storage, ServiceCidr.parse("10.9.0.3/29"),
                NodePortRange.parse("31000-31002"));
        allocations.ensureRanges();
        services = new GenericStore(BuiltInResources.catalog().find("", "v1", "services").orElseThrow(), storage, JSON,
                Clock.systemUTC(), ns -> GenericStore.NamespaceState.ACTIVE, GenericStore.DeleteStage.NONE, allocations, true);
    }

    @AfterEach
    void stop() {
        storage.close();
        rhino.close();
    }

    @Test
    void theRangeIsUsedUpAndABitmapIsWrittenAsUpstreamEncodesIt() throws Exception {
        JsonNode empty = JSON.readTree(storage.get("/registry/ranges/serviceips").orElseThrow().value());
        assertEquals("{\"kind\":\"RangeAllocation\",\"apiVersion\":\"v1\",\"metadata\":{\"creationTimestamp\":null},"
                + "\"range\":\"10.9.0.0/29\",\"data\":\"\"}", empty.toString());
        assertEquals("31000-31002", JSON.readTree(storage.get("/registry/ranges/servicenodeports").orElseThrow().value())
                .path("range").asText());
        Set<String> ips = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            ips.add(create("s" + i, ONE_PORT).path("spec").path("clusterIP").asText());
        }
        assertEquals(Set.of("10.9.0.1", "10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6"), ips);
        StatusException full = assertThrows(StatusException.class, () -> create("s6", ONE_PORT));
        assertEquals("Internal error occurred: failed to allocate a serviceIP: range is full", full.getMessage());
        // all six bits set: 0b111111
        JsonNode bitmap = JSON.readTree(storage.get("/registry/ranges/serviceips").orElseThrow().value());
        assertEquals("Pw==", bitmap.path("data").asText());
        services.delete("default", "s2", dev.kj.apiserver.registry.DeleteOptions.NONE);
        assertTrue(create("again", ONE_PORT).path("spec").path("clusterIP").asText().startsWith("10.9.0."));
    }

    @Test
    void aCreateThatFailsGivesBackWhatItClaimed() throws Exception {
        create("np", "{\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":31000}]}");
        // the second port collides after the cluster IP and the first node port were claimed
        assertThrows(StatusException.class, () -> create("clash", "{\"type\":\"NodePort\",\"ports\":[{\"name\":\"a\",\"port\":80},"
                + "{\"name\":\"b\",\"port\":81,\"nodePort\":31000}]}"));
        byte[] ipBits = Base64.getDecoder().decode(JSON.readTree(storage.get("/registry/ranges/serviceips").orElseThrow()
                .value()).path("data").asText());
        assertEquals(1, Integer.bitCount(ipBits[ipBits.length - 1] & 0xff), "only np's address stays taken");
        byte[] portBits = Base64.getDecoder().decode(JSON.readTree(storage.get("/registry/ranges/servicenodeports")
                .orElseThrow().value()).path("data").asText());
        assertEquals("[1]", java.util.Arrays.toString(portBits), "only 31000 stays taken");
    }

    /** The least a ClusterIP service needs to be valid. */
    private static final String ONE_PORT = "{\"ports\":[{\"port\":80}]}";

    private ObjectNode create(String name, String spec) throws Exception {
        return services.create("default", (ObjectNode) JSON.readTree("{\"metadata\":{\"name\":\"" + name + "\"},\"spec\":"
                + spec + "}"), false);
    }
}
