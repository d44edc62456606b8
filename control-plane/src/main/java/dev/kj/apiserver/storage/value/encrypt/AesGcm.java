package dev.kj.apiserver.storage.value.encrypt;

import dev.kj.apiserver.storage.value.TransformException;
import dev.kj.apiserver.storage.value.Transformer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.random.RandomGenerator;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Upstream's aesgcm provider (storage/value/encrypt/aes, NewGCMTransformer): a random 12-byte
 * nonce, then AES-GCM's ciphertext and 16-byte tag, authenticating the etcd key as additional data
 * (a value moved to another key does not read). Random nonces make a key safe for about 2^32
 * writes only, so upstream asks for rotation every 200,000 writes; kj does not count them either.
 */
public final class AesGcm implements Transformer {
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final RandomGenerator random;

    /** @param key 16, 24 or 32 bytes */
    public AesGcm(byte[] key) {
        this(key, new SecureRandom());
    }

    /** @param random where nonces come from (tests pass a fixed one for known vectors) */
    public AesGcm(byte[] key, RandomGenerator random) {
        this.key = new SecretKeySpec(Aes.checkKey(key), "AES");
        this.random = random;
    }

    @Override
    public Read fromStorage(byte[] stored, byte[] authenticatedData) {
        if (stored.length < NONCE) {
            throw new TransformException("the stored data was shorter than the required size");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, stored, 0, NONCE));
            if (authenticatedData != null && authenticatedData.length > 0) {
                cipher.updateAAD(authenticatedData);
            }
            return new Read(cipher.doFinal(stored, NONCE, stored.length - NONCE), false);
        } catch (AEADBadTagException e) {
            throw new TransformException("cipher: message authentication failed", e);
        } catch (GeneralSecurityException e) {
            // a ciphertext shorter than the tag: Go's Open answers the same
            throw new TransformException("cipher: message authentication failed", e);
        }
    }

    @Override
    public byte[] toStorage(byte[] data, byte[] authenticatedData) {
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            if (authenticatedData != null && authenticatedData.length > 0) {
                cipher.updateAAD(authenticatedData);
            }
            byte[] out = new byte[NONCE + cipher.getOutputSize(data.length)];
            System.arraycopy(nonce, 0, out, 0, NONCE);
            cipher.doFinal(data, 0, data.length, out, NONCE);
            return out;
        } catch (GeneralSecurityException e) {
            throw new TransformException("failed to write nonce for AES-GCM: " + e.getMessage(), e);
        }
    }
}
