package dev.kj.rhino.backend.redis;

import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.ArrayOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.ProtocolKeyword;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * How a commit becomes durable before rhino acknowledges it: the server fsyncs its append-only file
 * before answering ({@code appendfsync always}), or rhino waits for that fsync with
 * {@code WAITAOF 1 0} (Redis 7.2 and later), or — only when the endpoint says
 * {@code unsafe-no-fsync=true} — not at all.
 */
sealed interface Durability {
    /** Called on the writer's connection right after a commit script wrote something. */
    void afterCommit(RedisCommands<byte[], byte[]> redis);

    String describe();

    /** The server fsyncs the AOF before it answers a write. */
    record ServerFsync() implements Durability {
        @Override
        public void afterCommit(RedisCommands<byte[], byte[]> redis) {
        }

        @Override
        public String describe() {
            return "appendfsync always";
        }
    }

    /** WAITAOF: block until the local AOF holds every write made on this connection. */
    record WaitAof(long timeoutMillis) implements Durability {
        private static final ProtocolKeyword WAITAOF = new ProtocolKeyword() {
            private final byte[] name = "WAITAOF".getBytes(StandardCharsets.US_ASCII);

            @Override
            public byte[] getBytes() {
                return name;
            }

            @Override
            public String toString() {
                return "WAITAOF";
            }
        };

        @Override
        public void afterCommit(RedisCommands<byte[], byte[]> redis) {
            List<Object> acked = redis.dispatch(WAITAOF, new ArrayOutput<>(ByteArrayCodec.INSTANCE),
                    new CommandArgs<>(ByteArrayCodec.INSTANCE).add(1).add(0).add(timeoutMillis));
            if (acked.isEmpty() || !Long.valueOf(1).equals(acked.getFirst())) {
                throw new IllegalStateException("redis did not fsync the commit within " + timeoutMillis
                        + " ms (WAITAOF answered " + acked + ")");
            }
        }

        @Override
        public String describe() {
            return "WAITAOF after each commit";
        }
    }

    /** The operator accepted losing acknowledged writes when Redis crashes. */
    record None() implements Durability {
        @Override
        public void afterCommit(RedisCommands<byte[], byte[]> redis) {
        }

        @Override
        public String describe() {
            return "unsafe-no-fsync: acknowledged writes are lost if Redis crashes before it saves them";
        }
    }
}
