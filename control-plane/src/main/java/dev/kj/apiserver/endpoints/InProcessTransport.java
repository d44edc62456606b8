package dev.kj.apiserver.endpoints;

import dev.kj.api.client.Transport;
import dev.kj.apiserver.authn.User;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Requests handed straight to the API's router on the caller's thread, as {@code user}: no TCP,
 * no TLS, the same routes, checks and answers as over HTTPS. A watch's chunks are queued for the
 * reader as the router produces them; a reader that lets {@link ApiResponse.StreamSink#MAX_UNSENT_BYTES}
 * pile up is cut off, exactly as the HTTPS listener cuts off a slow connection.
 */
public final class InProcessTransport implements Transport {
    private final ApiRouter router;
    private final User user;

    public InProcessTransport(ApiRouter router, User user) {
        this.router = router;
        this.user = user;
    }

    @Override
    public Response send(Request request) throws IOException {
        Map<String, String> headers = new HashMap<>();
        request.headers().forEach((name, value) -> headers.put(name.toLowerCase(Locale.ROOT), value));
        ApiResponse response = router.handle(new ApiRequest(request.method(), request.path(), request.query(), headers,
                request.body(), Optional.of(user)));
        return switch (response) {
            case ApiResponse.Full full -> Response.of(full.status(), full.contentType(),
                    request.method().equals("HEAD") ? new byte[0] : full.body());
            case ApiResponse.Stream stream -> new Response(stream.status(), stream.contentType(), StreamBody.start(stream));
            // an in-process caller has no connection to upgrade
            case ApiResponse.Upgrade upgrade -> Response.of(400, "text/plain", "Upgrade request required".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        };
    }

    @Override
    public void close() {
        // nothing is held between requests; open streams end when their readers close them
    }

    /** A stream's chunks as an InputStream; closing it stops the producer (the watch). */
    private static final class StreamBody extends InputStream implements ApiResponse.StreamSink {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition readable = lock.newCondition();
        private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
        private byte[] current = new byte[0];
        private int position;
        private long unread;
        private boolean ended;
        private boolean cutOff;
        private boolean closed;
        private AutoCloseable producer;

        static StreamBody start(ApiResponse.Stream stream) {
            StreamBody body = new StreamBody();
            AutoCloseable producer = stream.source().start(body);
            body.lock.lock();
            try {
                body.producer = producer;
                if (!body.closed && !body.cutOff) {
                    return body;
                }
            } finally {
                body.lock.unlock();
            }
            closeQuietly(producer); // closed or cut off while starting
            return body;
        }

        @Override
        public void send(byte[] chunk) {
            AutoCloseable stop = null;
            lock.lock();
            try {
                if (ended || closed) {
                    return;
                }
                if (unread + chunk.length > MAX_UNSENT_BYTES) {
                    System.getLogger(InProcessTransport.class.getName()).log(System.Logger.Level.WARNING,
                            "closing an in-process watch: its reader stopped reading");
                    ended = true;
                    cutOff = true;
                    chunks.clear();
                    stop = producer;
                    readable.signalAll();
                } else {
                    unread += chunk.length;
                    chunks.add(chunk);
                    readable.signalAll();
                }
            } finally {
                lock.unlock();
            }
            closeQuietly(stop);
        }

        @Override
        public void end() {
            lock.lock();
            try {
                ended = true;
                readable.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            lock.lock();
            try {
                while (position == current.length) {
                    if (closed) {
                        throw new IOException("stream closed");
                    }
                    if (cutOff) {
                        throw new IOException("the server closed the stream: its reader stopped reading");
                    }
                    if (!chunks.isEmpty()) {
                        current = chunks.poll();
                        position = 0;
                        unread -= current.length;
                    } else if (ended) {
                        return -1;
                    } else {
                        readable.await();
                    }
                }
                int n = Math.min(length, current.length - position);
                System.arraycopy(current, position, buffer, offset, n);
                position += n;
                return n;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading a stream");
            } finally {
                lock.unlock();
            }
        }

        @Override
        public int available() {
            lock.lock();
            try {
                return current.length - position;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            AutoCloseable stop;
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                closed = true;
                chunks.clear();
                stop = producer;
                readable.signalAll();
            } finally {
                lock.unlock();
            }
            closeQuietly(stop);
        }

        private static void closeQuietly(AutoCloseable closeable) {
            if (closeable == null) {
                return;
            }
            try {
                closeable.close();
            } catch (Exception ignored) {
                // the stream is over either way
            }
        }
    }
}
