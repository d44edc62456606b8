package dev.kj.rhino.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemObjectGenerator;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * Certificates made by the test itself, written as PEM files the way openssl and cfssl write them:
 * a CA, server certificates for 127.0.0.1/localhost, client certificates whose common name is the
 * user, keys as PKCS#8, PKCS#1 ("RSA PRIVATE KEY") or SEC 1 ("EC PRIVATE KEY"), and CRLs.
 */
public final class TestCerts {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** How a private key file is encoded. */
    public enum KeyFormat { PKCS8_EC, PKCS8_RSA, PKCS1_RSA, SEC1_EC }

    /** A certificate and its key on disk. */
    public record Pair(Path cert, Path key, X509Certificate certificate) {
    }

    private final Path dir;
    private final String caName;
    private final KeyPair caKeys;
    private final X509Certificate caCert;
    private final Path caFile;

    private TestCerts(Path dir, String caName, KeyPair caKeys, X509Certificate caCert, Path caFile) {
        this.dir = dir;
        this.caName = caName;
        this.caKeys = caKeys;
        this.caCert = caCert;
        this.caFile = caFile;
    }

    /** A new CA named {@code name}, its files in {@code dir}. */
    public static TestCerts newCa(Path dir, String name) {
        try {
            Files.createDirectories(dir);
            KeyPair keys = keyPair(KeyFormat.PKCS8_EC);
            X500Name subject = new X500Name("CN=" + name);
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(), notBefore(), notAfter(),
                    subject, keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            X509Certificate cert = convert(builder, keys);
            Path file = dir.resolve(name + ".pem");
            writePem(file, cert);
            return new TestCerts(dir, name, keys, cert, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The CA certificate file (for --trusted-ca-file and etcdctl --cacert). */
    public Path caFile() {
        return caFile;
    }

    public X509Certificate caCertificate() {
        return caCert;
    }

    /** A server certificate for 127.0.0.1 and localhost (also usable as a client certificate, as cfssl's peer profile). */
    public Pair server(String name, KeyFormat format) {
        return issue(name, format, true);
    }

    /** A client certificate whose common name is {@code commonName}. */
    public Pair client(String commonName, KeyFormat format) {
        return issue(commonName, format, false);
    }

    /** A CRL signed by this CA that revokes {@code revoked}. */
    public Path crl(String fileName, X509Certificate... revoked) {
        try {
            JcaX509v2CRLBuilder builder = new JcaX509v2CRLBuilder(caCert, Date.from(Instant.now().minusSeconds(60)));
            builder.setNextUpdate(notAfter());
            for (X509Certificate cert : revoked) {
                builder.addCRLEntry(cert.getSerialNumber(), new Date(), CRLReason.keyCompromise);
            }
            X509CRLHolder crl = builder.build(signer(caKeys));
            Path file = dir.resolve(fileName);
            writePem(file, crl);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    private Pair issue(String commonName, KeyFormat format, boolean server) {
        try {
            KeyPair keys = keyPair(format);
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caCert, serial(), notBefore(), notAfter(),
                    new X500Name("CN=" + commonName), keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            if (server) {
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                        new GeneralName(GeneralName.dNSName, "localhost")}));
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            } else {
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            }
            X509Certificate cert = convert(builder, caKeys);
            String base = caName + "-" + commonName + "-" + format.name().toLowerCase(java.util.Locale.ROOT);
            Path certFile = dir.resolve(base + ".pem");
            Path keyFile = dir.resolve(base + "-key.pem");
            writePem(certFile, cert);
            switch (format) {
                case PKCS8_EC, PKCS8_RSA -> writePem(keyFile, new JcaPKCS8Generator(keys.getPrivate(), null));
                // BouncyCastle writes a bare RSA key in the traditional PKCS#1 form
                case PKCS1_RSA -> writePem(keyFile, keys.getPrivate());
                case SEC1_EC -> writePem(keyFile, sec1WithCurve(keys));
            }
            return new Pair(certFile, keyFile, cert);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The JDK's PKCS#8 encoding leaves the curve out of the inner SEC 1 key (it is in the algorithm
     * identifier); openssl and Go write it inside, and Go requires it there. Rebuild it that way.
     */
    private static PemObject sec1WithCurve(KeyPair keys) throws IOException {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
        org.bouncycastle.asn1.sec.ECPrivateKey inner = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
        SubjectPublicKeyInfo publicKey = SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded());
        org.bouncycastle.asn1.sec.ECPrivateKey withCurve = new org.bouncycastle.asn1.sec.ECPrivateKey(256, inner.getKey(),
                publicKey.getPublicKeyData(), info.getPrivateKeyAlgorithm().getParameters());
        return new PemObject("EC PRIVATE KEY", withCurve.getEncoded());
    }

    private static KeyPair keyPair(KeyFormat format) throws GeneralSecurityException {
        return switch (format) {
            case PKCS8_RSA, PKCS1_RSA -> {
                KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
                rsa.initialize(2048, RANDOM);
                yield rsa.generateKeyPair();
            }
            case PKCS8_EC, SEC1_EC -> {
                KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
                ec.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
                yield ec.generateKeyPair();
            }
        };
    }

    private static X509Certificate convert(X509v3CertificateBuilder builder, KeyPair signerKeys)
            throws GeneralSecurityException, OperatorCreationException {
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer(signerKeys)));
    }

    private static ContentSigner signer(KeyPair keys) throws OperatorCreationException {
        String algorithm = keys.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        return new JcaContentSignerBuilder(algorithm).build(keys.getPrivate());
    }

    private static BigInteger serial() {
        return new BigInteger(63, RANDOM).add(BigInteger.ONE);
    }

    private static Date notBefore() {
        return Date.from(Instant.now().minus(Duration.ofHours(1)));
    }

    private static Date notAfter() {
        return Date.from(Instant.now().plus(Duration.ofDays(2)));
    }

    private static void writePem(Path file, Object object) throws IOException {
        try (Writer out = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(out)) {
            if (object instanceof PemObject block) {
                pem.writeObject(block);
            } else if (object instanceof PemObjectGenerator generator) {
                pem.writeObject(generator);
            } else {
                pem.writeObject(object);
            }
        }
    }
}
