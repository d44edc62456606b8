package dev.kj.rhino.backend;

/**
 * The exclusive write transaction. Reads through it see its own uncommitted writes. Its
 * {@link #revision()} at the start is the newest committed revision (by any process, on a shared
 * backend); the writer advances it with {@link #setRevision(long)}.
 */
public interface WriteTxn extends ReadTxn {

    /** Appends a live row for a key and makes it the key's latest. */
    void put(Row row);

    /** Appends a tombstone for {@code key} at {@code revision} and removes it from the live set. */
    void delete(com.google.protobuf.ByteString key, long revision);

    /**
     * Deletes every live key of {@code range} at {@code revision}: {@code current} is exactly those
     * keys' current rows, in key order, as this transaction reads them. The same as {@link #delete}
     * for each; a backend may write them in bulk.
     */
    default void deleteRange(KeyRange range, java.util.List<Row> current, long revision) {
        for (Row row : current) {
            delete(row.key(), revision);
        }
    }

    /** Advances the newest revision (persisted with the commit). */
    void setRevision(long revision);

    /** Records the compaction point. */
    void setCompactRevision(long revision);

    void setMeta(String name, long value);

    void putLease(LeaseRow lease);

    /** Creates or replaces a record (see {@link ReadTxn#record}). */
    void putRecord(String bucket, String name, byte[] value);

    void deleteRecord(String bucket, String name);

    void deleteLease(long id);

    /**
     * Physically removes the history rows that reads at or above {@code toRevision} can no longer
     * reach, considering the rows written in revisions ({@code fromRevision}, {@code toRevision}]:
     * each such row supersedes its key's older rows, and tombstones themselves go. Compaction runs
     * window by window so the writer is never held for long. Returns how many rows it removed.
     */
    long compactWindow(long fromRevision, long toRevision);

    /**
     * Makes everything durable (fsync) before returning.
     *
     * @throws WriteConflictException another process committed since this transaction began (optimistic
     *                                shared backends); nothing was written and the batch should be re-run
     */
    void commit();

    /** Drops everything since {@link Backend#beginWrite()}. */
    void rollback();
}
