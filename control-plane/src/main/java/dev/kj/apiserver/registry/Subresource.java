package dev.kj.apiserver.registry;

/** The generic subresources a resource may have. */
public enum Subresource {
    /** {@code <resource>/status}: the only way to write status. */
    STATUS,
    /** {@code <resource>/scale}: an autoscaling/v1 Scale view of spec.replicas. */
    SCALE
}
