package dev.kj.apiserver.authn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.Optional;

/**
 * Compact-serialized JWS with RS256 only, which is all service-account tokens use (upstream signs
 * them RS256 with the sa key). The header names the algorithm and the key id; any other algorithm,
 * "none" included, is refused before the signature is looked at.
 */
public final class Jwt {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private Jwt() {
    }

    /** A token split but not yet verified. */
    public record Parsed(JsonNode header, ObjectNode claims, byte[] signingInput, byte[] signature) {
        /** True when the RS256 signature verifies with {@code key}. */
        public boolean verifies(PublicKey key) {
            if (!header.path("alg").asText().equals("RS256")) {
                return false;
            }
            try {
                Signature verifier = Signature.getInstance("SHA256withRSA");
                verifier.initVerify(key);
                verifier.update(signingInput);
                return verifier.verify(signature);
            } catch (GeneralSecurityException e) {
                return false;
            }
        }
    }

    /** The parts of a compact JWS, or empty when {@code token} is not one (then it is another authenticator's). */
    public static Optional<Parsed> parse(String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return Optional.empty();
        }
        try {
            JsonNode header = JSON.readTree(B64D.decode(parts[0]));
            JsonNode claims = JSON.readTree(B64D.decode(parts[1]));
            if (!(claims instanceof ObjectNode object) || !header.isObject()) {
                return Optional.empty();
            }
            return Optional.of(new Parsed(header, object,
                    (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII), B64D.decode(parts[2])));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** {@code claims} signed RS256 under {@code keyId}. */
    public static String sign(ObjectNode claims, PrivateKey key, String keyId) {
        ObjectNode header = JSON.createObjectNode().put("alg", "RS256").put("kid", keyId);
        try {
            String input = B64.encodeToString(JSON.writeValueAsBytes(header)) + "."
                    + B64.encodeToString(JSON.writeValueAsBytes(claims));
            Signature signer = Signature.getInstance("SHA256withRSA");
            signer.initSign(key);
            signer.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + B64.encodeToString(signer.sign());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
    }

    /** Upstream's key id: base64url of the SHA-256 of the public key's DER (PKIX) encoding. */
    public static String keyId(PublicKey key) {
        try {
            return B64.encodeToString(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String base64Url(byte[] bytes) {
        return B64.encodeToString(bytes);
    }
}
