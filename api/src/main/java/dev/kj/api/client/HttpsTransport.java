package dev.kj.api.client;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The JDK's HTTP client over TLS (HTTP/2 when the server offers it through ALPN, as kj's does),
 * with the cluster's CA and the user's client certificate or bearer token from a kubeconfig.
 * Many requests, watches included, share one connection as HTTP/2 streams.
 */
public final class HttpsTransport implements Transport {
    private final URI server;
    private final HttpClient http;
    private final ExecutorService executor;
    private final Kubeconfig.User user;

    private HttpsTransport(URI server, HttpClient http, ExecutorService executor, Kubeconfig.User user) {
        this.server = server;
        this.http = http;
        this.executor = executor;
        this.user = user;
    }

    public static HttpsTransport create(Kubeconfig.Connection connection) throws IOException {
        URI server = connection.cluster().server();
        if (!"https".equalsIgnoreCase(server.getScheme())) {
            throw new IOException("only https:// servers are supported, got " + server);
        }
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .sslContext(TlsMaterial.context(connection.cluster(), connection.user()))
                .connectTimeout(Duration.ofSeconds(30))
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
        String base = server.toString();
        return new HttpsTransport(URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base), http,
                executor, connection.user());
    }

    @Override
    public Response send(Request request) throws IOException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri(request))
                .method(request.method(), request.body().length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(request.body()));
        request.headers().forEach(builder::header);
        String token = token();
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        HttpResponse<java.io.InputStream> response;
        try {
            response = http.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + request.method() + " " + request.path());
        }
        return new Response(response.statusCode(), response.headers().firstValue("content-type").orElse(""),
                response.body());
    }

    private String token() throws IOException {
        if (user.tokenFile() != null) {
            return Files.readString(user.tokenFile()).strip();
        }
        return user.token();
    }

    private URI uri(Request request) {
        StringBuilder uri = new StringBuilder(server.toString());
        for (String segment : request.path().split("/", -1)) {
            if (!segment.isEmpty()) {
                uri.append('/').append(escapePathSegment(segment));
            }
        }
        char separator = '?';
        for (Map.Entry<String, List<String>> parameter : request.query().entrySet()) {
            for (String value : parameter.getValue()) {
                uri.append(separator).append(URLEncoder.encode(parameter.getKey(), StandardCharsets.UTF_8))
                        .append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
                separator = '&';
            }
        }
        return URI.create(uri.toString());
    }

    /** RFC 3986 pchar: unreserved, sub-delims, ':' and '@' stay; everything else is percent-encoded. */
    static String escapePathSegment(String segment) {
        StringBuilder escaped = new StringBuilder();
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~!$&'()*+,;=:@".indexOf(c) >= 0)) {
                escaped.append(c);
            } else {
                escaped.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return escaped.toString();
    }

    @Override
    public void close() {
        http.shutdownNow();
        executor.shutdownNow();
    }
}
