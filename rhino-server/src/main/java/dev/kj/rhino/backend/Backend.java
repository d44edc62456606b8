package dev.kj.rhino.backend;

import java.io.OutputStream;

/**
 * A durable MVCC keyspace: every write appends rows tagged with a revision; reads see a consistent
 * snapshot. Rhino's etcd semantics (compares, leases, watch) live above this SPI in
 * {@link dev.kj.rhino.mvcc.MvccStore}, so each engine (SQLite, PostgreSQL, Redis) only stores rows.
 *
 * <p>Thread model: {@link #beginWrite()} is called by one writer thread at a time; any number of
 * threads may hold read transactions concurrently.
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

    @Override
    void close();
}
