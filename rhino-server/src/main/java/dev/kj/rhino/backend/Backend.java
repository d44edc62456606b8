package dev.kj.rhino.backend;

import java.io.OutputStream;
import java.util.function.LongConsumer;

/**
 * A durable MVCC keyspace: every write appends rows tagged with a revision; reads see a consistent
 * snapshot. Rhino's etcd semantics (compares, leases, watch) live above this SPI in
 * {@link dev.kj.rhino.mvcc.MvccStore}, so each engine (SQLite, PostgreSQL, Redis) only stores rows.
 *
 * <p>Thread model: {@link #beginWrite()} is called by one writer thread at a time; any number of
 * threads may hold read transactions concurrently.
 *
 * <p>Shared backends ({@link #shared()}: PostgreSQL, Redis) may have several rhino processes writing
 * to one datastore. Each write transaction then serializes with every other process's (a lock taken
 * by {@link #beginWrite()}, or an optimistic check at commit that fails with
 * {@link WriteConflictException}), its {@link ReadTxn#revision()} is the newest revision committed by
 * anyone, and {@link #listen} reports other processes' commits so watchers hear of them.
 */
public interface Backend extends AutoCloseable {

    /** A consistent read-only snapshot. */
    ReadTxn beginRead();

    /** The exclusive write transaction; nothing is visible to readers before {@link WriteTxn#commit()}. */
    WriteTxn beginWrite();

    /** Bytes the datastore occupies. */
    long sizeBytes();

    /** Bytes in use by live data (the rest is free space a defragment would release). */
    long sizeInUseBytes();

    /** Releases free space. */
    void defragment();

    /** Writes a consistent copy of the whole datastore. */
    void snapshot(OutputStream out);

    /** Where the data lives, for logs ("sqlite /var/lib/rhino/rhino.db"). */
    String describe();

    /**
     * The longest key this datastore can store. Longer keys are refused when a request arrives,
     * before anything is written, so they cannot fail the other requests of a group commit.
     */
    default int maxKeyBytes() {
        return Integer.MAX_VALUE;
    }

    /**
     * Called on the writer thread after a write transaction has committed and its requests have been
     * handed back, before the next one begins: room for brief upkeep that must not overlap a write.
     */
    default void betweenWrites() {
    }

    /** Whether other processes may write to this datastore too (see the class comment). */
    default boolean shared() {
        return false;
    }

    /**
     * Registers the listener told the newest committed revision after commits made through other
     * processes (it may also be told of this process's own commits, and of a revision more than once).
     * Called once, before any write. Backends only this process writes to never call it.
     */
    default void listen(LongConsumer committedRevision) {
    }

    @Override
    void close();
}
