package dev.kj.rhino.backend;

import com.google.protobuf.ByteString;
import dev.kj.rhino.api.mvccpb.KeyValue;

/**
 * One stored revision of a key. {@code version == 0} marks a tombstone (the key was deleted at
 * {@code modRevision}).
 */
public record Row(ByteString key, long modRevision, long createRevision, long version, long lease, ByteString value) {

    public boolean isTombstone() {
        return version == 0;
    }

    public KeyValue toKeyValue() {
        if (isTombstone()) {
            return KeyValue.newBuilder().setKey(key).setModRevision(modRevision).build();
        }
        return KeyValue.newBuilder()
                .setKey(key)
                .setCreateRevision(createRevision)
                .setModRevision(modRevision)
                .setVersion(version)
                .setLease(lease)
                .setValue(value)
                .build();
    }
}
