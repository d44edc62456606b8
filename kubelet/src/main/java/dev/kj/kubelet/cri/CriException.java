package dev.kj.kubelet.cri;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * A CRI call that failed, with the gRPC status the runtime answered. The kubelet branches on the
 * code as upstream does: NotFound on stop/remove means already gone, Unavailable means the runtime
 * is down (the node turns NotReady), DeadlineExceeded means it did not answer in time.
 */
public final class CriException extends RuntimeException {
    private final String operation;
    private final Status.Code code;

    CriException(String operation, StatusRuntimeException cause) {
        super(operation + ": " + describe(cause.getStatus()), cause);
        this.operation = operation;
        this.code = cause.getStatus().getCode();
    }

    /** grpc-go's text of a status ("rpc error: code = NotFound desc = …"), as upstream's messages quote it. */
    public static String describe(Status status) {
        return "rpc error: code = " + codeName(status.getCode()) + " desc = "
                + (status.getDescription() == null ? "" : status.getDescription());
    }

    /** grpc-go's spelling of a code (NotFound, DeadlineExceeded), which upstream's kubelet messages carry. */
    static String codeName(Status.Code code) {
        switch (code) {
            case OK:
                return "OK";
            case CANCELLED:
                return "Canceled";
            default:
                break;
        }
        StringBuilder name = new StringBuilder();
        for (String word : code.name().split("_")) {
            name.append(word.charAt(0)).append(word.substring(1).toLowerCase(java.util.Locale.ROOT));
        }
        return name.toString();
    }

    public String operation() {
        return operation;
    }

    public Status.Code code() {
        return code;
    }

    public boolean isNotFound() {
        return code == Status.Code.NOT_FOUND;
    }

    public boolean isUnavailable() {
        return code == Status.Code.UNAVAILABLE;
    }
}
