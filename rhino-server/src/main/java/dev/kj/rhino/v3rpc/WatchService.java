package dev.kj.rhino.v3rpc;

import dev.kj.rhino.api.etcdserverpb.WatchGrpc;
import dev.kj.rhino.api.etcdserverpb.WatchRequest;
import dev.kj.rhino.api.etcdserverpb.WatchResponse;
import dev.kj.rhino.api.etcdserverpb.WatchCreateRequest;
import dev.kj.rhino.auth.AuthStore;
import dev.kj.rhino.auth.Caller;
import dev.kj.rhino.mvcc.EtcdError;
import dev.kj.rhino.mvcc.EtcdException;
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
    private final AuthStore auth;
    private final Set<OpenStream> open = ConcurrentHashMap.newKeySet();

    WatchService(WatchHub hub, AuthStore auth) {
        this.hub = hub;
        this.auth = auth;
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
        /** etcd checks each watch against the credentials the stream was opened with. */
        private final Caller caller = Caller.current();

        OpenStream(StreamObserver<WatchResponse> observer) {
            this.sender = new FlowControlledSender<>(observer, () -> end(false));
            this.stream = hub.openStream(sender::send);
        }

        @Override
        public void onNext(WatchRequest request) {
            try {
                switch (request.getRequestUnionCase()) {
                    case CREATE_REQUEST -> {
                        String refusal = refusal(request.getCreateRequest());
                        if (refusal == null) {
                            stream.create(request.getCreateRequest());
                        } else {
                            stream.refuse(refusal);
                        }
                    }
                    case CANCEL_REQUEST -> stream.cancel(request.getCancelRequest().getWatchId());
                    case PROGRESS_REQUEST -> stream.requestProgress();
                    case REQUESTUNION_NOT_SET -> { } // etcd ignores empty requests
                }
            } catch (RuntimeException failure) {
                sender.fail(Calls.toStatus(failure).getStatus());
                end(false);
            }
        }

        /**
         * Why etcd would refuse this watch, as its cancel reason (a Go gRPC error string), or null.
         * A refused watch gets "created" and "canceled" at once, with watch id -1.
         */
        private String refusal(WatchCreateRequest create) {
            try {
                auth.checkRange(caller, create.getKey(), create.getRangeEnd());
                return null;
            } catch (EtcdException denied) {
                EtcdError error = switch (denied.error()) {
                    case INVALID_AUTH_TOKEN, USER_EMPTY -> denied.error();
                    default -> EtcdError.PERMISSION_DENIED;
                };
                return "rpc error: code = " + goCodeName(error.code()) + " desc = " + error.message();
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

        private static String goCodeName(io.grpc.Status.Code code) {
            return switch (code) {
                case UNAUTHENTICATED -> "Unauthenticated";
                case INVALID_ARGUMENT -> "InvalidArgument";
                default -> "PermissionDenied";
            };
        }

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
