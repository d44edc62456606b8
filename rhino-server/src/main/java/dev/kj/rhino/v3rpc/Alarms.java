package dev.kj.rhino.v3rpc;

import dev.kj.rhino.api.etcdserverpb.AlarmMember;
import dev.kj.rhino.api.etcdserverpb.AlarmType;
import dev.kj.rhino.mvcc.EtcdError;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The member's active alarms and what they forbid, as etcd's capped/corrupt appliers do:
 * NOSPACE rejects puts, writing txns and lease grants; CORRUPT rejects every write.
 * Kept in memory only (etcd persists them): a restart clears them.
 */
final class Alarms {
    private final Set<AlarmMember> active = ConcurrentHashMap.newKeySet();

    /** Adds an alarm; returns it (also when it was already active). */
    AlarmMember activate(long memberId, AlarmType type) {
        AlarmMember alarm = AlarmMember.newBuilder().setMemberID(memberId).setAlarm(type).build();
        active.add(alarm);
        return alarm;
    }

    /** Removes an alarm; returns it, or {@code null} when it was not active. */
    AlarmMember deactivate(long memberId, AlarmType type) {
        AlarmMember alarm = AlarmMember.newBuilder().setMemberID(memberId).setAlarm(type).build();
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
