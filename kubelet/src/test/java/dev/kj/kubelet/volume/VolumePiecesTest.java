package dev.kj.kubelet.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceFieldSelectorBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The volume manager's pieces that need no API server: refresh timing, formatting, path rules, the writer's pruning. */
class VolumePiecesTest {
    @TempDir
    Path dir;

    @Test
    void tokensAreRefreshedAtEightyPercentOfTheirLifetimeOrAfterADay() {
        Instant issued = Instant.parse("2026-12-07T10:00:00Z");
        TokenManager.Token hour = new TokenManager.Token("t", issued.plusSeconds(3600), 3600);
        // 80% of 3600 s is 2880 s; the jitter (0..10 s) can only make it earlier
        assertFalse(at(issued.plusSeconds(2860)).requiresRefresh(hour));
        assertTrue(at(issued.plusSeconds(2881)).requiresRefresh(hour));
        TokenManager.Token week = new TokenManager.Token("t", issued.plusSeconds(7 * 86400), 7 * 86400);
        assertFalse(at(issued.plusSeconds(86400 - 11)).requiresRefresh(week));
        assertTrue(at(issued.plusSeconds(86400 + 1)).requiresRefresh(week));
    }

    private static TokenManager at(Instant now) {
        return new TokenManager(null, Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void labelsAreFormattedAsGoQuotes() {
        assertEquals("a=\"1\"\nb=\"x\\\"y\\\\z\\n\\u00a0\\U0001f600\"".replace("\\U0001f600", "\uD83D\uDE00"),
                FieldPath.formatMap(Map.of("b", "x\"y\\z\n\u00a0\uD83D\uDE00", "a", "1")));
        assertEquals("", FieldPath.formatMap(null));
        assertEquals("\"\\x7f\\a\"", FieldPath.goQuote("\u007f\u0007"));
    }

    @Test
    void payloadPathsFollowUpstreamsRules() {
        assertEquals("invalid path: must not contain '..': a/../b",
                assertThrows(VolumeError.class, () -> AtomicWriter.validatePath("a/../b")).getMessage());
        assertEquals("invalid path: must not start with '..': ..data",
                assertThrows(VolumeError.class, () -> AtomicWriter.validatePath("..data")).getMessage());
        assertEquals("invalid path: must be relative path: /etc/x",
                assertThrows(VolumeError.class, () -> AtomicWriter.validatePath("/etc/x")).getMessage());
        assertEquals("a/b", AtomicWriter.cleanPath("./a//b/"));
    }

    @Test
    void cpuIsRoundedUpInMilliUnitsAndMemoryInBytes() throws Exception {
        var pod = new PodBuilder().withNewSpec().addNewContainer().withName("c").withNewResources()
                .addToLimits("cpu", new Quantity("1500m")).addToLimits("memory", new Quantity("100M"))
                .endResources().endContainer().endSpec().build();
        ResourceFields.Allocatable none = () -> {
            throw new AssertionError("limits are set");
        };
        assertEquals("2", ResourceFields.extract(new ResourceFieldSelectorBuilder().withContainerName("c")
                .withResource("limits.cpu").build(), pod, none));
        assertEquals("96", ResourceFields.extract(new ResourceFieldSelectorBuilder().withContainerName("c")
                .withResource("limits.memory").withDivisor(new Quantity("1Mi")).build(), pod, none));
        assertEquals("0", ResourceFields.extract(new ResourceFieldSelectorBuilder().withContainerName("c")
                .withResource("requests.memory").build(), pod, none));
        assertEquals("container x not found", assertThrows(VolumeError.class, () -> ResourceFields.extract(
                new ResourceFieldSelectorBuilder().withContainerName("x").withResource("limits.cpu").build(), pod, none)).getMessage());
    }

    @Test
    void theWriterPrunesNamesNoLongerProjectedAndRestoresMissingLinks() throws Exception {
        AtomicWriter writer = new AtomicWriter(dir, Clock.systemUTC());
        assertTrue(writer.write(Map.of("a", file("1"), "d/x", file("2"), "d/y", file("3"))));
        assertFalse(writer.write(Map.of("a", file("1"), "d/x", file("2"), "d/y", file("3"))));
        assertTrue(writer.write(Map.of("d/x", file("2"))));
        assertFalse(Files.exists(dir.resolve("a"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(dir.resolve("d/y")));
        assertEquals("2", Files.readString(dir.resolve("d/x")));
        Files.delete(dir.resolve("d"));
        assertFalse(writer.write(Map.of("d/x", file("2"))));
        assertEquals("2", Files.readString(dir.resolve("d/x")));
        // a changed mode alone is written
        assertTrue(writer.write(Map.of("d/x", new FileProjection("2".getBytes(StandardCharsets.UTF_8), 0600))));
        assertEquals(0600, Files2.mode(dir.resolve("..data/d/x")));
    }

    private static FileProjection file(String content) {
        return new FileProjection(content.getBytes(StandardCharsets.UTF_8), 0644);
    }
}
