package dev.kj.apiserver.registry;

/** The parts of metav1.DeleteOptions the store honours: preconditions and dry run. */
public record DeleteOptions(String preconditionUid, String preconditionResourceVersion, boolean dryRun) {
    public static final DeleteOptions NONE = new DeleteOptions(null, null, false);
}
