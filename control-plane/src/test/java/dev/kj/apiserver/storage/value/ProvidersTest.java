package dev.kj.apiserver.storage.value;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kj.apiserver.storage.value.encrypt.AesCbc;
import dev.kj.apiserver.storage.value.encrypt.AesGcm;
import dev.kj.apiserver.storage.value.encrypt.Secretbox;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each provider against a known vector computed outside kj (the ciphertext layout is what a stock
 * kube-apiserver writes and reads), round trips with random IVs and nonces, and tampering refused
 * with upstream's messages.
 */
class ProvidersTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] KEY_NAME = "/registry/secrets/default/s1".getBytes(StandardCharsets.UTF_8);

    @Test
    void aescbcIsIvThenPkcs7PaddedCiphertext() {
        // NIST SP 800-38A F.2.1 (CBC-AES128, first block); a whole block gains a block of padding 0x10
        String iv = "000102030405060708090a0b0c0d0e0f";
        AesCbc cbc = new AesCbc(HEX.parseHex("2b7e151628aed2a6abf7158809cf4f3c"), new FixedBytes(iv));
        byte[] sealed = cbc.toStorage(HEX.parseHex("6bc1bee22e409f96e93d7e117393172a"), KEY_NAME);
        assertEquals(iv + "7649abac8119b246cee98e9b12e9197d" + "8964e0b149c10b7b682e6e39aaeb731c", HEX.formatHex(sealed));
        assertEquals("6bc1bee22e409f96e93d7e117393172a", HEX.formatHex(cbc.fromStorage(sealed, null).data()));
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 24, 32})
    void aescbcRoundTripsEveryKeySizeAndLength(int keySize) {
        AesCbc cbc = new AesCbc(new byte[keySize]);
        for (int length = 0; length <= 40; length++) {
            byte[] data = new byte[length];
            java.util.Arrays.fill(data, (byte) 'x');
            byte[] sealed = cbc.toStorage(data, KEY_NAME);
            assertEquals(16 + (length / 16 + 1) * 16, sealed.length);
            assertArrayEquals(data, cbc.fromStorage(sealed, KEY_NAME).data());
        }
        assertFalse(java.util.Arrays.equals(cbc.toStorage(new byte[5], KEY_NAME), cbc.toStorage(new byte[5], KEY_NAME)),
                "a fresh random IV per write");
    }

    @Test
    void aescbcRefusesBrokenPaddingAndLengths() {
        AesCbc cbc = new AesCbc(HEX.parseHex("2b7e151628aed2a6abf7158809cf4f3c"),
                new FixedBytes("000102030405060708090a0b0c0d0e0f"));
        byte[] sealed = cbc.toStorage(HEX.parseHex("6bc1bee22e409f96e93d7e117393172a"), KEY_NAME);
        byte[] tampered = sealed.clone();
        tampered[sealed.length - 1] ^= 1; // the padding block decrypts to noise: padding 0xd5 is not valid
        TransformException e = assertThrows(TransformException.class, () -> cbc.fromStorage(tampered, KEY_NAME));
        assertEquals("invalid PKCS7 data (empty or not padded)", e.getMessage(), HEX.formatHex(tampered));
        assertEquals("the stored data was shorter than the required size",
                assertThrows(TransformException.class, () -> cbc.fromStorage(new byte[15], null)).getMessage());
        assertEquals("the stored data is not a multiple of the block size",
                assertThrows(TransformException.class, () -> cbc.fromStorage(new byte[33], null)).getMessage());
        assertEquals("invalid PKCS7 data (empty or not padded)",
                assertThrows(TransformException.class, () -> cbc.fromStorage(new byte[16], null)).getMessage());
    }

    @Test
    void aesgcmIsNonceThenSealWithTheKeyAsAdditionalData() {
        // computed with Python's cryptography (AESGCM.encrypt(nonce, data, aad)), as Go's Seal lays it out
        String nonce = "000102030405060708090a0b";
        byte[] key = new byte[32];
        for (int i = 0; i < 32; i++) {
            key[i] = (byte) i;
        }
        AesGcm gcm = new AesGcm(key, new FixedBytes(nonce));
        byte[] sealed = gcm.toStorage("{\"kind\":\"Secret\"}".getBytes(StandardCharsets.UTF_8), KEY_NAME);
        assertEquals(nonce + "3c20bd72ab81e021af12f2e8c38c0c4ffe5b12f43d4016e8ac46a44cff790fd3cf", HEX.formatHex(sealed));
        assertEquals("{\"kind\":\"Secret\"}", new String(gcm.fromStorage(sealed, KEY_NAME).data(), StandardCharsets.UTF_8));

        // the same bytes under another key: refused (a value cannot be moved to another object)
        byte[] elsewhere = "/registry/secrets/default/s2".getBytes(StandardCharsets.UTF_8);
        assertEquals("cipher: message authentication failed",
                assertThrows(TransformException.class, () -> gcm.fromStorage(sealed, elsewhere)).getMessage());
        for (int i = 0; i < sealed.length; i++) {
            byte[] tampered = sealed.clone();
            tampered[i] ^= 0x40;
            assertThrows(TransformException.class, () -> gcm.fromStorage(tampered, KEY_NAME), "byte " + i);
        }
        assertEquals("the stored data was shorter than the required size",
                assertThrows(TransformException.class, () -> gcm.fromStorage(new byte[11], KEY_NAME)).getMessage());
    }

    @Test
    void secretboxIsNonceThenNaclSecretbox() {
        // NaCl's own secretbox test vector (tests/secretbox.c): key, nonce, message → tag ‖ ciphertext
        String nonce = "69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37";
        Secretbox box = new Secretbox(HEX.parseHex("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389"),
                new FixedBytes(nonce));
        byte[] message = HEX.parseHex("be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffc"
                + "e5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb31"
                + "0e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde"
                + "048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705");
        byte[] sealed = box.toStorage(message, KEY_NAME);
        assertEquals(nonce + "f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce"
                + "48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c972"
                + "71d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae"
                + "90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b3"
                + "7973f622a43d14a6599b1f654cb45a74e355a5", HEX.formatHex(sealed));
        assertArrayEquals(message, box.fromStorage(sealed, null).data());
        for (int i = 0; i < sealed.length; i++) {
            byte[] tampered = sealed.clone();
            tampered[i] ^= 1;
            assertEquals("output array was not large enough for encryption",
                    assertThrows(TransformException.class, () -> box.fromStorage(tampered, null), "byte " + i).getMessage());
        }
        assertEquals("the stored data was shorter than the required size",
                assertThrows(TransformException.class, () -> box.fromStorage(new byte[39], null)).getMessage());
        Secretbox random = new Secretbox(new byte[32]);
        assertArrayEquals(new byte[0], random.fromStorage(random.toStorage(new byte[0], null), null).data());
    }

    @Test
    void keySizesAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new AesCbc(new byte[15]));
        assertThrows(IllegalArgumentException.class, () -> new AesGcm(new byte[33]));
        assertThrows(IllegalArgumentException.class, () -> new Secretbox(new byte[16]));
    }

    @Test
    void identityRefusesEncryptedValues() {
        assertEquals("identity transformer tried to read encrypted data", assertThrows(TransformException.class,
                () -> Identity.INSTANCE.fromStorage("k8s:enc:aescbc:v1:key1:xyz".getBytes(StandardCharsets.UTF_8), null))
                .getMessage());
        byte[] json = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(json, Identity.INSTANCE.fromStorage(json, null).data());
        assertArrayEquals(json, Identity.INSTANCE.toStorage(json, null));
    }
}
