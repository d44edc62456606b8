package dev.kj.kubelet.pause;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.kubelet.oci.OciImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PauseProgramTest {
    @Test
    void sleepsUntilSigtermThenExitsZero(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(PauseProgram.hostArchitecture().equals("amd64"), "the pause program is amd64 only");
        Path pause = Files.write(dir.resolve("pause"), PauseProgram.forArchitecture("amd64"));
        Files.setPosixFilePermissions(pause, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String signal : new String[] {"TERM", "INT"}) {
            Process process = new ProcessBuilder(pause.toString()).start();
            // Still asleep after a while: it blocks rather than exiting.
            assertFalse(process.waitFor(1, TimeUnit.SECONDS), "pause exited on its own");
            // SIGCHLD and the like do not end it.
            new ProcessBuilder("kill", "-CHLD", Long.toString(process.pid())).start().waitFor();
            assertFalse(process.waitFor(500, TimeUnit.MILLISECONDS), "pause exited on SIGCHLD");
            new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "pause ignored SIG" + signal);
            assertEquals(0, process.exitValue(), "exit status after SIG" + signal);
        }
    }

    @Test
    void otherArchitecturesAreRefusedNotFaked() {
        var refused = assertThrows(UnsupportedOperationException.class, () -> PauseProgram.forArchitecture("arm64"));
        assertEquals("kj's pause program is built for amd64 only, not arm64", refused.getMessage());
    }

    @Test
    void theImageIsTheSameBytesEveryTime() {
        OciImage first = PauseImage.build("amd64");
        OciImage second = PauseImage.build("amd64");
        assertEquals(first.manifestDigest(), second.manifestDigest());
        assertEquals(PauseImage.NAME, first.name());
    }
}
