package dev.kj.apiserver.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.RhinoServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Upstream's compaction protocol on an in-process Rhino, with two API servers sharing the store. */
class CompactorTest {
    @TempDir
    Path dir;

    @Test
    void compactsToThePreviousRoundsRevisionAndSharesRoundsBetweenServers() throws Exception {
        try (RhinoServer rhino = RhinoServer.start(new RhinoConfig("default", null, dir, List.of(), null, null, null, null));
             EtcdStorage storage = new EtcdStorage(rhino.newInProcessChannel());
             EtcdStorage other = new EtcdStorage(rhino.newInProcessChannel())) {
            long first = storage.create("/registry/configmaps/default/a", bytes("1"));
            Compactor compactor = new Compactor(storage);
            Compactor peer = new Compactor(other);

            assertEquals(0, compactor.tick(), "the first round only records a revision");
            long recorded = storage.get(Compactor.COMPACT_REV_KEY).orElseThrow().modRevision();
            storage.update("/registry/configmaps/default/a", bytes("2"), first);
            assertEquals(0, peer.tick(), "the other server lost this round: the key's version moved on");

            long compactedTo = compactor.tick();
            assertEquals(recorded, compactedTo, "compacts to the revision seen one round earlier");
            StorageException old = assertThrows(StorageException.class,
                    () -> storage.list("/registry/", null, 0, first));
            assertEquals(StorageException.Kind.COMPACTED, old.kind());
            assertEquals("2", new String(storage.get("/registry/configmaps/default/a").orElseThrow().value(),
                    StandardCharsets.UTF_8));
            assertEquals(0, peer.tick(), "the peer learnt the version last round but loses again to the newer claim");
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
