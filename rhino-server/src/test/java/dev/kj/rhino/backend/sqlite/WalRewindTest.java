package dev.kj.rhino.backend.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.kj.rhino.backend.KeyRange;
import dev.kj.rhino.backend.ReadTxn;
import dev.kj.rhino.backend.Row;
import dev.kj.rhino.backend.WriteTxn;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under back-to-back writes SQLite never rewinds the WAL by itself (the driver begins the writer's
 * next transaction right after each commit); the writer's rewind between transactions keeps the file
 * bounded, and loses nothing.
 */
class WalRewindTest {
    private static final long REWIND_BYTES = 1L << 20;
    private static final int BATCHES = 150;
    private static final int ROWS_PER_BATCH = 100;

    @TempDir
    Path dir;

    @Test
    void walStaysBoundedUnderSustainedWritesAndNothingIsLost() throws Exception {
        Path file = dir.resolve("rhino.db");
        Random random = new Random(7);
        byte[] value = new byte[1024];
        long revision;
        long largestWal = 0;
        try (SqliteBackend backend = SqliteBackend.open(file, REWIND_BYTES)) {
            try (ReadTxn r = backend.beginRead()) {
                revision = r.revision();
            }
            for (int b = 0; b < BATCHES; b++) {
                try (WriteTxn w = backend.beginWrite()) {
                    for (int i = 0; i < ROWS_PER_BATCH; i++) {
                        revision++;
                        w.setRevision(revision);
                        random.nextBytes(value);
                        ByteString key = ByteString.copyFromUtf8("/k/" + Long.toHexString(random.nextLong()));
                        w.put(new Row(key, revision, revision, 1, 0, ByteString.copyFrom(value)));
                    }
                    w.commit();
                }
                backend.betweenWrites();
                largestWal = Math.max(largestWal, backend.walFileBytes());
                Thread.sleep(5); // lets the checkpointer's 100 ms passes see several batches
            }
        }
        // ~150 batches of ~100 random leaves each: well over 60 MB of frames were written.
        assertTrue(largestWal < 16 * REWIND_BYTES, "WAL grew to " + largestWal + " bytes");
        try (SqliteBackend reopened = SqliteBackend.open(file)) {
            try (ReadTxn r = reopened.beginRead()) {
                assertEquals(revision, r.revision());
                assertEquals(BATCHES * ROWS_PER_BATCH, r.count(KeyRange.of(new byte[] {0}, new byte[] {0}), revision));
            }
        }
    }
}
