package dev.kj.api.informers;

import dev.kj.api.client.Transport;
import java.io.FilterInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real transport that a test can cut like a network partition: open responses (watches) break,
 * new requests are refused, until healed. Counts the lists and watches of configmaps that went through.
 */
final class FlakyTransport implements Transport {
    private final Transport inner;
    private final Set<Response> open = ConcurrentHashMap.newKeySet();
    private volatile boolean cut;
    final AtomicInteger lists = new AtomicInteger();
    final AtomicInteger watches = new AtomicInteger();

    FlakyTransport(Transport inner) {
        this.inner = inner;
    }

    @Override
    public Response send(Request request) throws IOException {
        if (cut) {
            throw new ConnectException("test partition: connection refused");
        }
        boolean watch = request.query().containsKey("watch");
        if (request.method().equals("GET") && request.path().endsWith("/configmaps")) {
            (watch ? watches : lists).incrementAndGet();
        }
        Response response = inner.send(request);
        Response[] tracked = new Response[1];
        tracked[0] = new Response(response.status(), response.contentType(), new FilterInputStream(response.body()) {
            @Override
            public void close() throws IOException {
                open.remove(tracked[0]);
                super.close();
            }
        });
        open.add(tracked[0]);
        if (cut) {
            // the partition began while this request was under way: it is cut too
            tracked[0].close();
            throw new ConnectException("test partition: connection reset");
        }
        return tracked[0];
    }

    void cut() throws IOException {
        cut = true;
        for (Response response : open) {
            response.close();
        }
    }

    void heal() {
        cut = false;
    }

    @Override
    public void close() {
        inner.close();
    }
}
