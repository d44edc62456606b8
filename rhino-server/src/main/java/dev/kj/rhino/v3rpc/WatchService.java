package dev.kj.rhino.v3rpc;

import dev.kj.rhino.api.etcdserverpb.WatchGrpc;
import dev.kj.rhino.api.etcdserverpb.WatchRequest;
import dev.kj.rhino.api.etcdserverpb.WatchResponse;
import dev.kj.rhino.mvcc.EtcdError;
import dev.kj.rhino.watch.WatchHub;
import dev.kj.rhino.watch.WatchStream;
import io.grpc.stub.StreamObserver;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * etcdserverpb.Watch: one {@link WatchStream} per gRPC call. Responses reach the client through a
 * {@link FlowControlledSender}, so a client that stops reading blocks the hub's sender for its own
 * stream only (the hub decides what happens to a stream that falls behind).
 */
final class WatchService extends WatchGrpc.WatchImplBase {
    private static final System.Logger LOG = System.getLogger(WatchService.class.getName());

    private final WatchHub hub;
    private final Set<OpenStream> open = ConcurrentHashMap.newKeySet();

    WatchService(WatchHub hub) {
        this.hub = hub;
    }

    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> observer) {
        OpenStream call = new OpenStream(observer);
        open.add(call);
        return call;
    }

    /** Ends every open watch stream with etcd's "server stopped", so clients reconnect elsewhere. */
    void shutdown() {
        for (OpenStream call : open) {
            call.end(true);
        }
    }

    private final class OpenStream implements StreamObserver<WatchRequest> {
        private final FlowControlledSender<WatchResponse> sender;
        private final WatchStream stream;

        OpenStream(StreamObserver<WatchResponse> observer) {
            this.sender = new FlowControlledSender<>(observer, () -> end(false));
            this.stream = hub.openStream(sender::send);
        }

        @Override
        public void onNext(WatchRequest request) {
            try {
                switch (request.getRequestUnionCase()) {
                    case CREATE_REQUEST -> stream.create(request.getCreateRequest());
                    case CANCEL_REQUEST -> stream.cancel(request.getCancelRequest().getWatchId());
                    case PROGRESS_REQUEST -> stream.requestProgress();
                    case REQUESTUNION_NOT_SET -> { } // etcd ignores empty requests
                }
            } catch (RuntimeException failure) {
                sender.fail(Calls.toStatus(failure).getStatus());
                end(false);
            }
        }

        /** The client was cancelled or broke the stream. */
        @Override
        public void onError(Throwable cause) {
            end(false);
        }

        /**
         * A half-close is not the end of a watch: like etcd, keep delivering events until the
         * client cancels the call.
         */
        @Override
        public void onCompleted() {}

        void end(boolean serverStopping) {
            if (!open.remove(this)) {
                return;
            }
            try {
                stream.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "closing a watch stream failed", e);
            }
            if (serverStopping) {
                sender.fail(EtcdError.STOPPED.status());
            }
        }
    }
}
