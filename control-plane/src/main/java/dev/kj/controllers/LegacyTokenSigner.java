package dev.kj.controllers;

/**
 * Signs the token of a kubernetes.io/service-account-token Secret with the API server's service
 * account key (upstream's legacy JWT: issuer kubernetes/serviceaccount, no expiry).
 */
@FunctionalInterface
public interface LegacyTokenSigner {
    String sign(String namespace, String serviceAccountName, String serviceAccountUid, String secretName);

    /** For a controller manager that has no key: signing fails, so no Secret gets a token. */
    LegacyTokenSigner NONE = (namespace, name, uid, secret) -> {
        throw new IllegalStateException("no service account signing key was configured");
    };
}
