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
}
