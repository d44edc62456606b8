package dev.kj.kubelet.prober;

import dev.kj.api.client.TrustEverything;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * The httpGet check. As upstream: HTTP/1.1, TLS without verification (pods serve self-signed
 * certificates), {@code User-Agent} and {@code Accept: *}{@code /*} unless the probe's headers set
 * them, redirects followed only while they stay on the same host (at most 10), and a redirect to
 * another host ends the chain with that 3xx as a warning. A probe succeeds on 200–399.
 *
 * <p>Not done: a {@code Host} header in httpHeaders is not sent (the JDK client refuses to set it).
 */
final class HttpHandler {
    private static final int MAX_REDIRECTS = 10;

    /** What a GET ended with; {@code redirectStopped} when a 3xx to another host was not followed. */
    record Response(int status, String body, boolean redirectStopped) {
    }

    /** A GET that did not produce a response; the message is Go's url.Error text. */
    static final class Failed extends Exception {
        Failed(String message) {
            super(message);
        }
    }

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .sslContext(trustingEverything())
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .build();

    Outcome get(Action.HttpGet get, Target target, Duration timeout, String userAgent) throws HandlerException {
        Response response;
        try {
            response = fetch(get, target, timeout, userAgent);
        } catch (Failed e) {
            return Outcome.failure(e.getMessage());
        }
        if (response.status() >= 200 && response.status() < 400) {
            return response.status() >= 300
                    ? Outcome.warning("Probe terminated redirects, Response body: " + response.body())
                    : Outcome.success(response.body());
        }
        return Outcome.failure("HTTP probe failed with statuscode: " + response.status());
    }

    /** Performs the GET; {@code timeout} zero means none (lifecycle hooks). */
    Response fetch(Action.HttpGet get, Target target, Duration timeout, String userAgent) throws HandlerException, Failed {
        URI uri = uri(get, target);
        String firstHost = uri.getHost();
        for (int redirects = 0; ; redirects++) {
            HttpRequest request = request(uri, get, timeout, userAgent);
            HttpResponse<InputStream> response;
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            } catch (HttpTimeoutException e) {
                throw new Failed("Get " + GoText.quote(uri.toString())
                        + ": context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
            } catch (IOException e) {
                throw new Failed("Get " + GoText.quote(uri.toString()) + ": "
                        + (GoText.isConnectFailure(e) ? dialFailure(uri, timeout, e) : describe(e)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Failed("Get " + GoText.quote(uri.toString()) + ": context canceled");
            }
            String body = body(response);
            Optional<String> location = response.headers().firstValue("Location");
            if (!isRedirect(response.statusCode()) || location.isEmpty()) {
                return new Response(response.statusCode(), body, false);
            }
            URI next;
            try {
                next = uri.resolve(new URI(location.get()));
            } catch (URISyntaxException e) {
                throw new Failed("Get " + GoText.quote(uri.toString()) + ": failed to parse Location header "
                        + GoText.quote(location.get()) + ": " + e.getMessage());
            }
            if (next.getHost() == null || !next.getHost().equalsIgnoreCase(firstHost)) {
                return new Response(response.statusCode(), body, true);
            }
            if (redirects + 1 >= MAX_REDIRECTS) {
                throw new Failed("Get " + GoText.quote(next.toString()) + ": stopped after " + MAX_REDIRECTS + " redirects");
            }
            uri = next;
        }
    }

    /**
     * Why the connect failed, in Go's words. The JDK client reports a refused connect as a bare
     * ConnectException around a ClosedChannelException, so the reason is asked of a plain connect.
     */
    private static String dialFailure(URI uri, Duration timeout, IOException failure) {
        String address = GoText.hostPort(uri.getHost().replaceAll("^\\[|\\]$", ""), port(uri));
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(uri.getHost(), port(uri)),
                    (int) Math.max(1, timeout.isZero() ? 10_000 : timeout.toMillis()));
            return GoText.dialError(address, failure);
        } catch (IOException e) {
            return GoText.dialError(address, e);
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
    }

    private static String describe(IOException e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private static String body(HttpResponse<InputStream> response) {
        try (InputStream in = response.body()) {
            return Handlers.capped(in.readNBytes(Handlers.MAX_OUTPUT));
        } catch (IOException e) {
            return "";
        }
    }

    static URI uri(Action.HttpGet get, Target target) throws HandlerException {
        String scheme = get.scheme().toLowerCase(Locale.ROOT);
        String host = get.host().orElse(target.podIP());
        int port = Handlers.resolvePort(get.port(), target.container());
        String path = get.path();
        if (!path.isEmpty() && !path.startsWith("/")) {
            path = "/" + path;
        }
        try {
            return new URI(scheme + "://" + GoText.hostPort(host, port) + path);
        } catch (URISyntaxException e) {
            throw new HandlerException("parse " + GoText.quote(path) + ": " + e.getReason());
        }
    }

    private static HttpRequest request(URI uri, Action.HttpGet get, Duration timeout, String userAgent) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET();
        if (!timeout.isZero()) {
            request.timeout(timeout);
        }
        boolean userAgentSet = false, acceptSet = false;
        for (Action.Header header : get.headers()) {
            String name = header.name();
            if (name.equalsIgnoreCase("Host")) {
                continue;
            }
            if (name.equalsIgnoreCase("User-Agent")) {
                userAgentSet = true;
            } else if (name.equalsIgnoreCase("Accept")) {
                acceptSet = true;
            }
            // An empty value only removes a default (upstream deletes an empty Accept).
            if (!header.value().isEmpty()) {
                request.header(name, header.value());
            }
        }
        if (!userAgentSet) {
            request.header("User-Agent", userAgent);
        }
        if (!acceptSet) {
            request.header("Accept", "*/*");
        }
        return request.build();
    }

    /** Pods' HTTPS endpoints are probed without certificate or host name checks, as upstream's InsecureSkipVerify. */
    private static SSLContext trustingEverything() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new TrustEverything()}, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS in this JDK", e);
        }
    }
}
