package dev.kj.kubelet.prober;

/**
 * A handler that could not run at all (the runtime refused the exec, a port name the container does
 * not declare): upstream's "unknown" result, which the prober reports as an error and does not count.
 */
public final class HandlerException extends Exception {
    public HandlerException(String message) {
        super(message);
    }

    public HandlerException(String message, Throwable cause) {
        super(message, cause);
    }
}
