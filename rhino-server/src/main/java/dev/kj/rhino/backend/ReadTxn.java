package dev.kj.rhino.backend;

import java.util.List;
import java.util.function.Consumer;

/** A consistent read view of the backend. Close it to release the snapshot. */
public interface ReadTxn extends AutoCloseable {

    /** The newest revision in this view. */
    long revision();

    /** Revisions below this one have been compacted away (0 when never compacted). */
    long compactRevision();

    /** A stored 64-bit value from the metadata area (member ids, schema version); null if absent. */
    Long meta(String name);

    /**
     * Live keys in {@code range} as of {@code revision}, ascending by key, at most {@code limit}
     * (0 = no limit). Values are omitted when {@code keysOnly}.
     */
    List<Row> range(KeyRange range, long revision, long limit, boolean keysOnly);

    /** The number of live keys in {@code range} as of {@code revision}. */
    long count(KeyRange range, long revision);

    /**
     * Every row written in revisions [{@code fromRevision}, {@code toRevision}] whose key is in
     * {@code range}, in write order, each with the key's previous row when {@code withPrevious}.
     */
    void history(KeyRange range, long fromRevision, long toRevision, boolean withPrevious, Consumer<HistoryRow> sink);

    /** Live keys attached to {@code lease}. */
    List<byte[]> keysWithLease(long lease);

    /** One lease, or null. */
    LeaseRow lease(long id);

    /** Every lease, with its TTL and absolute expiry (epoch millis). */
    List<LeaseRow> leases();

    /**
     * Records kept outside the keyspace, without revisions (auth users and roles), by bucket and name:
     * one record, or null.
     */
    byte[] record(String bucket, String name);

    /** Every record of {@code bucket}, ascending by name. */
    java.util.SortedMap<String, byte[]> records(String bucket);

    /** Calls {@code sink} for every stored row with revision <= {@code maxRevision}, in write order (for Hash/HashKV). */
    void scanRows(long maxRevision, Consumer<Row> sink);

    @Override
    void close();

    /** A row of history plus the key's previous row (null if none, or if it was a tombstone). */
    record HistoryRow(Row row, Row previous) {}

    /** A persisted lease. */
    record LeaseRow(long id, long ttlSeconds, long expiresAtMillis) {}
}
