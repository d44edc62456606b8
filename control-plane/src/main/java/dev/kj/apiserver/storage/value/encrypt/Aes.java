package dev.kj.apiserver.storage.value.encrypt;

/** What the AES providers share. */
final class Aes {
    private Aes() {
    }

    /** Go's aes.NewCipher accepts 16, 24 or 32 bytes and names any other length so. */
    static byte[] checkKey(byte[] key) {
        if (key.length != 16 && key.length != 24 && key.length != 32) {
            throw new IllegalArgumentException("crypto/aes: invalid key size " + key.length);
        }
        return key.clone();
    }
}
