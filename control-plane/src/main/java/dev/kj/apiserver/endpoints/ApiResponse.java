package dev.kj.apiserver.endpoints;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What the API answers: a complete body, or a stream (watch) the transport feeds to the client. */
public sealed interface ApiResponse {
    int status();

    String contentType();

    /**
     * @param contentEncoding "gzip" when {@code body} is compressed, else null
     * @param headers         further response headers in order (a name may repeat, as Warning does)
     */
    record Full(int status, String contentType, byte[] body, String contentEncoding,
                List<Map.Entry<String, String>> headers) implements ApiResponse {
        public Full {
            headers = List.copyOf(headers);
        }

        public Full(int status, String contentType, byte[] body, String contentEncoding) {
            this(status, contentType, body, contentEncoding, List.of());
        }

        public Full(int status, String contentType, byte[] body) {
            this(status, contentType, body, null);
        }

        /** This answer with one more header. */
        public Full withHeader(String name, String value) {
            List<Map.Entry<String, String>> more = new ArrayList<>(headers);
            more.add(Map.entry(name, value));
            return new Full(status, contentType, body, contentEncoding, more);
        }

        /** This answer with another body (same headers). */
        public Full withBody(String newContentType, byte[] newBody, String newContentEncoding) {
            return new Full(status, newContentType, newBody, newContentEncoding, headers);
        }

        public static Full text(int status, String text) {
            return new Full(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A streamed 200 response: the transport calls {@code source.start(sink)} once headers are out. */
    record Stream(String contentType, StreamSource source) implements ApiResponse {
        public int status() {
            return 200;
        }
    }

    /**
     * An upgrade request (exec, attach, port-forward, an upgrading nodes/proxy request) handed on to
     * a kubelet: the transport sends the request head to {@code host:port} over {@code tls} with
     * {@code pathAndQuery}, then joins the two connections byte for byte (the kubelet's 101 included).
     */
    record Upgrade(String host, int port, javax.net.ssl.SSLContext tls, String pathAndQuery) implements ApiResponse {
        public int status() {
            return 101;
        }

        public String contentType() {
            return "";
        }
    }

    /** Starts producing chunks into the sink; closing the result stops it (the client went away). */
    @FunctionalInterface
    interface StreamSource {
        AutoCloseable start(StreamSink sink);
    }

    /** Where a stream's chunks go; safe to call from any thread, in order. */
    interface StreamSink {
        /**
         * A transport whose client lets this much pile up unread cuts the stream off rather than
         * buffer without bound; the client relists and watches again, as after any dropped watch.
         */
        long MAX_UNSENT_BYTES = 32L * 1024 * 1024;

        void send(byte[] chunk);

        /** Ends the response; later sends are dropped. */
        void end();
    }
}
