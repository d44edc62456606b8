package dev.kj.rhino.backend.redis;

import dev.kj.rhino.backend.KeyRange;
import dev.kj.rhino.backend.ReadTxn;
import dev.kj.rhino.backend.Row;
import java.util.List;
import java.util.SortedMap;
import java.util.function.Consumer;

/**
 * A read view at the revision committed when it began. Keys, counts and history are as of that
 * revision; leases, lease attachments, meta and records are read as they are now (they carry no
 * revision).
 */
final class RedisReadTxn implements ReadTxn {
    private final RedisReader reader;
    private final long revision;
    private final long compactRevision;

    RedisReadTxn(RedisReader reader, RedisReader.Start start) {
        this.reader = reader;
        this.revision = start.revision();
        this.compactRevision = start.compactRevision();
    }

    @Override
    public long revision() {
        return revision;
    }

    @Override
    public long compactRevision() {
        return compactRevision;
    }

    @Override
    public Long meta(String name) {
        return reader.meta(name);
    }

    @Override
    public List<Row> range(KeyRange range, long atRevision, long limit, boolean keysOnly) {
        return reader.range(range, Math.min(atRevision, revision), limit, keysOnly);
    }

    @Override
    public long count(KeyRange range, long atRevision) {
        return reader.count(range, Math.min(atRevision, revision));
    }

    @Override
    public void history(KeyRange range, long fromRevision, long toRevision, boolean withPrevious,
                        Consumer<HistoryRow> sink) {
        reader.history(range, fromRevision, Math.min(toRevision, revision), withPrevious, sink);
    }

    @Override
    public List<byte[]> keysWithLease(long lease) {
        return reader.keysWithLease(lease);
    }

    @Override
    public LeaseRow lease(long id) {
        return reader.lease(id);
    }

    @Override
    public List<LeaseRow> leases() {
        return reader.leases();
    }

    @Override
    public byte[] record(String bucket, String name) {
        return reader.record(bucket, name);
    }

    @Override
    public SortedMap<String, byte[]> records(String bucket) {
        return reader.records(bucket);
    }

    @Override
    public void scanRows(long maxRevision, Consumer<Row> sink) {
        reader.scanRows(Math.min(maxRevision, revision), sink);
    }

    @Override
    public void close() {
        // nothing is held on the server
    }
}
