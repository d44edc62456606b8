package dev.kj.apiserver.registry.core.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.storage.EtcdStorage;
import dev.kj.apiserver.storage.StorageException;
import dev.kj.apiserver.storage.StoredValue;
import java.io.IOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * Upstream's allocator.AllocationBitmap kept in etcd as a v1 RangeAllocation (the key
 * {@code /registry/ranges/serviceips} or {@code …/servicenodeports}): bit i of the big-endian
 * {@code data} is set when item i of {@code range} is taken. Every change is a read, a change of
 * the bitmap and a write guarded by the revision read, retried on conflicts, so several API
 * servers share it as upstream's do. Random allocation prefers items at or above {@code offset}
 * (upstream's randomScanStrategyWithOffset: the lower band is left for items clients ask for).
 */
final class RangeAllocation {
    private static final int CONFLICT_RETRIES = 64;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EtcdStorage storage;
    private final String key;
    private final String range;
    private final int size;
    private final int offset;
    private final String noun;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param noun what the errors call an item ("serviceIP", "nodePort")
     */
    RangeAllocation(EtcdStorage storage, String key, String range, int size, int offset, String noun) {
        this.storage = storage;
        this.key = key;
        this.range = range;
        this.size = size;
        this.offset = offset;
        this.noun = noun;
    }

    /** Creates the (empty) allocation object when the store has none yet, as upstream's repair controller does. */
    void ensureExists() {
        if (storage.get(key).isEmpty()) {
            try {
                storage.create(key, encode(BigInteger.ZERO));
            } catch (StorageException e) {
                if (e.kind() != StorageException.Kind.KEY_EXISTS) {
                    throw e;
                }
            }
        }
    }

    int size() {
        return size;
    }

    /** Takes item {@code index}; false when it is taken already. {@code dryRun} only checks. */
    boolean allocate(int index, boolean dryRun) {
        return change(bitmap -> bitmap.testBit(index) ? null : bitmap.setBit(index), dryRun) != null;
    }

    /** Takes a free item chosen at random (upper band first); empty when the range is full. */
    OptionalInt allocateNext(boolean dryRun) {
        int[] chosen = new int[1];
        BigInteger written = change(bitmap -> {
            int free = pick(bitmap);
            if (free < 0) {
                return null;
            }
            chosen[0] = free;
            return bitmap.setBit(free);
        }, dryRun);
        return written == null ? OptionalInt.empty() : OptionalInt.of(chosen[0]);
    }

    void release(int index) {
        change(bitmap -> bitmap.testBit(index) ? bitmap.clearBit(index) : null, false);
    }

    boolean isAllocated(int index) {
        return read().bitmap().testBit(index);
    }

    private int pick(BigInteger bitmap) {
        int upper = size - offset;
        if (upper > 0) {
            int start = random.nextInt(upper);
            for (int i = 0; i < upper; i++) {
                int at = offset + (start + i) % upper;
                if (!bitmap.testBit(at)) {
                    return at;
                }
            }
        }
        if (offset > 0) {
            int start = random.nextInt(offset);
            for (int i = 0; i < offset; i++) {
                int at = (start + i) % offset;
                if (!bitmap.testBit(at)) {
                    return at;
                }
            }
        }
        return -1;
    }

    private record Snapshot(BigInteger bitmap, long modRevision) {
    }

    private Snapshot read() {
        StoredValue value = storage.get(key).orElseThrow(() -> StatusException.internal(
                "cannot allocate resources of type " + noun + " at this time"));
        try {
            JsonNode stored = JSON.readTree(value.value());
            if (!range.equals(stored.path("range").asText())) {
                throw StatusException.internal("the provided range does not match the current range");
            }
            byte[] data = Base64.getDecoder().decode(stored.path("data").asText(""));
            return new Snapshot(new BigInteger(1, data), value.modRevision());
        } catch (IOException | IllegalArgumentException e) {
            throw StatusException.internal("cannot decode " + key + ": " + e.getMessage());
        }
    }

    /**
     * Applies {@code change} to the stored bitmap; a null result means "nothing to do" and is
     * returned as null. Writes unless {@code dryRun}.
     */
    private BigInteger change(Function<BigInteger, BigInteger> change, boolean dryRun) {
        for (int attempt = 0; ; attempt++) {
            Snapshot current = read();
            BigInteger next = change.apply(current.bitmap());
            if (next == null || dryRun) {
                return next;
            }
            try {
                storage.update(key, encode(next), current.modRevision());
                return next;
            } catch (StorageException e) {
                if (e.kind() != StorageException.Kind.CONFLICT || attempt >= CONFLICT_RETRIES) {
                    throw StatusException.internal(e.getMessage());
                }
            }
        }
    }

    /** The RangeAllocation as upstream's JSON encoding writes it (big.Int.Bytes(): no sign byte). */
    private byte[] encode(BigInteger bitmap) {
        byte[] bytes = bitmap.toByteArray();
        if (bytes.length > 0 && bytes[0] == 0) {
            bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        ObjectNode allocation = JSON.createObjectNode();
        allocation.put("kind", "RangeAllocation");
        allocation.put("apiVersion", "v1");
        allocation.putObject("metadata").putNull("creationTimestamp");
        allocation.put("range", range);
        allocation.put("data", Base64.getEncoder().encodeToString(bytes));
        try {
            return JSON.writeValueAsBytes(allocation);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
