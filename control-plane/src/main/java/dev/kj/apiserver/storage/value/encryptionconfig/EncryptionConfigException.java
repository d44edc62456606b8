package dev.kj.apiserver.storage.value.encryptionconfig;

/** A --encryption-provider-config file that cannot be used, with upstream's message. */
public final class EncryptionConfigException extends Exception {
    public EncryptionConfigException(String message) {
        super(message);
    }
}
