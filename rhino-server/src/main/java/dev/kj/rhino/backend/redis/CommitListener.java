package dev.kj.rhino.backend.redis;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.sync.RedisCommands;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Reports revisions committed by any rhino process on the store. Each commit that makes a revision
 * adds the entry {@code <revision>-0} to the events stream; this thread reads the counter, reports
 * it, then blocks in XREAD for entries after it, so a commit between the read and the XREAD is
 * still seen. After a lost connection it starts over (counter first), so nothing is missed.
 */
final class CommitListener implements AutoCloseable {
    private static final Logger LOG = System.getLogger(CommitListener.class.getName());
    private static final Duration BLOCK = Duration.ofSeconds(5);
    private static final long RETRY_MILLIS = 500;

    private final Link link;
    private final Layout layout;
    private final LongConsumer committed;
    private final Thread thread;
    private volatile boolean closed;

    CommitListener(Link link, Layout layout, LongConsumer committed) {
        this.link = link;
        this.layout = layout;
        this.committed = committed;
        this.thread = Thread.ofPlatform().name("rhino-redis-listen").daemon(true).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    private void run() {
        boolean failing = false;
        while (!closed) {
            try {
                RedisCommands<byte[], byte[]> redis = link.commands();
                byte[] counter = redis.get(layout.rev);
                long last = counter == null ? 0 : Long.parseLong(new String(counter, StandardCharsets.US_ASCII));
                committed.accept(last);
                if (failing) {
                    LOG.log(Level.INFO, "listening to redis commits again from revision {0}", last);
                    failing = false;
                }
                while (!closed) {
                    List<StreamMessage<byte[], byte[]>> entries = redis.xread(XReadArgs.Builder.block(BLOCK).count(1000),
                            XReadArgs.StreamOffset.from(layout.events, last + "-0"));
                    if (entries != null && !entries.isEmpty()) {
                        String id = entries.getLast().getId();
                        last = Long.parseLong(id.substring(0, id.indexOf('-')));
                        committed.accept(last);
                    }
                }
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                if (!failing) {
                    LOG.log(Level.WARNING, "lost the redis commit feed (" + e.getMessage() + "); reconnecting");
                    failing = true;
                }
                link.disconnect();
                try {
                    Thread.sleep(RETRY_MILLIS);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        link.disconnect(); // fails the blocked XREAD
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        link.close();
    }
}
