package dev.kj.rhino.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class PeersTest {
    @Test
    void findsProgramsOnPath() {
        assertTrue(Peers.find("sh").isPresent());
        assertFalse(Peers.find("kj-no-such-peer").isPresent());
    }

    @Test
    void missingPeerFailsInCiAndSkipsElsewhere() {
        Class<? extends Throwable> expected = Peers.inCi() ? AssertionFailedError.class : TestAbortedException.class;
        assertThrows(expected, () -> Peers.require("kj-no-such-peer"));
    }
}
