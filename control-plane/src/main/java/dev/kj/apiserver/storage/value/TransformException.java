package dev.kj.apiserver.storage.value;

/** A stored value that cannot be read back (or a value that cannot be sealed), with upstream's message. */
public final class TransformException extends RuntimeException {
    public TransformException(String message) {
        super(message);
    }

    public TransformException(String message, Throwable cause) {
        super(message, cause);
    }
}
