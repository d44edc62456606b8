package dev.kj.scheduler.framework;

import java.util.List;

/**
 * The outcome of a plugin call (upstream's framework.Status): a code, the reasons behind it and the
 * plugin that gave it. Rejection is an ordinary value; {@link Code#ERROR} means something broke.
 */
public record Status(Code code, List<String> reasons, String plugin) {
    public enum Code {
        SUCCESS, ERROR, UNSCHEDULABLE,
        /** No preemption on this node would help (upstream's UnschedulableAndUnresolvable). */
        UNSCHEDULABLE_AND_UNRESOLVABLE,
        /** The plugin has nothing to say for this pod (PreFilter/PreScore). */
        SKIP
    }

    private static final Status SUCCESS = new Status(Code.SUCCESS, List.of(), "");

    public Status {
        reasons = List.copyOf(reasons);
        plugin = plugin == null ? "" : plugin;
    }

    public static Status success() {
        return SUCCESS;
    }

    public static Status skip() {
        return new Status(Code.SKIP, List.of(), "");
    }

    public static Status unschedulable(String... reasons) {
        return new Status(Code.UNSCHEDULABLE, List.of(reasons), "");
    }

    public static Status unresolvable(String... reasons) {
        return new Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, List.of(reasons), "");
    }

    public static Status error(String message) {
        return new Status(Code.ERROR, List.of(message), "");
    }

    public Status withPlugin(String name) {
        return plugin.isEmpty() ? new Status(code, reasons, name) : this;
    }

    public boolean isSuccess() {
        return code == Code.SUCCESS;
    }

    public boolean isSkip() {
        return code == Code.SKIP;
    }

    /** Unschedulable or unresolvable: the pod does not fit (as opposed to an error). */
    public boolean isRejected() {
        return code == Code.UNSCHEDULABLE || code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE;
    }

    public String message() {
        return String.join(", ", reasons);
    }
}
