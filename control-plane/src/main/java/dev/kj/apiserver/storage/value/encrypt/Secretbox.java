package dev.kj.apiserver.storage.value.encrypt;

import dev.kj.apiserver.storage.value.TransformException;
import dev.kj.apiserver.storage.value.Transformer;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.bouncycastle.crypto.engines.XSalsa20Engine;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * Upstream's secretbox provider (storage/value/encrypt/secretbox): a random 24-byte nonce, then
 * NaCl's secretbox of the value (golang.org/x/crypto/nacl/secretbox: the 16-byte Poly1305 tag,
 * then the XSalsa20 ciphertext). Built from BouncyCastle's XSalsa20 and Poly1305, already on the
 * class path for the PKI; the construction is NaCl's: the first 32 bytes of the XSalsa20 key
 * stream are the one-time Poly1305 key, the rest encrypts the message. No additional data.
 */
public final class Secretbox implements Transformer {
    private static final int NONCE = 24;
    private static final int TAG = 16;

    private final byte[] key;
    private final RandomGenerator random;

    /** @param key 32 bytes */
    public Secretbox(byte[] key) {
        this(key, new SecureRandom());
    }

    /** @param random where nonces come from (tests pass a fixed one for known vectors) */
    public Secretbox(byte[] key, RandomGenerator random) {
        if (key.length != 32) {
            throw new IllegalArgumentException("expected key size 32 for secretbox provider, got " + key.length);
        }
        this.key = key.clone();
        this.random = random;
    }

    @Override
    public Read fromStorage(byte[] stored, byte[] authenticatedData) {
        if (stored.length < TAG + NONCE) {
            throw new TransformException("the stored data was shorter than the required size");
        }
        XSalsa20Engine stream = stream(stored, 0);
        byte[] macKey = keyStream(stream);
        byte[] expected = tag(macKey, stored, NONCE + TAG, stored.length - NONCE - TAG);
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(stored, NONCE, NONCE + TAG))) {
            // golang.org/x/crypto's Open only says no; upstream words it so
            throw new TransformException("output array was not large enough for encryption");
        }
        byte[] plain = new byte[stored.length - NONCE - TAG];
        stream.processBytes(stored, NONCE + TAG, plain.length, plain, 0);
        return new Read(plain, false);
    }

    @Override
    public byte[] toStorage(byte[] data, byte[] authenticatedData) {
        byte[] out = new byte[NONCE + TAG + data.length];
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        System.arraycopy(nonce, 0, out, 0, NONCE);
        XSalsa20Engine stream = stream(out, 0);
        byte[] macKey = keyStream(stream);
        stream.processBytes(data, 0, data.length, out, NONCE + TAG);
        byte[] tag = tag(macKey, out, NONCE + TAG, data.length);
        System.arraycopy(tag, 0, out, NONCE, TAG);
        return out;
    }

    private XSalsa20Engine stream(byte[] nonceHolder, int offset) {
        XSalsa20Engine engine = new XSalsa20Engine();
        engine.init(true, new ParametersWithIV(new KeyParameter(key), nonceHolder, offset, NONCE));
        return engine;
    }

    /** The first 32 bytes of the key stream: Poly1305's one-time key (r then s). */
    private static byte[] keyStream(XSalsa20Engine stream) {
        byte[] macKey = new byte[32];
        stream.processBytes(new byte[32], 0, 32, macKey, 0);
        return macKey;
    }

    private static byte[] tag(byte[] macKey, byte[] data, int offset, int length) {
        Poly1305 mac = new Poly1305();
        mac.init(new KeyParameter(macKey));
        mac.update(data, offset, length);
        byte[] tag = new byte[TAG];
        mac.doFinal(tag, 0);
        return tag;
    }
}
