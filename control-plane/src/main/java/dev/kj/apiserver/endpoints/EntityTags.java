package dev.kj.apiserver.endpoints;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Entity tags for the documents clients cache (OpenAPI, aggregated discovery): upstream tags them
 * with the SHA-512 of their JSON in upper-case hex and answers a matching If-None-Match with 304.
 */
public final class EntityTags {
    private EntityTags() {
    }

    /** The quoted tag of a document's JSON. */
    public static String of(byte[] json) {
        try {
            return "\"" + HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-512").digest(json)) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-512", e);
        }
    }

    /** Whether the request's If-None-Match names {@code quotedTag} (weak tags and * included). */
    public static boolean unchanged(ApiRequest request, String quotedTag) {
        for (String candidate : request.header("if-none-match").split(",")) {
            String tag = candidate.trim();
            if (tag.startsWith("W/")) {
                tag = tag.substring(2);
            }
            if (tag.equals(quotedTag) || tag.equals("*")) {
                return true;
            }
        }
        return false;
    }
}
