package dev.kj.rhino.gateway;

/** A body the gateway cannot decode, with the text Go's decoder would give. */
final class GoJsonException extends Exception {
    GoJsonException(String message) {
        super(message, null, false, false);
    }
}
