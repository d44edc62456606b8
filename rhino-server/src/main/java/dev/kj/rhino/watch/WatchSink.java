package dev.kj.rhino.watch;

import dev.kj.rhino.api.etcdserverpb.WatchResponse;

/** Where a watch stream's responses go, in order. {@link #send} may block for flow control. */
@FunctionalInterface
public interface WatchSink {
    void send(WatchResponse response) throws InterruptedException;
}
