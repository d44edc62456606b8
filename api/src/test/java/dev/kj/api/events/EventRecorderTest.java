package dev.kj.api.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.Transport;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class EventRecorderTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-02-03T04:05:06.123456789Z"), ZoneOffset.UTC);
    private final EventRecorder recorder = new EventRecorder(new ApiClient(new Transport() {
        @Override
        public Response send(Request request) {
            throw new UnsupportedOperationException("not sent in these tests");
        }

        @Override
        public void close() {
        }
    }), "garbage-collector-controller", CLOCK);

    @Test
    void eventsAreBuiltAsClientGosRecorderBuildsThem() {
        ObjectNode event = recorder.build(new EventRecorder.InvolvedObject("v1", "ConfigMap", "team", "cross", "uid-1"),
                EventRecorder.WARNING, "OwnerRefInvalidNamespace", "ownerRef [...] does not exist in namespace \"team\"");
        long nanos = Instant.parse("2026-02-03T04:05:06.123456789Z").getEpochSecond() * 1_000_000_000L + 123456789;
        assertEquals("{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"cross." + Long.toHexString(nanos)
                + "\",\"namespace\":\"team\"},\"involvedObject\":{\"kind\":\"ConfigMap\",\"namespace\":\"team\",\"name\":"
                + "\"cross\",\"uid\":\"uid-1\",\"apiVersion\":\"v1\"},\"reason\":\"OwnerRefInvalidNamespace\",\"message\":"
                + "\"ownerRef [...] does not exist in namespace \\\"team\\\"\",\"source\":{\"component\":"
                + "\"garbage-collector-controller\"},\"firstTimestamp\":\"2026-02-03T04:05:06Z\",\"lastTimestamp\":"
                + "\"2026-02-03T04:05:06Z\",\"count\":1,\"type\":\"Warning\",\"eventTime\":null,\"reportingComponent\":"
                + "\"garbage-collector-controller\",\"reportingInstance\":\"\"}", event.toString());
    }

    @Test
    void clusterScopedObjectsGetTheirEventsInDefaultAndBadNamesAUuid() {
        ObjectNode event = recorder.build(new EventRecorder.InvolvedObject("rbac.authorization.k8s.io/v1", "ClusterRole", null,
                "system:aggregate", "uid-2"), EventRecorder.NORMAL, "Reason", "message");
        assertEquals("default", event.path("metadata").path("namespace").asText());
        assertEquals(36, event.path("metadata").path("name").asText().length(), "a uuid: the object's name is no DNS subdomain");
    }
}
