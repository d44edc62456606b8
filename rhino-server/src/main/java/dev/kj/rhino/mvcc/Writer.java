package dev.kj.rhino.mvcc;

import com.google.protobuf.ByteString;
import dev.kj.rhino.api.mvccpb.Event;
import dev.kj.rhino.api.mvccpb.KeyValue;
import dev.kj.rhino.backend.Backend;
import dev.kj.rhino.backend.KeyRange;
import dev.kj.rhino.backend.Row;
import dev.kj.rhino.backend.WriteConflictException;
import dev.kj.rhino.backend.WriteTxn;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * The single writer with group commit: requests queue up while a commit is being fsynced, and the
 * next transaction takes all of them at once (one fsync for the batch). Nothing is acknowledged
 * before the commit is durable; watchers hear of a revision only after it is.
 */
final class Writer implements AutoCloseable {
    private static final Logger LOG = System.getLogger(Writer.class.getName());
    private static final int MAX_BATCH = 1024;

    /** Publishes committed revisions, in order, to the watch hub. */
    interface Publisher {
        /** A commit is about to be sent; {@link #commitEnded()} follows whatever happens. */
        default void committing() {
        }

        /** A batch that began at {@code baseRevision} committed {@code committed}, ending at {@code currentRevision}. */
        void publish(long baseRevision, List<RevisionEvents> committed, long currentRevision);

        /** The commit announced by {@link #committing()} was published, or failed. */
        default void commitEnded() {
        }
    }

    private sealed interface Task permits InTxn, Exclusive {}

    private record InTxn<R>(WriteOp<R> op, CompletableFuture<R> result) implements Task {}

    /** Runs with the backend outside any transaction (defragment, compaction windows). */
    private record Exclusive(Consumer<Backend> action, CompletableFuture<Void> result) implements Task {}

    /** Re-runs of one batch after optimistic conflicts before its requests fail. */
    private static final int MAX_CONFLICT_RETRIES = 100;

    private final Backend backend;
    private final Publisher publisher;
    private final BlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    /** One thread answers each committed batch while the writer starts the next. */
    private final ExecutorService completer = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("rhino-completer").daemon(true).factory());
    private final Thread thread;
    private volatile long currentRevision;
    private volatile boolean closed;

    Writer(Backend backend, long currentRevision, Publisher publisher) {
        this.backend = backend;
        this.currentRevision = currentRevision;
        this.publisher = publisher;
        this.thread = Thread.ofPlatform().name("rhino-writer").daemon(true).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    long currentRevision() {
        return currentRevision;
    }

    /** Another process committed up to {@code revision} (shared backends); never moves backwards. */
    void observe(long revision) {
        synchronized (this) {
            if (revision > currentRevision) {
                currentRevision = revision;
            }
        }
    }

    <R> CompletableFuture<R> submit(WriteOp<R> op) {
        CompletableFuture<R> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(EtcdError.STOPPED.exception());
            return result;
        }
        queue.add(new InTxn<>(op, result));
        return result;
    }

    CompletableFuture<Void> submitExclusive(Consumer<Backend> action) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(EtcdError.STOPPED.exception());
            return result;
        }
        queue.add(new Exclusive(action, result));
        return result;
    }

    private void run() {
        List<Task> batch = new ArrayList<>();
        while (true) {
            try {
                Task first = queue.take();
                if (first == POISON) {
                    drainAndFail();
                    return;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                int poison = batch.indexOf(POISON);
                List<Task> work = poison >= 0 ? batch.subList(0, poison) : batch;
                runBatch(work);
                if (poison >= 0) {
                    drainAndFail();
                    return;
                }
            } catch (InterruptedException e) {
                drainAndFail();
                return;
            } finally {
                batch.clear();
            }
        }
    }

    private void runBatch(List<Task> batch) {
        int i = 0;
        while (i < batch.size()) {
            if (batch.get(i) instanceof Exclusive ex) {
                runExclusive(ex);
                i++;
                continue;
            }
            int end = i;
            while (end < batch.size() && batch.get(end) instanceof InTxn<?>) {
                end++;
            }
            runInTxn(batch.subList(i, end));
            i = end;
        }
    }

    private void runExclusive(Exclusive ex) {
        try {
            ex.action().accept(backend);
            ex.result().complete(null);
        } catch (RuntimeException e) {
            ex.result().completeExceptionally(e);
        }
    }

    /**
     * Applies a run of requests in one transaction and commits once. etcd checks a request fully
     * before it writes anything, so a request that fails with an etcd error has written nothing and
     * needs no savepoint; any other failure (a storage error) aborts the whole batch.
     */
    private void runInTxn(List<Task> tasks) {
        for (int attempt = 1; ; attempt++) {
            try {
                applyAndCommit(tasks);
                return;
            } catch (WriteConflictException e) {
                if (attempt < MAX_CONFLICT_RETRIES) {
                    continue; // another process committed first; nothing of ours was written
                }
                failAll(tasks, e);
                return;
            } catch (RuntimeException e) {
                failAll(tasks, e);
                return;
            }
        }
    }

    /** A storage failure (or the commit itself): nothing in this batch is durable. */
    private static void failAll(List<Task> tasks, RuntimeException e) {
        LOG.log(Level.ERROR, "write batch failed; failing " + tasks.size() + " requests", e);
        for (Task task : tasks) {
            ((InTxn<?>) task).result().completeExceptionally(
                    io.grpc.Status.INTERNAL.withDescription("etcdserver: write failed: " + e.getMessage())
                            .asRuntimeException());
        }
    }

    private void applyAndCommit(List<Task> tasks) {
        List<Runnable> completions = new ArrayList<>(tasks.size());
        List<Runnable> afterCommit = new ArrayList<>();
        List<RevisionEvents> committed = new ArrayList<>();
        long base;
        long revision;
        try (WriteTxn txn = backend.beginWrite()) {
            base = txn.revision();
            revision = base;
            for (Task task : tasks) {
                InTxn<?> t = (InTxn<?>) task;
                Context ctx = new Context(txn, revision);
                try {
                    Object value = t.op().apply(ctx);
                    if (ctx.wrote()) {
                        revision = ctx.revision;
                        committed.add(new RevisionEvents(revision, ctx.events, ctx.previousOmitted));
                    }
                    afterCommit.addAll(ctx.afterCommit);
                    completions.add(() -> complete(t, value));
                } catch (EtcdException e) {
                    if (ctx.wrote()) {
                        throw new IllegalStateException("request failed after writing: " + e.getMessage(), e);
                    }
                    completions.add(() -> t.result().completeExceptionally(e));
                }
            }
            publisher.committing();
            try {
                txn.commit();
            } catch (RuntimeException e) {
                publisher.commitEnded();
                throw e;
            }
        }
        try {
            observe(revision);
            for (Runnable action : afterCommit) {
                runQuietly(action);
            }
            if (!committed.isEmpty()) {
                publisher.publish(base, committed, revision);
            }
        } finally {
            publisher.commitEnded();
        }
        // Answering runs the callers' continuations (building and sending gRPC responses); keep
        // that off the writer so the next batch starts at once.
        completer.execute(() -> completions.forEach(Runnable::run));
        runQuietly(backend::betweenWrites); // the batch is answered; upkeep failing must not fail it
    }

    @SuppressWarnings("unchecked")
    private static <R> void complete(InTxn<R> t, Object value) {
        t.result().complete((R) value);
    }

    private static void runQuietly(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "after-commit action failed", e);
        }
    }

    private static final Task POISON = new Exclusive(b -> {}, new CompletableFuture<>());

    private void drainAndFail() {
        List<Task> rest = new ArrayList<>();
        queue.drainTo(rest);
        for (Task t : rest) {
            switch (t) {
                case InTxn<?> in -> in.result().completeExceptionally(EtcdError.STOPPED.exception());
                case Exclusive ex -> ex.result().completeExceptionally(EtcdError.STOPPED.exception());
            }
        }
    }

    /** Stops after the requests already queued have been committed. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        queue.add(POISON);
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        completer.close();
    }

    /** One op's view of the batch transaction. */
    private static final class Context implements WriteContext {
        private final WriteTxn txn;
        private final long baseRevision;
        private long revision;
        private final List<Event> events = new ArrayList<>();
        /** Some DELETE event of this op carries no previous value (see {@link RevisionEvents}). */
        private boolean previousOmitted;
        private final List<Runnable> afterCommit = new ArrayList<>();

        Context(WriteTxn txn, long baseRevision) {
            this.txn = txn;
            this.baseRevision = baseRevision;
            this.revision = baseRevision;
        }

        @Override
        public WriteTxn txn() {
            return txn;
        }

        @Override
        public long currentRevision() {
            return revision;
        }

        @Override
        public long writeRevision() {
            if (revision == baseRevision) {
                revision = baseRevision + 1;
                txn.setRevision(revision);
            }
            return revision;
        }

        @Override
        public boolean wrote() {
            return revision != baseRevision;
        }

        @Override
        public Row put(ByteString key, ByteString value, long lease) {
            long rev = writeRevision();
            List<Row> existing = txn.range(KeyRange.single(key.toByteArray()), rev, 1, false);
            Row previous = existing.isEmpty() ? null : existing.getFirst();
            long createRevision = previous == null ? rev : previous.createRevision();
            long version = previous == null ? 1 : previous.version() + 1;
            Row row = new Row(key, rev, createRevision, version, lease, value);
            txn.put(row);
            Event.Builder event = Event.newBuilder().setType(Event.EventType.PUT).setKv(row.toKeyValue());
            if (previous != null) {
                event.setPrevKv(previous.toKeyValue());
            }
            events.add(event.build());
            return previous;
        }

        @Override
        public void delete(Row current) {
            long rev = writeRevision();
            txn.delete(current.key(), rev);
            events.add(deleted(current, rev));
        }

        @Override
        public void deleteRange(KeyRange range, List<Row> current, boolean withValues) {
            if (current.isEmpty()) {
                return;
            }
            long rev = writeRevision();
            txn.deleteRange(range, current, rev);
            previousOmitted |= !withValues;
            for (Row row : current) {
                events.add(withValues ? deleted(row, rev) : deletedWithoutPrevious(row, rev));
            }
        }

        private static Event deleted(Row current, long rev) {
            return deletedWithoutPrevious(current, rev).toBuilder().setPrevKv(current.toKeyValue()).build();
        }

        private static Event deletedWithoutPrevious(Row current, long rev) {
            return Event.newBuilder()
                    .setType(Event.EventType.DELETE)
                    .setKv(KeyValue.newBuilder().setKey(current.key()).setModRevision(rev))
                    .build();
        }

        @Override
        public void afterCommit(Runnable action) {
            afterCommit.add(action);
        }
    }
}
