package dev.kj.kubelet.env;

/** A container's configuration cannot be made (upstream reports it as CreateContainerConfigError). */
public final class ConfigError extends Exception {
    public ConfigError(String message) {
        super(message);
    }
}
