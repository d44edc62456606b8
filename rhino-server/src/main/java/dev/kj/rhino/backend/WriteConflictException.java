package dev.kj.rhino.backend;

/**
 * A shared backend's optimistic commit lost to another process: nothing of the transaction was
 * written, and running the same requests again on a new transaction is safe.
 */
public final class WriteConflictException extends RuntimeException {
    public WriteConflictException(String message) {
        super(message, null, false, false);
    }
}
