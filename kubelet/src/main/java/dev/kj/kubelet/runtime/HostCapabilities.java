package dev.kj.kubelet.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What this process may do, from its effective capability set in /proc/self/status. */
public final class HostCapabilities {
    static final int CAP_SYS_RESOURCE = 24;

    private HostCapabilities() {
    }

    /** Lowering an OOM score adjustment (the sandbox's -998) needs CAP_SYS_RESOURCE. */
    public static boolean canLowerOomScoreAdj() {
        return hasEffective(CAP_SYS_RESOURCE);
    }

    static boolean hasEffective(int capability) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long mask = Long.parseUnsignedLong(line.substring("CapEff:".length()).strip(), 16);
                    return (mask & (1L << capability)) != 0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return false;
        }
        return false;
    }
}
