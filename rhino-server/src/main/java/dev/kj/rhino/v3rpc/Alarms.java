package dev.kj.rhino.v3rpc;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.kj.rhino.api.etcdserverpb.AlarmMember;
import dev.kj.rhino.api.etcdserverpb.AlarmType;
import dev.kj.rhino.backend.ReadTxn;
import dev.kj.rhino.mvcc.EtcdError;
import dev.kj.rhino.mvcc.MvccStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The member's active alarms and what they forbid, as etcd's capped/corrupt appliers do:
 * NOSPACE rejects puts, writing txns and lease grants; CORRUPT rejects every write. Persisted as
 * records (bucket {@code alarm}) through the writer, so they survive a restart as etcd's do; checks
 * read the in-memory copy.
 */
final class Alarms {
    private static final String BUCKET = "alarm";

    private final MvccStore store;
    private final Set<AlarmMember> active = ConcurrentHashMap.newKeySet();

    Alarms(MvccStore store) {
        this.store = store;
        try (ReadTxn txn = store.beginRead()) {
            for (byte[] value : txn.records(BUCKET).values()) {
                try {
                    active.add(AlarmMember.parseFrom(value));
                } catch (InvalidProtocolBufferException e) {
                    throw new IllegalStateException("unreadable alarm record", e);
                }
            }
        }
    }

    private static String name(AlarmMember alarm) {
        return Long.toHexString(alarm.getMemberID()) + "/" + alarm.getAlarmValue();
    }

    /** Adds an alarm once it is durable; returns it (also when it was already active). */
    AlarmMember activate(long memberId, AlarmType type) {
        AlarmMember alarm = AlarmMember.newBuilder().setMemberID(memberId).setAlarm(type).build();
        store.write(ctx -> {
            ctx.txn().putRecord(BUCKET, name(alarm), alarm.toByteArray());
            return null;
        }).join();
        active.add(alarm);
        return alarm;
    }

    /** Removes an alarm; returns it, or {@code null} when it was not active. */
    AlarmMember deactivate(long memberId, AlarmType type) {
        AlarmMember alarm = AlarmMember.newBuilder().setMemberID(memberId).setAlarm(type).build();
        if (!active.contains(alarm)) {
            return null;
        }
        store.write(ctx -> {
            ctx.txn().deleteRecord(BUCKET, name(alarm));
            return null;
        }).join();
        return active.remove(alarm) ? alarm : null;
    }

    /** Active alarms of {@code type}; NONE means all of them. */
    List<AlarmMember> get(AlarmType type) {
        List<AlarmMember> result = new ArrayList<>();
        for (AlarmMember alarm : active) {
            if (type == AlarmType.NONE || alarm.getAlarm() == type) {
                result.add(alarm);
            }
        }
        return result;
    }

    /** For requests a NOSPACE alarm refuses (puts, writing txns, lease grants). */
    void checkSpace() {
        checkCorrupt();
        if (!get(AlarmType.NOSPACE).isEmpty()) {
            throw EtcdError.NO_SPACE.exception();
        }
    }

    /** For every other write. */
    void checkCorrupt() {
        if (!get(AlarmType.CORRUPT).isEmpty()) {
            throw EtcdError.CORRUPT.exception();
        }
    }
}
