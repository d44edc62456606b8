package dev.kj.rhino.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM files as etcd (Go's crypto/tls) reads them: certificates in "CERTIFICATE" blocks, a private key
 * in a "PRIVATE KEY" (PKCS#8), "RSA PRIVATE KEY" (PKCS#1) or "EC PRIVATE KEY" (SEC 1) block — what
 * openssl and cfssl write. Encrypted keys are refused, as Go refuses them. Messages follow Go's.
 */
final class Pem {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

    private Pem() {
    }

    record Block(String type, byte[] der) {
    }

    /** The file's bytes; a missing file reads as Go's "open PATH: no such file or directory". */
    static byte[] read(Path file) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IOException("open " + file + ": no such file or directory", e);
        } catch (AccessDeniedException e) {
            throw new IOException("open " + file + ": permission denied", e);
        }
    }

    static List<Block> blocks(byte[] text) {
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(new String(text, StandardCharsets.US_ASCII));
        while (m.find()) {
            try {
                blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException badBase64) {
                // Go's pem.Decode skips what it cannot decode; so do we
            }
        }
        return blocks;
    }

    /** Every certificate in a PEM file, in file order (leaf first for a chain). */
    static List<X509Certificate> certificates(Path file, String what) throws IOException {
        List<X509Certificate> certs = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Block block : blocks(read(file))) {
                if (block.type().equals("CERTIFICATE")) {
                    certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
                }
            }
        } catch (CertificateException e) {
            throw new IOException(file + ": x509: malformed certificate: " + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
            throw new IOException("tls: failed to find any PEM data in " + what + " input");
        }
        return certs;
    }

    /** The first private key in a PEM file. */
    static PrivateKey privateKey(Path file) throws IOException {
        for (Block block : blocks(read(file))) {
            try {
                switch (block.type()) {
                    case "PRIVATE KEY" -> {
                        return pkcs8(block.der());
                    }
                    case "RSA PRIVATE KEY" -> {
                        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(
                                Der.pkcs8(Der.RSA_ENCRYPTION, Der.NULL, block.der())));
                    }
                    case "EC PRIVATE KEY" -> {
                        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(
                                Der.pkcs8(Der.EC_PUBLIC_KEY, Der.sec1Curve(block.der()), block.der())));
                    }
                    case "ENCRYPTED PRIVATE KEY" -> throw new IOException(
                            file + ": encrypted private keys are not supported; decrypt it first (openssl pkey)");
                    default -> {
                        // certificates and parameters may share the file; keep looking
                    }
                }
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                throw new IOException("tls: failed to parse private key in " + file + ": " + e.getMessage(), e);
            }
        }
        throw new IOException("tls: failed to find any PEM data in key input");
    }

    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        GeneralSecurityException last = null;
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw last;
    }

    /** Just enough DER to wrap PKCS#1 and SEC 1 keys in PKCS#8, which is what the JDK reads. */
    static final class Der {
        static final byte[] RSA_ENCRYPTION = oid(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01);
        static final byte[] EC_PUBLIC_KEY = oid(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01);
        static final byte[] NULL = {0x05, 0x00};

        private Der() {
        }

        private static byte[] oid(int... body) {
            byte[] out = new byte[body.length + 2];
            out[0] = 0x06;
            out[1] = (byte) body.length;
            for (int i = 0; i < body.length; i++) {
                out[i + 2] = (byte) body[i];
            }
            return out;
        }

        /** PrivateKeyInfo ::= SEQUENCE { version 0, AlgorithmIdentifier { oid, params }, OCTET STRING key }. */
        static byte[] pkcs8(byte[] algorithm, byte[] parameters, byte[] key) {
            byte[] version = {0x02, 0x01, 0x00};
            byte[] algorithmId = tlv(0x30, concat(algorithm, parameters));
            return tlv(0x30, concat(version, algorithmId, tlv(0x04, key)));
        }

        /**
         * The named-curve OID of a SEC 1 ECPrivateKey ::= SEQUENCE { version, OCTET STRING,
         * [0] parameters OPTIONAL, [1] public key OPTIONAL }. openssl and Go always write [0].
         */
        static byte[] sec1Curve(byte[] der) {
            int[] seq = header(der, 0, 0x30);
            int pos = seq[0];
            int end = seq[0] + seq[1];
            while (pos < end) {
                int tag = der[pos] & 0xff;
                int[] field = header(der, pos, tag);
                if (tag == 0xa0) {
                    int[] oid = header(der, field[0], 0x06);
                    byte[] out = new byte[oid[0] - field[0] + oid[1]];
                    System.arraycopy(der, field[0], out, 0, out.length);
                    return out;
                }
                pos = field[0] + field[1];
            }
            throw new IllegalArgumentException("EC private key names no curve");
        }

        /** {content offset, content length} of the element at {@code pos}, which must have {@code tag}. */
        private static int[] header(byte[] der, int pos, int tag) {
            if (pos + 2 > der.length || (der[pos] & 0xff) != tag) {
                throw new IllegalArgumentException("malformed DER");
            }
            int length = der[pos + 1] & 0xff;
            int offset = pos + 2;
            if (length >= 0x80) {
                int bytes = length & 0x7f;
                if (bytes == 0 || bytes > 3 || offset + bytes > der.length) {
                    throw new IllegalArgumentException("malformed DER length");
                }
                length = 0;
                for (int i = 0; i < bytes; i++) {
                    length = (length << 8) | (der[offset++] & 0xff);
                }
            }
            if (offset + length > der.length) {
                throw new IllegalArgumentException("truncated DER");
            }
            return new int[] {offset, length};
        }

        static byte[] tlv(int tag, byte[] content) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
            out.write(tag);
            int n = content.length;
            if (n < 0x80) {
                out.write(n);
            } else if (n < 0x100) {
                out.write(0x81);
                out.write(n);
            } else if (n < 0x10000) {
                out.write(0x82);
                out.write(n >> 8);
                out.write(n);
            } else {
                out.write(0x83);
                out.write(n >> 16);
                out.write(n >> 8);
                out.write(n);
            }
            out.writeBytes(content);
            return out.toByteArray();
        }

        private static byte[] concat(byte[]... parts) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte[] part : parts) {
                out.writeBytes(part);
            }
            return out.toByteArray();
        }
    }
}
