package dev.kj.rhino.v3lock;

import dev.kj.rhino.api.etcdserverpb.WatchCreateRequest;
import dev.kj.rhino.api.etcdserverpb.WatchResponse;
import dev.kj.rhino.watch.WatchHub;
import dev.kj.rhino.watch.WatchStream;
import io.grpc.Context;
import io.grpc.Status;
import java.util.concurrent.CancellationException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One watcher on the store, read by a blocking handler thread: the server-side counterpart of a
 * client's watch channel in etcd's concurrency recipes. Unbounded, because recipes watch single
 * keys that change rarely. Reading stops with {@link CancellationException} as soon as the gRPC
 * call that opened it is cancelled.
 */
public final class BlockingWatch implements AutoCloseable {
    private static final Object CALL_CANCELLED = new Object();

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Context context = Context.current();
    private final Context.CancellationListener onCancel = cancelled -> queue.add(CALL_CANCELLED);
    private final WatchStream stream;

    private BlockingWatch(WatchHub hub) {
        context.addListener(onCancel, Runnable::run);
        stream = hub.openStream(queue::put);
    }

    public static BlockingWatch open(WatchHub hub, WatchCreateRequest request) {
        BlockingWatch watch = new BlockingWatch(hub);
        try {
            watch.stream.create(request);
        } catch (RuntimeException e) {
            watch.close();
            throw e;
        }
        return watch;
    }

    /**
     * The next response that carries events (created and progress responses are skipped).
     *
     * @throws CancellationException when the calling gRPC call was cancelled
     * @throws io.grpc.StatusRuntimeException when the store canceled the watcher
     */
    public WatchResponse nextEvents() throws InterruptedException {
        while (true) {
            if (context.isCancelled()) {
                throw new CancellationException("call cancelled");
            }
            Object next = queue.take();
            if (next == CALL_CANCELLED) {
                throw new CancellationException("call cancelled");
            }
            WatchResponse response = (WatchResponse) next;
            if (response.getCanceled()) {
                String reason = response.getCancelReason().isEmpty()
                        ? "lost watcher waiting for delete" : response.getCancelReason();
                throw Status.UNKNOWN.withDescription(reason).asRuntimeException();
            }
            if (response.getEventsCount() > 0) {
                return response;
            }
        }
    }

    @Override
    public void close() {
        context.removeListener(onCancel);
        stream.close();
    }
}
