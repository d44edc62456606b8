package dev.kj.rhino.v3rpc;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Sends a server stream's messages one at a time, blocking the sending thread while the transport
 * is not ready, so a slow client holds back its producer instead of filling the heap.
 * Must be created inside the call's handler (gRPC only accepts the handlers there).
 */
public final class FlowControlledSender<T> {
    /**
     * The onReady callback runs on the call's serializing executor; if that executor is the one
     * blocked here (a handler sending synchronously) the callback cannot run, so readiness is also
     * polled at this period.
     */
    private static final long POLL_MILLIS = 50;

    private final ServerCallStreamObserver<T> call;
    private final Context context;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readyOrGone = lock.newCondition();
    private volatile boolean cancelled;
    private boolean closed;

    /** @param onCancel runs once when the client cancels the call (may be {@code null}) */
    public FlowControlledSender(StreamObserver<T> observer, Runnable onCancel) {
        this.call = (ServerCallStreamObserver<T>) observer;
        this.context = Context.current();
        call.setOnReadyHandler(this::wake);
        call.setOnCancelHandler(() -> {
            cancelled = true;
            wake();
            if (onCancel != null) {
                onCancel.run();
            }
        });
    }

    /** Sends one message; returns {@code false} (dropping it) once the call is cancelled or closed. */
    public boolean send(T message) throws InterruptedException {
        lock.lock();
        try {
            while (!gone() && !call.isReady()) {
                readyOrGone.await(POLL_MILLIS, TimeUnit.MILLISECONDS);
            }
            if (gone()) {
                return false;
            }
            try {
                call.onNext(message);
            } catch (RuntimeException raceWithCancel) {
                cancelled = true;
                return false;
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Ends the call successfully (no-op if already gone). */
    public void complete() {
        finish(null);
    }

    /** Ends the call with {@code status} (no-op if already gone). */
    public void fail(Status status) {
        finish(status);
    }

    public boolean isCancelled() {
        return gone();
    }

    private void finish(Status status) {
        lock.lock();
        try {
            if (gone()) {
                return;
            }
            closed = true;
            readyOrGone.signalAll();
            try {
                if (status == null) {
                    call.onCompleted();
                } else {
                    call.onError(status.asRuntimeException());
                }
            } catch (RuntimeException alreadyCancelled) {
                // the client went away meanwhile; nothing to tell it
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean gone() {
        return cancelled || closed || context.isCancelled();
    }

    private void wake() {
        lock.lock();
        try {
            readyOrGone.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
