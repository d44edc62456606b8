package dev.kj.apiserver.authn;

/**
 * Credentials that were presented but are not valid (expired, forged, revoked...). The message is
 * for logs and TokenReview's status.error; it never holds the credential itself.
 */
public final class InvalidCredentialsException extends Exception {
    public InvalidCredentialsException(String message) {
        super(message, null, false, false);
    }
}
