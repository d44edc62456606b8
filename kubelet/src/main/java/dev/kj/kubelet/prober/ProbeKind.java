package dev.kj.kubelet.prober;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;

/** The three probes a container may have, with the word upstream's messages use for each. */
public enum ProbeKind {
    LIVENESS("Liveness"), READINESS("Readiness"), STARTUP("Startup");

    private final String word;

    ProbeKind(String word) {
        this.word = word;
    }

    /** "Liveness", "Readiness", "Startup": how events name the probe. */
    public String word() {
        return word;
    }

    Probe of(Container container) {
        return switch (this) {
            case LIVENESS -> container.getLivenessProbe();
            case READINESS -> container.getReadinessProbe();
            case STARTUP -> container.getStartupProbe();
        };
    }
}
