package dev.kj.apiserver.openapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.endpoints.ApiRequest;
import dev.kj.apiserver.endpoints.EntityTags;
import dev.kj.apiserver.endpoints.ApiResponse;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.registry.ResourceDescription;
import dev.kj.apiserver.schema.TypeModel;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Serves /openapi/v2 and /openapi/v3 as kube-openapi's handlers do: each document's bytes and
 * ETag (the upper-case hex SHA-512 of its JSON) computed once, content negotiated by Accept (v2:
 * JSON or gnostic protobuf; v3: JSON), If-None-Match answered 304, the v3 index naming each group
 * version's document with its hash, and a document asked for by its current hash marked immutable
 * for a year (an outdated hash is redirected to the current one). Built on first use.
 */
public final class OpenApiHandler {
    static final String PROTOBUF_V2 = "com.github.proto-openapi.spec.v2.v1.0+protobuf";
    static final String PROTOBUF_V2_DEPRECATED = "com.github.proto-openapi.spec.v2@v1.0+protobuf";
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT);
    /** Go's time.RFC1123 in UTC, as upstream writes Expires. */
    private static final DateTimeFormatter RFC1123 = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'UTC'", Locale.ROOT);

    private final Supplier<Served> served;

    /** A document's bytes in each form and its ETag. */
    record Document(byte[] json, byte[] protobuf, String etag) {
    }

    record Served(Document v2, Document v3Index, Map<String, Document> v3, String lastModified) {
    }

    public OpenApiHandler(List<ResourceDescription> resources, ObjectMapper json) {
        List<ResourceDescription> copy = List.copyOf(resources);
        this.served = memoize(() -> build(copy, json));
    }

    private static Served build(List<ResourceDescription> resources, ObjectMapper json) {
        OpenApiDocuments documents = OpenApiDocuments.build(TypeModel.get(), resources);
        byte[] v2Json = bytes(json, documents.v2());
        Document v2 = new Document(v2Json, new GnosticV2().encode(documents.v2()), etag(v2Json));
        Map<String, Document> v3 = new TreeMap<>();
        ObjectNode index = json.createObjectNode();
        ObjectNode paths = index.putObject("paths");
        documents.v3().forEach((groupVersion, document) -> {
            byte[] bytes = bytes(json, document);
            Document served = new Document(bytes, null, etag(bytes));
            v3.put(groupVersion, served);
            paths.putObject(groupVersion).put("serverRelativeURL", relativeUrl(groupVersion, served.etag()));
        });
        byte[] indexBytes = bytes(json, index);
        return new Served(v2, new Document(indexBytes, null, etag(indexBytes)), Map.copyOf(v3),
                HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC)));
    }

    /** The answer for an /openapi path, or empty when the path is not one. */
    public Optional<ApiResponse> answer(ApiRequest request, String path) {
        if (!path.equals("/openapi/v2") && !path.equals("/openapi/v3") && !path.startsWith("/openapi/v3/")) {
            return Optional.empty();
        }
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            throw new StatusException(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", null);
        }
        Served documents = served.get();
        if (path.equals("/openapi/v2")) {
            for (String[] clause : acceptClauses(request)) {
                if (matches(clause, "json")) {
                    return Optional.of(content(request, documents, documents.v2().json(), "application/json", documents.v2().etag()));
                }
                if (matches(clause, PROTOBUF_V2_DEPRECATED) || matches(clause, PROTOBUF_V2)) {
                    return Optional.of(content(request, documents, documents.v2().protobuf(), "application/" + PROTOBUF_V2,
                            documents.v2().etag()));
                }
            }
            return Optional.of(notAcceptable());
        }
        if (path.equals("/openapi/v3")) {
            return Optional.of(content(request, documents, documents.v3Index().json(), "application/json",
                    documents.v3Index().etag()));
        }
        String groupVersion = path.substring("/openapi/v3/".length());
        Document document = documents.v3().get(groupVersion);
        if (document == null) {
            throw StatusException.pathNotFound();
        }
        for (String[] clause : acceptClauses(request)) {
            if (!matches(clause, "json")) {
                continue;
            }
            String hash = request.param("hash", "");
            if (!hash.isEmpty() && !hash.equals(document.etag())) {
                String location = relativeUrl(groupVersion, document.etag());
                return Optional.of(new ApiResponse.Full(301, "text/html; charset=utf-8",
                        ("<a href=\"" + location + "\">Moved Permanently</a>.\n\n").getBytes(StandardCharsets.UTF_8))
                        .withHeader("Location", location).withHeader("Vary", "Accept"));
            }
            ApiResponse.Full answer = content(request, documents, document.json(), "application/json", document.etag());
            if (!hash.isEmpty()) {
                answer = answer.withHeader("Cache-Control", "public, immutable")
                        .withHeader("Expires", RFC1123.format(ZonedDateTime.now(ZoneOffset.UTC).plusYears(1)));
            }
            return Optional.of(answer);
        }
        return Optional.of(notAcceptable());
    }

    private static ApiResponse.Full content(ApiRequest request, Served documents, byte[] body, String contentType, String etag) {
        String quoted = "\"" + etag + "\"";
        ApiResponse.Full answer = EntityTags.unchanged(request, quoted) ? new ApiResponse.Full(304, contentType, new byte[0])
                : new ApiResponse.Full(200, contentType, body);
        return answer.withHeader("Vary", "Accept").withHeader("Etag", quoted)
                .withHeader("Last-Modified", documents.lastModified()).withHeader("Accept-Ranges", "bytes");
    }

    private static ApiResponse.Full notAcceptable() {
        return new ApiResponse.Full(406, "text/plain; charset=utf-8", new byte[0]).withHeader("Vary", "Accept");
    }

    /** Accept's media ranges in the client's order (none means anything), each as {type, subtype}. */
    private static List<String[]> acceptClauses(ApiRequest request) {
        String accept = request.header("accept");
        if (accept.isBlank()) {
            accept = "*/*";
        }
        return java.util.Arrays.stream(accept.split(","))
                .map(range -> range.split(";")[0].trim().toLowerCase(Locale.ROOT))
                .filter(range -> range.contains("/"))
                .map(range -> range.split("/", 2))
                .toList();
    }

    private static boolean matches(String[] clause, String subtype) {
        return (clause[0].equals("application") || clause[0].equals("*"))
                && (clause[1].equals(subtype.toLowerCase(Locale.ROOT)) || clause[1].equals("*"));
    }

    static String relativeUrl(String groupVersion, String etag) {
        return "/openapi/v3/" + groupVersion + "?hash=" + URLEncoder.encode(etag, StandardCharsets.UTF_8);
    }

    /** kube-openapi's ETag: the SHA-512 of the JSON in upper-case hex (unquoted, as the v3 index's hash). */
    static String etag(byte[] json) {
        String quoted = EntityTags.of(json);
        return quoted.substring(1, quoted.length() - 1);
    }

    private static byte[] bytes(ObjectMapper json, ObjectNode document) {
        try {
            return json.writeValueAsBytes(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> Supplier<T> memoize(Supplier<T> supplier) {
        return new Supplier<>() {
            private volatile T value;

            @Override
            public synchronized T get() {
                if (value == null) {
                    value = supplier.get();
                }
                return value;
            }
        };
    }
}
