package dev.kj.rhino.v3rpc;

import dev.kj.rhino.mvcc.EtcdException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/** Answers gRPC calls from store results, translating failures into etcd's statuses. */
public final class Calls {
    private static final System.Logger LOG = System.getLogger(Calls.class.getName());

    private Calls() {}

    /** Runs {@code body} on the calling thread and answers the unary call with its result. */
    public static <T> void unary(StreamObserver<T> observer, Supplier<T> body) {
        T response;
        try {
            response = body.get();
        } catch (Throwable failure) {
            observer.onError(toStatus(failure));
            return;
        }
        observer.onNext(response);
        observer.onCompleted();
    }

    /**
     * Like {@link #unary(StreamObserver, Supplier)} for etcd's server-side recipes (v3lock,
     * v3election): etcd runs those through its Go client and returns the client's errors, which
     * carry etcd's texts but no gRPC code, so clients receive them as UNKNOWN with the same text.
     */
    public static <T> void recipe(StreamObserver<T> observer, Supplier<T> body) {
        T response;
        try {
            response = body.get();
        } catch (Throwable failure) {
            observer.onError(toRecipeStatus(failure));
            return;
        }
        observer.onNext(response);
        observer.onCompleted();
    }

    /** The status a v3lock/v3election client sees for {@code failure} (see {@link #recipe}). */
    public static StatusRuntimeException toRecipeStatus(Throwable failure) {
        if (unwrap(failure) instanceof EtcdException etcd) {
            return Status.UNKNOWN.withDescription(etcd.error().message()).asRuntimeException();
        }
        return toStatus(failure);
    }

    /** Answers the unary call once {@code future} completes. */
    public static <T> void unaryAsync(StreamObserver<T> observer, Supplier<CompletableFuture<T>> body) {
        CompletableFuture<T> future;
        try {
            future = body.get();
        } catch (Throwable failure) {
            observer.onError(toStatus(failure));
            return;
        }
        future.whenComplete((response, failure) -> {
            if (failure != null) {
                observer.onError(toStatus(failure));
            } else {
                observer.onNext(response);
                observer.onCompleted();
            }
        });
    }

    /** Waits for a store future on the calling (virtual) thread, rethrowing its failure unwrapped. */
    public static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        } catch (ExecutionException e) {
            throw sneaky(e.getCause());
        }
    }

    /**
     * The status a client sees for {@code failure}: etcd errors keep their exact code and text,
     * statuses pass through, anything else is a bug reported as INTERNAL and logged.
     */
    public static StatusRuntimeException toStatus(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof EtcdException etcd) {
            return etcd.toStatusException();
        }
        if (cause instanceof StatusRuntimeException status) {
            return status;
        }
        if (cause instanceof StatusException status) {
            return status.getStatus().asRuntimeException(status.getTrailers());
        }
        if (cause instanceof CancellationException) {
            return Status.CANCELLED.withDescription("context canceled").asRuntimeException();
        }
        LOG.log(System.Logger.Level.ERROR, "unexpected failure serving a request", cause);
        return Status.INTERNAL.withDescription("rhino: " + cause).withCause(cause).asRuntimeException();
    }

    static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static RuntimeException sneaky(Throwable cause) {
        Throwable unwrapped = unwrap(cause);
        if (unwrapped instanceof RuntimeException runtime) {
            return runtime;
        }
        if (unwrapped instanceof Error error) {
            throw error;
        }
        return new CompletionException(unwrapped);
    }
}
