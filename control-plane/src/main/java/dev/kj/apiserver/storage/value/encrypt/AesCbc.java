package dev.kj.apiserver.storage.value.encrypt;

import dev.kj.apiserver.storage.value.TransformException;
import dev.kj.apiserver.storage.value.Transformer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.random.RandomGenerator;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Upstream's aescbc provider (storage/value/encrypt/aes, NewCBCTransformer): a random 16-byte IV,
 * then the value PKCS#7-padded and encrypted with AES-CBC. No authentication: a changed ciphertext
 * is noticed only when its padding breaks (upstream's own warning; prefer aesgcm or secretbox).
 */
public final class AesCbc implements Transformer {
    private static final int BLOCK = 16;

    private final SecretKeySpec key;
    private final RandomGenerator random;

    /** @param key 16, 24 or 32 bytes (AES-128, -192, -256) */
    public AesCbc(byte[] key) {
        this(key, new SecureRandom());
    }

    /** @param random where IVs come from (tests pass a fixed one for known vectors) */
    public AesCbc(byte[] key, RandomGenerator random) {
        this.key = new SecretKeySpec(Aes.checkKey(key), "AES");
        this.random = random;
    }

    @Override
    public Read fromStorage(byte[] stored, byte[] authenticatedData) {
        if (stored.length < BLOCK) {
            throw new TransformException("the stored data was shorter than the required size");
        }
        int length = stored.length - BLOCK;
        if (length % BLOCK != 0) {
            throw new TransformException("the stored data is not a multiple of the block size");
        }
        byte[] plain;
        try {
            Cipher cipher = Cipher.getInstance("AES/CBC/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(stored, 0, BLOCK));
            plain = cipher.doFinal(stored, BLOCK, length);
        } catch (GeneralSecurityException e) {
            throw new TransformException(e.getMessage(), e);
        }
        // PKCS#7, checked as upstream checks it (and with its messages)
        int padding = plain.length == 0 ? 0 : plain[plain.length - 1] & 0xff;
        if (padding == 0 || padding > plain.length) {
            throw new TransformException("invalid PKCS7 data (empty or not padded)");
        }
        for (int i = plain.length - padding; i < plain.length; i++) {
            if ((plain[i] & 0xff) != padding) {
                throw new TransformException("invalid padding on input");
            }
        }
        return new Read(Arrays.copyOf(plain, plain.length - padding), false);
    }

    @Override
    public byte[] toStorage(byte[] data, byte[] authenticatedData) {
        int padding = BLOCK - data.length % BLOCK;
        byte[] padded = Arrays.copyOf(data, data.length + padding);
        Arrays.fill(padded, data.length, padded.length, (byte) padding);
        byte[] iv = new byte[BLOCK];
        random.nextBytes(iv);
        byte[] out = new byte[BLOCK + padded.length];
        System.arraycopy(iv, 0, out, 0, BLOCK);
        try {
            Cipher cipher = Cipher.getInstance("AES/CBC/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(iv));
            cipher.doFinal(padded, 0, padded.length, out, BLOCK);
        } catch (GeneralSecurityException e) {
            throw new TransformException(e.getMessage(), e);
        }
        return out;
    }
}
