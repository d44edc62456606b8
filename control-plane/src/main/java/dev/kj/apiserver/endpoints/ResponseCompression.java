package dev.kj.apiserver.endpoints;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * gzip for answers to clients that send {@code Accept-Encoding: gzip} (upstream's
 * APIResponseCompression, on by default since 1.16). Upstream compresses serialized API objects
 * larger than 128 KiB, at level 1 (least CPU for nearly the same ratio); watch streams are never
 * compressed. Like upstream, only a bare {@code gzip} entry counts ({@code gzip;q=0.5} does not).
 */
final class ResponseCompression {
    /** Bodies up to this size go as they are: compressing small answers costs more than it saves. */
    static final int API_THRESHOLD_BYTES = 128 * 1024;

    private ResponseCompression() {
    }

    static ApiResponse apply(ApiRequest request, ApiResponse response, int thresholdBytes) {
        if (!(response instanceof ApiResponse.Full full) || full.contentEncoding() != null
                || full.body().length <= thresholdBytes || !acceptsGzip(request)) {
            return response;
        }
        return full.withBody(full.contentType(), gzip(full.body()), "gzip");
    }

    static boolean acceptsGzip(ApiRequest request) {
        for (String token : request.header("accept-encoding").split(",")) {
            if (token.trim().equals("gzip")) {
                return true;
            }
        }
        return false;
    }

    private static byte[] gzip(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length / 4 + 64);
        try (GZIPOutputStream gzip = new GZIPOutputStream(out, 64 * 1024) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        }) {
            gzip.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }
}
