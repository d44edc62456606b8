package dev.kj.rhino.mvcc;

import com.google.protobuf.ByteString;
import dev.kj.rhino.backend.KeyRange;
import dev.kj.rhino.backend.Row;
import dev.kj.rhino.backend.WriteTxn;
import java.util.List;

/** What a {@link WriteOp} may do: read and write through the transaction, allocating one revision. */
public interface WriteContext {

    WriteTxn txn();

    /** The store's revision as this op sees it (its own write included once it has written). */
    long currentRevision();

    /** The revision this op writes at; the first call allocates it (current + 1). */
    long writeRevision();

    /** Whether this op has written (allocated a revision). */
    boolean wrote();

    /** Puts {@code key}; returns the previous live row, or null. Publishes a PUT event. */
    Row put(ByteString key, ByteString value, long lease);

    /** Deletes a live key (given its current row). Publishes a DELETE event. */
    void delete(Row current);

    /**
     * Deletes every live key of {@code range}, given as their current rows in key order (what this
     * op just read, with values or keys only). Publishes a DELETE event per key, with the previous
     * KV when {@code withValues}, else without (watchers that want it read it from history).
     */
    void deleteRange(KeyRange range, List<Row> current, boolean withValues);

    /** Runs after the batch commits (e.g. to update in-memory lease state). */
    void afterCommit(Runnable action);
}
