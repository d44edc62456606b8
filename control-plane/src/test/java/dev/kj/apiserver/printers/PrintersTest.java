package dev.kj.apiserver.printers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrintersTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void humanDurationsAsApimachinery() {
        assertEquals("0s", Printers.humanDuration(Duration.ofMillis(-1500)));
        assertEquals("<invalid>", Printers.humanDuration(Duration.ofSeconds(-2)));
        assertEquals("119s", Printers.humanDuration(Duration.ofSeconds(119)));
        assertEquals("2m", Printers.humanDuration(Duration.ofSeconds(120)));
        assertEquals("9m59s", Printers.humanDuration(Duration.ofSeconds(599)));
        assertEquals("10m", Printers.humanDuration(Duration.ofSeconds(601)));
        assertEquals("3h", Printers.humanDuration(Duration.ofHours(3)));
        assertEquals("7h59m", Printers.humanDuration(Duration.ofMinutes(479)));
        assertEquals("47h", Printers.humanDuration(Duration.ofMinutes(47 * 60 + 59)));
        assertEquals("2d", Printers.humanDuration(Duration.ofHours(48)));
        assertEquals("7d23h", Printers.humanDuration(Duration.ofHours(7 * 24 + 23)));
        assertEquals("729d", Printers.humanDuration(Duration.ofDays(729)));
        assertEquals("2y", Printers.humanDuration(Duration.ofDays(730)));
        assertEquals("3y5d", Printers.humanDuration(Duration.ofDays(3 * 365 + 5)));
        assertEquals("8y", Printers.humanDuration(Duration.ofDays(8 * 365 + 100)));
    }

    @Test
    void selectorsAsFormatLabelSelector() throws Exception {
        assertEquals("<none>", Printers.selector(JSON.readTree("{}")));
        assertEquals("app=web,!gone,tier in (a,b),zone notin (x)", Printers.selector(JSON.readTree("""
                {"matchLabels":{"app":"web"},"matchExpressions":[
                  {"key":"zone","operator":"NotIn","values":["x"]},
                  {"key":"tier","operator":"In","values":["b","a"]},
                  {"key":"gone","operator":"DoesNotExist"}]}""")));
    }

    @Test
    void jobCells() throws Exception {
        Instant now = Instant.parse("2026-01-01T01:00:00Z");
        List<Object> cells = Printers.JOB.cells().of(JSON.readTree("""
                {"metadata":{"name":"j","creationTimestamp":"2026-01-01T00:00:00Z"},
                 "spec":{"parallelism":3,"selector":{"matchLabels":{"x":"y"}},
                   "template":{"spec":{"containers":[{"name":"c","image":"i"}]}}},
                 "status":{"succeeded":1,"startTime":"2026-01-01T00:58:00Z",
                   "conditions":[{"type":"Suspended","status":"True"}]}}"""), now);
        assertEquals(List.of("j", "Suspended", "1/1 of 3", "2m", "60m", "c", "i", "x=y"), cells);
    }

    @Test
    void nodeCells() throws Exception {
        Instant now = Instant.parse("2026-01-01T00:00:30Z");
        List<Object> cells = Printers.NODE.cells().of(JSON.readTree("""
                {"metadata":{"name":"n1","creationTimestamp":"2026-01-01T00:00:00Z",
                   "labels":{"node-role.kubernetes.io/worker":"","node-role.kubernetes.io/control-plane":"","kubernetes.io/role":"edge"}},
                 "spec":{"unschedulable":true},
                 "status":{"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"False"}],
                   "addresses":[{"type":"Hostname","address":"n1"},{"type":"InternalIP","address":"10.0.0.1"}],
                   "nodeInfo":{"kubeletVersion":"v1.33.0","osImage":"Debian"}}}"""), now);
        assertEquals(List.of("n1", "NotReady,SchedulingDisabled", "control-plane,edge,worker", "30s", "v1.33.0", "10.0.0.1",
                "<none>", "Debian", "<unknown>", "<unknown>"), cells);
        assertEquals("Unknown", Printers.NODE.cells().of(JSON.readTree("{\"metadata\":{\"name\":\"n2\"}}"), now).get(1));
    }

    @Test
    void eventCells() throws Exception {
        Instant now = Instant.parse("2026-01-01T00:10:00Z");
        List<Object> cells = Printers.EVENT.cells().of(JSON.readTree("""
                {"metadata":{"name":"web.1"},"type":"Normal","reason":"Scaled","message":" scaled up \\n",
                 "involvedObject":{"kind":"Deployment","name":"web","fieldPath":"spec"},
                 "source":{"component":"deployment-controller"},"reportingInstance":"cp-1",
                 "firstTimestamp":"2026-01-01T00:00:00Z","lastTimestamp":"2026-01-01T00:09:00Z","count":3}"""), now);
        assertEquals(List.of("60s", "Normal", "Scaled", "deployment/web", "spec", "deployment-controller, cp-1", "scaled up",
                "10m", 3L, "web.1"), cells);
        List<Object> series = Printers.EVENT.cells().of(JSON.readTree("""
                {"metadata":{"name":"e"},"eventTime":"2026-01-01T00:05:00.000000Z","involvedObject":{"kind":"Node"},
                 "series":{"count":7,"lastObservedTime":"2026-01-01T00:08:00.123456Z"}}"""), now);
        assertEquals(List.of("119s", "", "", "node", "", "", "", "5m", 7L, "e"), series);
    }
}
