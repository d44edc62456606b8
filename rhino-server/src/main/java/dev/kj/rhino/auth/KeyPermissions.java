package dev.kj.rhino.auth;

import com.google.protobuf.ByteString;
import dev.kj.rhino.api.authpb.Permission;
import dev.kj.rhino.api.authpb.Role;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One user's merged key permissions, as etcd's range permission cache holds them: the read and the
 * write intervals of all the user's roles. Keys compare as etcd's "affine" byte strings, where the
 * empty string is +infinity; a permission without range end is the point [key, key+"\0"), one whose
 * range end is "\0" reaches to +infinity.
 */
final class KeyPermissions {
    /** [begin, end) with affine comparison (empty = +infinity). */
    record Interval(ByteString begin, ByteString end) {
        static Interval point(ByteString key) {
            return new Interval(key, key.concat(ByteString.copyFrom(new byte[] {0})));
        }

        boolean overlaps(Interval other) {
            return compare(begin, other.end) < 0 && compare(other.begin, end) < 0;
        }
    }

    private static final Comparator<Interval> BY_BEGIN = (a, b) -> compare(a.begin(), b.begin());

    private final List<Interval> read;
    private final List<Interval> write;

    private KeyPermissions(List<Interval> read, List<Interval> write) {
        this.read = read;
        this.write = write;
    }

    static KeyPermissions of(List<Role> roles) {
        List<Interval> read = new ArrayList<>();
        List<Interval> write = new ArrayList<>();
        for (Role role : roles) {
            for (Permission perm : role.getKeyPermissionList()) {
                Interval interval = perm.getRangeEnd().isEmpty() ? Interval.point(perm.getKey())
                        : new Interval(perm.getKey(), isZero(perm.getRangeEnd()) ? ByteString.EMPTY : perm.getRangeEnd());
                switch (perm.getPermType()) {
                    case READ -> read.add(interval);
                    case WRITE -> write.add(interval);
                    case READWRITE -> {
                        read.add(interval);
                        write.add(interval);
                    }
                    case UNRECOGNIZED -> { }
                }
            }
        }
        read.sort(BY_BEGIN);
        write.sort(BY_BEGIN);
        return new KeyPermissions(List.copyOf(read), List.copyOf(write));
    }

    boolean permits(boolean forWrite, ByteString key, ByteString rangeEnd) {
        List<Interval> granted = forWrite ? write : read;
        if (rangeEnd.isEmpty()) {
            Interval point = Interval.point(key);
            return granted.stream().anyMatch(point::overlaps);
        }
        return contains(granted, new Interval(key, isZero(rangeEnd) ? ByteString.EMPTY : rangeEnd));
    }

    /** The granted intervals overlapping {@code wanted}, in begin order, cover it without a gap. */
    private static boolean contains(List<Interval> granted, Interval wanted) {
        ByteString minBegin = null;
        ByteString maxEnd = null;
        for (Interval g : granted) {
            if (!g.overlaps(wanted)) {
                continue;
            }
            if (minBegin == null) {
                minBegin = g.begin();
                maxEnd = g.end();
                continue;
            }
            if (compare(maxEnd, g.begin()) < 0) {
                return false;
            }
            if (compare(g.end(), maxEnd) > 0) {
                maxEnd = g.end();
            }
        }
        return minBegin != null && compare(maxEnd, wanted.end()) >= 0 && compare(minBegin, wanted.begin()) <= 0;
    }

    private static boolean isZero(ByteString end) {
        return end.size() == 1 && end.byteAt(0) == 0;
    }

    /** Bytewise, except that the empty string is greater than everything (etcd's BytesAffineComparable). */
    static int compare(ByteString a, ByteString b) {
        if (a.isEmpty()) {
            return b.isEmpty() ? 0 : 1;
        }
        if (b.isEmpty()) {
            return -1;
        }
        return ByteString.unsignedLexicographicalComparator().compare(a, b);
    }
}
