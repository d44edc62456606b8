package dev.kj.apiserver.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kj.api.client.Kubeconfig;
import dev.kj.api.client.TlsMaterial;
import dev.kj.apiserver.endpoints.ApiResponse;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.pki.ClusterPki;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * The API server's connection to kubelets (upstream's kubelet client config): TLS with the
 * {@code apiserver-kubelet-client} certificate, the kubelet's serving certificate verified against
 * the cluster CA. Plain requests (logs, nodes/proxy) go through an HTTP client; upgrades are
 * answered with {@link ApiResponse.Upgrade} for the transport to splice.
 */
public final class KubeletClient {
    /** Where a node's kubelet listens. */
    public record Location(String host, int port) {
        String authority() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    private final SSLContext tls;
    private final SSLContext insecure;
    private final HttpClient http;
    private final HttpClient insecureHttp;

    public KubeletClient(ClusterPki pki) throws IOException {
        ClusterPki.Component identity = pki.components().stream()
                .filter(c -> c.stem().equals("apiserver-kubelet-client")).findFirst().orElseThrow();
        Kubeconfig.User user = new Kubeconfig.User(Files.readAllBytes(pki.componentCert(identity)),
                Files.readAllBytes(pki.componentKey(identity)), null, null);
        this.tls = TlsMaterial.context(new Kubeconfig.Cluster(URI.create("https://kubelet"), Files.readAllBytes(pki.caCert()), false), user);
        this.insecure = TlsMaterial.context(new Kubeconfig.Cluster(URI.create("https://kubelet"), null, true), user);
        this.http = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        this.insecureHttp = HttpClient.newBuilder().sslContext(insecure).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    /**
     * The node's kubelet: status.daemonEndpoints.kubeletEndpoint.Port on its InternalIP, else its
     * Hostname address.
     */
    public static Location locate(JsonNode node) {
        String name = node.path("metadata").path("name").asText();
        int port = node.path("status").path("daemonEndpoints").path("kubeletEndpoint").path("Port").asInt(0);
        if (port <= 0) {
            throw StatusException.badRequest("node " + name + " does not report a kubelet port");
        }
        for (String type : java.util.List.of("InternalIP", "Hostname")) {
            for (JsonNode address : node.path("status").path("addresses")) {
                if (address.path("type").asText().equals(type) && !address.path("address").asText().isEmpty()) {
                    return new Location(address.path("address").asText(), port);
                }
            }
        }
        throw StatusException.badRequest("no preferred addresses found; known addresses: []");
    }

    /** A GET whose body streams to the client (logs); a kubelet error becomes the API error. */
    public ApiResponse stream(Location at, String pathAndQuery, boolean skipVerify) {
        HttpResponse<InputStream> response = send(at, "GET", pathAndQuery, new byte[0], null, skipVerify);
        if (response.statusCode() != 200) {
            throw kubeletError(response);
        }
        return new ApiResponse.Stream("text/plain", sink -> {
            InputStream body = response.body();
            Thread.ofVirtual().name("kubelet-stream").start(() -> {
                byte[] buffer = new byte[16384];
                try (body) {
                    int n;
                    while ((n = body.read(buffer)) > 0) {
                        sink.send(java.util.Arrays.copyOf(buffer, n));
                    }
                } catch (IOException e) {
                    // the kubelet or the client went away: the response ends either way
                } finally {
                    sink.end();
                }
            });
            return body::close;
        });
    }

    /** Any request, answered whole (nodes/proxy). */
    public ApiResponse.Full proxy(Location at, String method, String pathAndQuery, byte[] body, String contentType) {
        HttpResponse<InputStream> response = send(at, method, pathAndQuery, body, contentType, false);
        try (InputStream in = response.body()) {
            byte[] bytes = in.readAllBytes();
            return new ApiResponse.Full(response.statusCode(),
                    response.headers().firstValue("content-type").orElse("text/plain; charset=utf-8"), bytes);
        } catch (IOException e) {
            throw dialError(e);
        }
    }

    /** An upgrade request handed on to the kubelet. */
    public ApiResponse.Upgrade upgrade(Location at, String pathAndQuery) {
        return new ApiResponse.Upgrade(at.host(), at.port(), tls, pathAndQuery);
    }

    private HttpResponse<InputStream> send(Location at, String method, String pathAndQuery, byte[] body,
                                           String contentType, boolean skipVerify) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://" + at.authority() + pathAndQuery))
                .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        try {
            return (skipVerify ? insecureHttp : http).send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw dialError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw StatusException.internal("interrupted");
        }
    }

    private static StatusException dialError(IOException e) {
        return StatusException.internal("error dialing backend: " + e.getMessage());
    }

    private static StatusException kubeletError(HttpResponse<InputStream> response) {
        String text;
        try (InputStream in = response.body()) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            text = e.getMessage();
        }
        return switch (response.statusCode()) {
            case 400 -> StatusException.badRequest(text);
            case 401 -> new StatusException(401, "Unauthorized", text, null);
            case 403 -> new StatusException(403, "Forbidden", text, null);
            case 404 -> new StatusException(404, "NotFound", text, null);
            default -> new StatusException(response.statusCode(), "InternalError", text, null);
        };
    }
}
