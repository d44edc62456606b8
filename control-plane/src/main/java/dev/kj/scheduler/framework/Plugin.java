package dev.kj.scheduler.framework;

/** Every scheduler plugin; what it does is the extension-point interfaces it implements. */
public interface Plugin {
    String name();
}
