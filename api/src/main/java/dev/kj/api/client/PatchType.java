package dev.kj.api.client;

/** The patch formats, by the Content-Type that names them. */
public enum PatchType {
    /** RFC 6902. */
    JSON("application/json-patch+json"),
    /** RFC 7386. */
    MERGE("application/merge-patch+json"),
    /** Kubernetes' strategic merge patch (built-in kinds; the server answers 415 for kinds without a type, as for custom resources). */
    STRATEGIC_MERGE("application/strategic-merge-patch+json"),
    /** Server-side apply (needs a fieldManager; the server answers 415 until it supports it). */
    APPLY("application/apply-patch+yaml");

    private final String contentType;

    PatchType(String contentType) {
        this.contentType = contentType;
    }

    public String contentType() {
        return contentType;
    }
}
