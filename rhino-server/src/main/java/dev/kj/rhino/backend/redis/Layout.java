package dev.kj.rhino.backend.redis;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.kj.rhino.backend.Row;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Rhino's Redis key names under one prefix and the byte layout of sorted-set members. Every sorted
 * set keeps all scores 0, so Redis orders members bytewise (memcmp) and ZRANGEBYLEX ranges are key
 * ranges.
 *
 * <ul>
 *   <li>{@code hist}: every stored row, member = esc(key) · rev(8) · sub(4) · create(8) · version(8) ·
 *       lease(8) · value. esc() is order preserving (0x00 → 0x00 0xFF, then the terminator
 *       0x00 0x01), so a key's rows are contiguous and ascend by revision: "newest row of k at or
 *       below R" is one ZREVRANGEBYLEX.</li>
 *   <li>{@code log}: member = rev(8) · sub(4) · key — the history in write order.</li>
 *   <li>{@code live}: member = key, for every key that exists now.</li>
 *   <li>{@code leasekeys}: member = lease(8) · key, for live keys attached to a lease.</li>
 * </ul>
 * Numbers are big-endian, so their byte order is their numeric order (all are non-negative).
 */
final class Layout {
    /** Bytes after esc(key) before the value: rev, sub, create, version, lease. */
    static final int ROW_HEADER = 8 + 4 + 8 + 8 + 8;
    static final int ID_BYTES = 12;
    private static final byte[] TERMINATOR = {0, 1};

    final String prefix;
    final byte[] rev;
    final byte[] seq;
    final byte[] meta;
    final byte[] hist;
    final byte[] log;
    final byte[] live;
    final byte[] leaseKeys;
    final byte[] leases;
    final byte[] events;
    final byte[] buckets;

    Layout(String prefix) {
        this.prefix = prefix;
        this.rev = name("rev");
        this.seq = name("seq");
        this.meta = name("meta");
        this.hist = name("hist");
        this.log = name("log");
        this.live = name("live");
        this.leaseKeys = name("leasekeys");
        this.leases = name("lease");
        this.events = name("events");
        this.buckets = name("buckets");
    }

    byte[] name(String suffix) {
        return (prefix + suffix).getBytes(StandardCharsets.UTF_8);
    }

    byte[] records(String bucket) {
        return name("rec:" + bucket);
    }

    /** Every fixed key of the layout (record hashes are found through {@link #buckets}). */
    byte[][] fixedKeys() {
        return new byte[][] {rev, seq, meta, hist, log, live, leaseKeys, leases, events, buckets};
    }

    /** The order-preserving, self-delimiting encoding of a key. */
    static byte[] esc(byte[] key) {
        int zero = 0;
        while (zero < key.length && key[zero] != 0) {
            zero++;
        }
        if (zero == key.length) {
            byte[] out = Arrays.copyOf(key, key.length + TERMINATOR.length); // nothing to escape
            System.arraycopy(TERMINATOR, 0, out, key.length, TERMINATOR.length);
            return out;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(key.length + 4);
        for (byte b : key) {
            out.write(b);
            if (b == 0) {
                out.write(0xFF);
            }
        }
        out.writeBytes(TERMINATOR);
        return out.toByteArray();
    }

    static byte[] be8(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    static byte[] id(long revision, int sub) {
        return ByteBuffer.allocate(ID_BYTES).putLong(revision).putInt(sub).array();
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    static byte[] histMember(Row row, int sub) {
        byte[] esc = esc(row.key().toByteArray());
        ByteBuffer b = ByteBuffer.allocate(esc.length + ROW_HEADER + row.value().size());
        b.put(esc).putLong(row.modRevision()).putInt(sub).putLong(row.createRevision()).putLong(row.version())
                .putLong(row.lease());
        row.value().copyTo(b);
        return b.array();
    }

    static byte[] logMember(long revision, int sub, byte[] key) {
        return concat(id(revision, sub), key);
    }

    /** Length of esc(key) at the start of a hist member (up to and including the terminator). */
    static int escLength(byte[] member) {
        for (int i = 0; i + 1 < member.length; i++) {
            if (member[i] == 0) {
                if (member[i + 1] == 1) {
                    return i + 2;
                }
                i++; // an escaped 0x00 0xFF
            }
        }
        throw new IllegalStateException("not a rhino row: no key terminator");
    }

    static byte[] unesc(byte[] member, int escLength) {
        int zero = 0;
        while (zero < escLength - 2 && member[zero] != 0) {
            zero++;
        }
        if (zero == escLength - 2) {
            return Arrays.copyOf(member, zero); // no escaped 0x00: the common case, one copy
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(escLength);
        for (int i = 0; i < escLength - 2; i++) {
            out.write(member[i]);
            if (member[i] == 0) {
                i++;
            }
        }
        return out.toByteArray();
    }

    /** Decodes a hist member; a member cut after its header (keys-only reads) has an empty value. */
    static Row row(byte[] member) {
        return row(member, false);
    }

    /**
     * Decodes a hist member, leaving out the value when {@code keysOnly}. The value shares the
     * member's bytes (members come fresh from a reply and nothing else holds them).
     */
    static Row row(byte[] member, boolean keysOnly) {
        int escLength = escLength(member);
        ByteBuffer b = ByteBuffer.wrap(member, escLength, member.length - escLength);
        long revision = b.getLong();
        b.getInt();
        long create = b.getLong();
        long version = b.getLong();
        long lease = b.getLong();
        ByteString value = !keysOnly && member.length > escLength + ROW_HEADER
                ? UnsafeByteOperations.unsafeWrap(member, escLength + ROW_HEADER, member.length - escLength - ROW_HEADER)
                : ByteString.EMPTY;
        return new Row(ByteString.copyFrom(unesc(member, escLength)), revision, create, version, lease, value);
    }

    /** The id (rev · sub) of a hist member. */
    static byte[] idOf(byte[] member) {
        int escLength = escLength(member);
        return Arrays.copyOfRange(member, escLength, escLength + ID_BYTES);
    }
}
