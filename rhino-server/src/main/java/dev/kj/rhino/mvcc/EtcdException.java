package dev.kj.rhino.mvcc;

import io.grpc.StatusRuntimeException;

/** A request failed with one of etcd's errors; the gRPC layer returns {@link #error()}'s status. */
public final class EtcdException extends RuntimeException {
    private final EtcdError error;

    EtcdException(EtcdError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public EtcdError error() {
        return error;
    }

    public StatusRuntimeException toStatusException() {
        return error.status().asRuntimeException();
    }
}
