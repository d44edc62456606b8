package dev.kj.rhino.backend.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;

/**
 * A Redis connection that is opened again on first use after it broke. Lettuce's own reconnect
 * would re-send commands that were in flight when the connection dropped, so a commit the writer
 * already reported as failed could still be applied later; here a broken connection fails what was
 * in flight, and only new commands go to the new connection.
 */
final class Link implements AutoCloseable {
    private final RedisClient client;
    private final RedisURI uri;
    private StatefulRedisConnection<byte[], byte[]> connection;
    private boolean closed;

    Link(RedisClient client, RedisURI uri) {
        this.client = client;
        this.uri = uri;
    }

    synchronized RedisCommands<byte[], byte[]> commands() {
        if (closed) {
            throw new IllegalStateException("backend closed");
        }
        if (connection == null || !connection.isOpen()) {
            if (connection != null) {
                connection.closeAsync();
            }
            connection = client.connect(ByteArrayCodec.INSTANCE, uri);
        }
        return connection.sync();
    }

    /** Drops the connection (a blocked command on it fails); the next use opens a new one. */
    synchronized void disconnect() {
        if (connection != null) {
            connection.closeAsync();
            connection = null;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }
}
