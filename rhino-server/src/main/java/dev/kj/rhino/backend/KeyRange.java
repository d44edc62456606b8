package dev.kj.rhino.backend;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.util.Arrays;
import java.util.Comparator;

/**
 * A key interval [start, end) in bytewise order, as etcd encodes it: an empty {@code end} is the
 * single key {@code start}; {@code end == "\0"} means every key from {@code start} on.
 */
public record KeyRange(byte[] start, byte[] end) {
    private static final byte[] NONE = new byte[0];

    public KeyRange {
        start = start == null ? NONE : start;
        end = end == null ? NONE : end;
    }

    public static KeyRange of(byte[] key, byte[] rangeEnd) {
        return new KeyRange(key, rangeEnd);
    }

    public static KeyRange single(byte[] key) {
        return new KeyRange(key, NONE);
    }

    public boolean isSingleKey() {
        return end.length == 0;
    }

    /** {@code end == "\0"}: no upper bound. */
    public boolean isUnbounded() {
        return end.length == 1 && end[0] == 0;
    }

    public boolean contains(byte[] key) {
        if (isSingleKey()) {
            return Arrays.equals(start, key);
        }
        if (Arrays.compareUnsigned(key, start) < 0) {
            return false;
        }
        return isUnbounded() || Arrays.compareUnsigned(key, end) < 0;
    }

    /** {@link #contains(byte[])} without copying the key out of a protobuf. */
    public boolean contains(ByteString key) {
        Comparator<ByteString> cmp = ByteString.unsignedLexicographicalComparator();
        ByteString from = UnsafeByteOperations.unsafeWrap(start);
        if (isSingleKey()) {
            return key.equals(from);
        }
        if (cmp.compare(key, from) < 0) {
            return false;
        }
        return isUnbounded() || cmp.compare(key, UnsafeByteOperations.unsafeWrap(end)) < 0;
    }

    /** Whether the two ranges share a key (etcd's duplicate-key check in txns). */
    public boolean overlaps(KeyRange other) {
        if (isSingleKey()) {
            return other.contains(start);
        }
        if (other.isSingleKey()) {
            return contains(other.start);
        }
        boolean thisEndsBeforeOther = !isUnbounded() && Arrays.compareUnsigned(end, other.start) <= 0;
        boolean otherEndsBeforeThis = !other.isUnbounded() && Arrays.compareUnsigned(other.end, start) <= 0;
        return !thisEndsBeforeOther && !otherEndsBeforeThis;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyRange r && Arrays.equals(start, r.start) && Arrays.equals(end, r.end);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(start) + Arrays.hashCode(end);
    }

    @Override
    public String toString() {
        return "KeyRange[" + new String(start, java.nio.charset.StandardCharsets.UTF_8) + ", "
                + new String(end, java.nio.charset.StandardCharsets.UTF_8) + ")";
    }
}
