package dev.kj.apiserver.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class IdentityMemoTest {
    @Test
    void computesOncePerKeyInstanceNotPerEqualKey() {
        IdentityMemo<String, String> memo = new IdentityMemo<>(8);
        AtomicInteger computed = new AtomicInteger();
        String key = new String("event");
        String first = memo.get(key, k -> k + "#" + computed.incrementAndGet());
        assertSame(first, memo.get(key, k -> k + "#" + computed.incrementAndGet()));
        assertEquals(1, computed.get());
        String equalButOther = new String("event");
        assertEquals("event#2", memo.get(equalButOther, k -> k + "#" + computed.incrementAndGet()),
                "an equal key of another identity is another event");
    }

    @Test
    void aSlotTakenByAnotherKeyIsComputedAgain() {
        IdentityMemo<Object, Integer> memo = new IdentityMemo<>(1); // one slot: every key evicts the last
        AtomicInteger computed = new AtomicInteger();
        Object a = new Object();
        Object b = new Object();
        memo.get(a, k -> computed.incrementAndGet());
        memo.get(b, k -> computed.incrementAndGet());
        assertEquals(3, memo.get(a, k -> computed.incrementAndGet()));
    }

    @Test
    void sizeMustBeAPowerOfTwo() {
        assertThrows(IllegalArgumentException.class, () -> new IdentityMemo<>(6));
    }
}
