package dev.kj.apiserver.storage;

import com.google.protobuf.ByteString;
import dev.kj.apiserver.storage.value.KeyTransformers;
import dev.kj.apiserver.storage.value.TransformException;
import dev.kj.apiserver.storage.value.Transformer;
import dev.kj.rhino.api.etcdserverpb.Compare;
import dev.kj.rhino.api.etcdserverpb.DeleteRangeRequest;
import dev.kj.rhino.api.etcdserverpb.KVGrpc;
import dev.kj.rhino.api.etcdserverpb.PutRequest;
import dev.kj.rhino.api.etcdserverpb.RangeRequest;
import dev.kj.rhino.api.etcdserverpb.RangeResponse;
import dev.kj.rhino.api.etcdserverpb.RequestOp;
import dev.kj.rhino.api.etcdserverpb.TxnRequest;
import dev.kj.rhino.api.etcdserverpb.TxnResponse;
import dev.kj.rhino.api.etcdserverpb.WatchCreateRequest;
import dev.kj.rhino.api.etcdserverpb.WatchGrpc;
import dev.kj.rhino.api.etcdserverpb.WatchRequest;
import dev.kj.rhino.api.etcdserverpb.WatchResponse;
import dev.kj.rhino.api.mvccpb.Event;
import dev.kj.rhino.api.mvccpb.KeyValue;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The API server's storage: etcd v3 semantics over one gRPC channel, which reaches either an
 * in-process Rhino or a real etcd. Upstream's etcd3 store is the model: creates are guarded by
 * {@code create_revision == 0}, updates and deletes by {@code mod_revision == resourceVersion}.
 */
public final class EtcdStorage implements Storage, AutoCloseable {
    private static final long CALL_SECONDS = 30;

    private final ManagedChannel channel;
    private final KVGrpc.KVBlockingStub kv;
    private final WatchGrpc.WatchStub watch;
    private final dev.kj.rhino.api.etcdserverpb.LeaseGrpc.LeaseBlockingStub leases;
    private final StorageObserver observer;
    private final KeyTransformers transformers;

    public EtcdStorage(ManagedChannel channel) {
        this(channel, StorageObserver.NONE);
    }

    /** @param observer told of every key-value request (for etcd_request_duration_seconds and friends) */
    public EtcdStorage(ManagedChannel channel, StorageObserver observer) {
        this(channel, observer, KeyTransformers.NONE);
    }

    /**
     * @param transformers how each key's value is stored (encryption at rest): values are sealed
     *                     before every put and opened after every read, so everything above this
     *                     class (the registry, the watch caches, the controllers) sees plain objects
     */
    public EtcdStorage(ManagedChannel channel, StorageObserver observer, KeyTransformers transformers) {
        this.channel = channel;
        this.observer = observer;
        this.transformers = transformers;
        this.kv = KVGrpc.newBlockingStub(channel);
        this.watch = WatchGrpc.newStub(channel).withInterceptors(
                io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(REQUIRE_LEADER));
        this.leases = dev.kj.rhino.api.etcdserverpb.LeaseGrpc.newBlockingStub(channel);
    }

    /** Grants a lease of {@code ttlSeconds}; keys put with it vanish when it expires. */
    @Override
    public long grantLease(long ttlSeconds) {
        return call(null, "", () -> leases.withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS).leaseGrant(
                dev.kj.rhino.api.etcdserverpb.LeaseGrantRequest.newBuilder().setTTL(ttlSeconds).build())).getID();
    }

    private KVGrpc.KVBlockingStub kv() {
        return kv.withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS);
    }

    /** The store's current revision (the header of a one-key read of {@code key}). */
    public long currentRevision(String key) {
        return call("get", key, () -> kv().range(RangeRequest.newBuilder().setKey(bytes(key)).setLimit(1)
                .setKeysOnly(true).build())).getHeader().getRevision();
    }

    /** The version the store reports (etcd's, or the one Rhino implements), e.g. "3.4.23". */
    public String serverVersion() {
        return call(null, "", () -> dev.kj.rhino.api.etcdserverpb.MaintenanceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS)
                .status(dev.kj.rhino.api.etcdserverpb.StatusRequest.getDefaultInstance())).getVersion();
    }

    /** The key's current value, if any. */
    @Override
    public Optional<StoredValue> get(String key) {
        RangeResponse response = call("get", key, () -> kv().range(RangeRequest.newBuilder().setKey(bytes(key)).build()));
        return response.getKvsList().stream().findFirst().map(kv -> stored(kv, false));
    }

    /** How many keys start with {@code prefix} (a count-only range, as upstream's object count metric). */
    public long count(String prefix) {
        String directory = prefix.endsWith("/") ? prefix : prefix + "/";
        return call(StorageObserver.COUNT, directory, () -> kv().range(RangeRequest.newBuilder().setKey(bytes(directory))
                .setRangeEnd(prefixEnd(directory)).setCountOnly(true).build())).getCount();
    }

    /** Creates the key; {@link StorageException.Kind#KEY_EXISTS} when it exists. Returns its revision. */
    public long create(String key, byte[] value) {
        return create(key, value, 0);
    }

    /** As {@link #create(String, byte[])}, attached to {@code lease} (0: none). */
    @Override
    public long create(String key, byte[] value, long lease) {
        try {
            return createOnce(key, value, lease);
        } catch (StorageException e) {
            if (e.kind() != StorageException.Kind.UNAVAILABLE || !String.valueOf(e.getMessage()).contains("request timed out")) {
                throw e;
            }
            // etcd could not tell whether the create was committed (its leader went away meanwhile). A
            // linearizable read is served only once a leader has committed everything it will ever
            // commit of the old term, so it tells: our value (unique: a fresh uid) there means the create
            // was done; nothing there means it never will be, and the create is tried again.
            Optional<StoredValue> now = get(key);
            if (now.isPresent()) {
                if (java.util.Arrays.equals(now.get().value(), value)) {
                    return now.get().modRevision();
                }
                throw new StorageException(StorageException.Kind.KEY_EXISTS, key, "key exists: " + key);
            }
            return createOnce(key, value, lease);
        }
    }

    private long createOnce(String key, byte[] value, long lease) {
        TxnResponse response = call("create", key, () -> kv().txn(TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(bytes(key)).setTarget(Compare.CompareTarget.CREATE)
                        .setResult(Compare.CompareResult.EQUAL).setCreateRevision(0))
                .addSuccess(put(key, seal(key, value), lease))
                .build()));
        if (!response.getSucceeded()) {
            throw new StorageException(StorageException.Kind.KEY_EXISTS, key, "key exists: " + key);
        }
        return response.getHeader().getRevision();
    }

    /**
     * Replaces the key's value if it is still at {@code expectedModRevision}: CONFLICT when it moved
     * on, KEY_NOT_FOUND when it is gone. Returns the new revision.
     */
    public long update(String key, byte[] value, long expectedModRevision) {
        return update(key, value, expectedModRevision, 0);
    }

    /** As {@link #update(String, byte[], long)}, attached to {@code lease} (0: none). */
    @Override
    public long update(String key, byte[] value, long expectedModRevision, long lease) {
        TxnResponse response = call("update", key, () -> kv().txn(TxnRequest.newBuilder()
                .addCompare(modRevisionIs(key, expectedModRevision))
                .addSuccess(put(key, seal(key, value), lease))
                .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(bytes(key))))
                .build()));
        if (!response.getSucceeded()) {
            throw conflictOrMissing(key, response);
        }
        return response.getHeader().getRevision();
    }

    /** Deletes the key if it is still at {@code expectedModRevision}; returns its last value and the delete's revision. */
    @Override
    public StorageEvent.Delete delete(String key, long expectedModRevision) {
        TxnResponse response = call("delete", key, () -> kv().txn(TxnRequest.newBuilder()
                .addCompare(modRevisionIs(key, expectedModRevision))
                .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(
                        DeleteRangeRequest.newBuilder().setKey(bytes(key)).setPrevKv(true)))
                .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(bytes(key))))
                .build()));
        if (!response.getSucceeded()) {
            throw conflictOrMissing(key, response);
        }
        List<KeyValue> previous = response.getResponses(0).getResponseDeleteRange().getPrevKvsList();
        if (previous.isEmpty()) {
            throw new StorageException(StorageException.Kind.KEY_NOT_FOUND, key, "key not found: " + key);
        }
        return new StorageEvent.Delete(stored(previous.getFirst(), false), response.getHeader().getRevision());
    }

    /**
     * Up to {@code limit} keys (0: all) under {@code prefix} starting at {@code startKey} (inclusive;
     * null: the prefix itself), read at {@code revision} (0: the newest).
     */
    public ListPage list(String prefix, String startKey, long limit, long revision) {
        RangeRequest.Builder request = RangeRequest.newBuilder()
                .setKey(bytes(startKey == null ? prefix : startKey))
                .setRangeEnd(prefixEnd(prefix))
                .setLimit(Math.max(0, limit))
                .setRevision(Math.max(0, revision));
        RangeResponse response = call("list", prefix, () -> kv().range(request.build()));
        return new ListPage(response.getKvsList().stream().map(kv -> stored(kv, true)).toList(),
                response.getHeader().getRevision(), response.getMore());
    }

    /** etcd itself holds every revision: each list is read there, exactly (the selection is left to the caller). */
    @Override
    public ListPage list(String prefix, ListRequest request) {
        return list(prefix, request.startKey(), request.limit(),
                request.freshness() == Freshness.EXACT ? request.revision() : 0);
    }

    /**
     * A watch read from etcd: a STATE start lists the prefix at the newest revision and watches from
     * the next one. No periodic bookmarks (etcd's progress notifications are not asked for).
     */
    @Override
    public Watch watch(String prefix, dev.kj.apiserver.storage.WatchRequest request, Consumer<StorageEvent> events) {
        long after = switch (request.start()) {
            case AFTER -> request.revision();
            case NOW -> currentRevision(prefix);
            case STATE -> {
                ListPage state = list(prefix, null, 0, 0);
                for (StoredValue value : state.items()) {
                    events.accept(new StorageEvent.Put(value, null));
                }
                if (request.initialEventsEnd()) {
                    events.accept(new StorageEvent.Bookmark(state.revision(), true));
                }
                yield state.revision();
            }
        };
        return watch(prefix, after + 1, events);
    }

    /**
     * Watches every key under {@code prefix} from {@code fromRevision} (inclusive) and hands each
     * event to {@code events} in order, on a gRPC thread. Ends with {@link StorageEvent.Expired}
     * or {@link StorageEvent.Failed} unless closed first. When the member serving it goes away or
     * loses its leader, the watch resumes on another member from the revision after the last event
     * delivered, as upstream's etcd client does; it fails only when no member has taken it back
     * within {@link #RESUME_GIVE_UP}.
     */
    public Watch watch(String prefix, long fromRevision, Consumer<StorageEvent> events) {
        ResumingWatch watch = new ResumingWatch(prefix, fromRevision, events);
        watch.open();
        return new Watch() {
            @Override
            public void close() {
                watch.close();
            }

            @Override
            public void requestProgress() {
                watch.requestProgress();
            }
        };
    }

    /** How long a broken watch keeps trying to resume before it ends with {@link StorageEvent.Failed}. */
    static final java.time.Duration RESUME_GIVE_UP = java.time.Duration.ofSeconds(30);

    /** etcd cancels watches carrying this when their member has no leader, so they move to one that has. */
    private static final io.grpc.Metadata REQUIRE_LEADER = new io.grpc.Metadata();

    static {
        REQUIRE_LEADER.put(io.grpc.Metadata.Key.of("hasleader", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "true");
    }

    /** One logical watch over a succession of gRPC watch streams. */
    private final class ResumingWatch {
        private final String prefix;
        private final Consumer<StorageEvent> events;
        private final AtomicBoolean closed = new AtomicBoolean();
        /** The revision the next stream starts from: one past the last event delivered. */
        private volatile long next;
        private volatile ClientCallStreamObserver<WatchRequest> current;
        private volatile long brokenSince;

        ResumingWatch(String prefix, long fromRevision, Consumer<StorageEvent> events) {
            this.prefix = prefix;
            this.next = fromRevision;
            this.events = events;
        }

        void open() {
            ClientResponseObserver<WatchRequest, WatchResponse> observer = new ClientResponseObserver<>() {
                private ClientCallStreamObserver<WatchRequest> requests;

                @Override
                public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
                    this.requests = requestStream;
                }

                @Override
                public void onNext(WatchResponse response) {
                    if (closed.get() || requests != current) {
                        return;
                    }
                    if (response.getCompactRevision() != 0) {
                        finish(new StorageEvent.Expired(next, response.getCompactRevision()));
                        return;
                    }
                    if (response.getCanceled()) {
                        if (response.getCancelReason().contains("no leader")) {
                            requests.cancel("moving to a member with a leader", null);
                            resume(); // this member lost its leader: go to one that has
                            return;
                        }
                        finish(new StorageEvent.Failed(response.getCancelReason().isEmpty()
                                ? "watch canceled by the store" : response.getCancelReason()));
                        return;
                    }
                    brokenSince = 0;
                    if (response.getEventsCount() == 0 && !response.getCreated()) {
                        // a progress notification: every event up to the header's revision was sent
                        events.accept(new StorageEvent.Bookmark(response.getHeader().getRevision(), false));
                        return;
                    }
                    for (Event event : response.getEventsList()) {
                        StorageEvent decoded;
                        try {
                            if (event.getType() == Event.EventType.PUT) {
                                KeyValue kv = event.getKv();
                                decoded = new StorageEvent.Put(stored(kv, false), event.hasPrevKv()
                                        && event.getPrevKv().getModRevision() != 0 ? stored(event.getPrevKv(), false) : null);
                            } else {
                                decoded = new StorageEvent.Delete(stored(event.getPrevKv(), false), event.getKv().getModRevision());
                            }
                        } catch (StorageException e) {
                            finish(new StorageEvent.Failed(e.getMessage())); // upstream's watcher ends with the error too
                            return;
                        }
                        events.accept(decoded);
                        next = event.getKv().getModRevision() + 1;
                    }
                }

                @Override
                public void onError(Throwable t) {
                    if (!closed.get() && requests == current) {
                        Status status = Status.fromThrowable(t);
                        if (status.getCode() == Status.Code.UNAVAILABLE) {
                            resume();
                        } else {
                            finish(new StorageEvent.Failed(status.toString()));
                        }
                    }
                }

                @Override
                public void onCompleted() {
                    if (!closed.get() && requests == current) {
                        resume(); // the member ended the stream (shutting down): carry on elsewhere
                    }
                }
            };
            var requests = (ClientCallStreamObserver<WatchRequest>) watch.watch(observer);
            current = requests;
            requests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                    .setKey(bytes(prefix)).setRangeEnd(prefixEnd(prefix))
                    .setStartRevision(next).setPrevKv(true)).build());
        }

        /** Opens a new stream after a short pause (round robin then picks a live member), or gives up. */
        private void resume() {
            long now = System.nanoTime();
            if (brokenSince == 0) {
                brokenSince = now;
            } else if (now - brokenSince > RESUME_GIVE_UP.toNanos()) {
                finish(new StorageEvent.Failed("watch could not be resumed on any etcd member for " + RESUME_GIVE_UP));
                return;
            }
            Thread.ofVirtual().name("etcd-watch-resume").start(() -> {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (!closed.get()) {
                    open();
                }
            });
        }

        private void finish(StorageEvent last) {
            if (closed.compareAndSet(false, true)) {
                events.accept(last);
                current.cancel("watch ended", null);
            }
        }

        void requestProgress() {
            ClientCallStreamObserver<WatchRequest> requests = current;
            if (!closed.get() && requests != null) {
                synchronized (this) { // gRPC request streams take one writer at a time
                    requests.onNext(WatchRequest.newBuilder().setProgressRequest(
                            dev.kj.rhino.api.etcdserverpb.WatchProgressRequest.getDefaultInstance()).build());
                }
            }
        }

        void close() {
            if (closed.compareAndSet(false, true)) {
                current.cancel("watch closed by the API server", null);
            }
        }
    }

    /** What one step of the shared compaction protocol saw: the counter's version and the store's revision. */
    public record CompactionStep(boolean won, long version, long revision) {
    }

    /**
     * One round of upstream's compaction protocol: the API server that moves {@code key} from
     * {@code expectedVersion} to the next version (storing {@code compactTo}) is the one that
     * compacts; the others learn the key's version and try again next round.
     */
    public CompactionStep claimCompaction(String key, long expectedVersion, long compactTo) {
        TxnResponse response = call(null, key, () -> kv().txn(TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(bytes(key)).setTarget(Compare.CompareTarget.VERSION)
                        .setResult(Compare.CompareResult.EQUAL).setVersion(expectedVersion))
                .addSuccess(put(key, Long.toString(compactTo).getBytes(StandardCharsets.UTF_8)))
                .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(bytes(key))))
                .build()));
        long revision = response.getHeader().getRevision();
        if (response.getSucceeded()) {
            return new CompactionStep(true, expectedVersion + 1, revision);
        }
        List<KeyValue> current = response.getResponses(0).getResponseRange().getKvsList();
        return new CompactionStep(false, current.isEmpty() ? 0 : current.getFirst().getVersion(), revision);
    }

    /** Drops history before {@code revision}; already compacted is fine. */
    public void compact(long revision) {
        try {
            call(null, "", () -> kv().compact(dev.kj.rhino.api.etcdserverpb.CompactionRequest.newBuilder()
                    .setRevision(revision).build()));
        } catch (StorageException e) {
            if (e.kind() != StorageException.Kind.COMPACTED) {
                throw e;
            }
        }
    }

    @Override
    public void close() {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static Compare modRevisionIs(String key, long revision) {
        return Compare.newBuilder().setKey(bytes(key)).setTarget(Compare.CompareTarget.MOD)
                .setResult(Compare.CompareResult.EQUAL).setModRevision(revision).build();
    }

    private static RequestOp put(String key, byte[] value) {
        return put(key, value, 0);
    }

    private static RequestOp put(String key, byte[] value, long lease) {
        return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
                .setKey(bytes(key)).setValue(ByteString.copyFrom(value)).setLease(lease)).build();
    }

    private static StorageException conflictOrMissing(String key, TxnResponse response) {
        boolean exists = response.getResponsesCount() > 0
                && response.getResponses(0).getResponseRange().getKvsCount() > 0;
        return exists
                ? new StorageException(StorageException.Kind.CONFLICT, key, "resource version conflict on " + key)
                : new StorageException(StorageException.Kind.KEY_NOT_FOUND, key, "key not found: " + key);
    }

    /**
     * One RPC, timed for the observer when it has an {@code operation}, with gRPC failures as
     * StorageExceptions. Reads are retried while no member can answer (one is down, or the cluster
     * is electing a leader), as upstream's etcd client retries repeatable requests; writes only when
     * etcd says it never took them ("no leader"), since a write cut off midway may have been applied.
     */
    private <T> T call(String operation, String key, java.util.function.Supplier<T> rpc) {
        boolean repeatable = operation != null && (operation.equals("get") || operation.equals("list")
                || operation.equals(StorageObserver.COUNT));
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(CALL_SECONDS);
        long pauseMillis = 50;
        boolean failed = true;
        try {
            while (true) {
                try {
                    T result = rpc.get();
                    failed = false;
                    return result;
                } catch (StatusRuntimeException e) {
                    Status.Code code = e.getStatus().getCode();
                    String description = String.valueOf(e.getStatus().getDescription());
                    if (code == Status.Code.OUT_OF_RANGE && description.contains("compacted")) {
                        throw new StorageException(StorageException.Kind.COMPACTED, key, description, e);
                    }
                    boolean retry = code == Status.Code.UNAVAILABLE
                            && (repeatable || description.equals("etcdserver: no leader"))
                            && System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pauseMillis) < deadline;
                    if (!retry || !pause(pauseMillis)) {
                        throw new StorageException(StorageException.Kind.UNAVAILABLE, key,
                                "storage request failed: " + e.getStatus(), e);
                    }
                    pauseMillis = Math.min(pauseMillis * 2, 1000);
                }
            }
        } finally {
            if (operation != null) {
                observer.observe(operation, key, System.nanoTime() - start, failed);
            }
        }
    }

    private static boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The key-value as the registry sees it: opened by its resource's transformer (authenticating the
     * key, as upstream's authenticatedDataString). A value that cannot be opened is upstream's
     * internal error; in a list, named by its key.
     */
    private StoredValue stored(KeyValue kv, boolean inList) {
        String key = kv.getKey().toStringUtf8();
        byte[] value = kv.getValue().toByteArray();
        Transformer transformer = transformers.forKey(key);
        if (transformer == null) {
            return new StoredValue(key, value, kv.getCreateRevision(), kv.getModRevision());
        }
        Transformer.Read read;
        try {
            read = transformer.fromStorage(value, kv.getKey().toByteArray());
        } catch (TransformException e) {
            throw new StorageException(StorageException.Kind.INTERNAL, key,
                    inList ? "unable to transform key \"" + key + "\": " + e.getMessage() : e.getMessage(), e);
        }
        return new StoredValue(key, read.data(), kv.getCreateRevision(), kv.getModRevision(), read.stale());
    }

    /** The value as stored under {@code key}: sealed by its resource's transformer, if any. */
    private byte[] seal(String key, byte[] value) {
        Transformer transformer = transformers.forKey(key);
        if (transformer == null) {
            return value;
        }
        try {
            return transformer.toStorage(value, key.getBytes(StandardCharsets.UTF_8));
        } catch (TransformException e) {
            throw new StorageException(StorageException.Kind.INTERNAL, key, e.getMessage(), e);
        }
    }

    private static ByteString bytes(String key) {
        return ByteString.copyFrom(key, StandardCharsets.UTF_8);
    }

    /** The end of etcd's range for every key starting with {@code prefix}. */
    static ByteString prefixEnd(String prefix) {
        byte[] end = prefix.getBytes(StandardCharsets.UTF_8);
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return ByteString.copyFrom(end, 0, i + 1);
            }
        }
        return ByteString.copyFrom(new byte[] {0}); // every key
    }
}
