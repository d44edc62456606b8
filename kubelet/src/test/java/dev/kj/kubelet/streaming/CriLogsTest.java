package dev.kj.kubelet.streaming;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CRI log format as kubectl logs shows it: partial lines joined, tail, timestamps, since, limitBytes. */
class CriLogsTest {
    private static final String LOG = """
            2026-12-07T10:00:00.000000001Z stdout F one
            2026-12-07T10:00:01.5Z stderr P tw
            2026-12-07T10:00:01.6Z stderr F o
            not a log line
            2026-12-07T10:00:02.000000000Z stdout F three
            2026-12-07T10:00:03.000000000Z stdout F
            """;

    @TempDir
    Path dir;

    private String read(CriLogs.Options options) throws Exception {
        Path file = dir.resolve("0.log");
        Files.writeString(file, LOG);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CriLogs.copy(file, options, out, () -> false);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void joinsPartialLinesAndSkipsForeignOnes() throws Exception {
        assertEquals("one\ntwo\nthree\n\n", read(new CriLogs.Options(false, null, false, null, null)));
    }

    @Test
    void tailCountsJoinedLines() throws Exception {
        assertEquals("two\nthree\n\n", read(new CriLogs.Options(false, 3L, false, null, null)));
        assertEquals("", read(new CriLogs.Options(false, 0L, false, null, null)));
    }

    @Test
    void timestampsAreRfc3339WithNanoseconds() throws Exception {
        assertEquals("2026-12-07T10:00:01.500000000Z two\n2026-12-07T10:00:02.000000000Z three\n",
                read(new CriLogs.Options(false, null, true, Instant.parse("2026-12-07T10:00:01Z"), 72L)));
    }

    @Test
    void limitBytesCutsTheOutput() throws Exception {
        assertEquals("one\ntw", read(new CriLogs.Options(false, null, false, null, 6L)));
    }
}
