package dev.kj.apiserver.pki;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The API server's certificates in {@code <data-dir>/pki}: a cluster CA, a serving certificate for
 * 127.0.0.1 and localhost, and an admin client certificate (CN kubernetes-admin, O system:masters,
 * as kubeadm's admin.conf). Made once, then reused; keys are P-256, readable by the owner only. The
 * CA and serving keys are stored PKCS#8; the admin key, which clients read from the kubeconfig, is
 * SEC 1 ("EC PRIVATE KEY") as Go's tooling (kubeadm, client-go's keyutil) writes ECDSA keys: some
 * clients (fabric8's) take every PKCS#8 "PRIVATE KEY" for RSA.
 */
public final class ClusterPki {
    private static final Duration CA_LIFETIME = Duration.ofDays(3650);
    private static final Duration LEAF_LIFETIME = Duration.ofDays(365);
    public static final String ADMIN_USER = "kubernetes-admin";
    public static final String ADMIN_GROUP = "system:masters";

    private final Path dir;

    private ClusterPki(Path dir) {
        this.dir = dir;
    }

    public Path caCert() {
        return dir.resolve("ca.crt");
    }

    public Path caKey() {
        return dir.resolve("ca.key");
    }

    public Path servingCert() {
        return dir.resolve("apiserver.crt");
    }

    public Path servingKey() {
        return dir.resolve("apiserver.key");
    }

    public Path adminCert() {
        return dir.resolve("admin.crt");
    }

    public Path adminKey() {
        return dir.resolve("admin.key");
    }

    /** The PKI in {@code dir}, created where files are missing. */
    public static ClusterPki ensure(Path dir) throws IOException {
        ClusterPki pki = new ClusterPki(dir);
        Files.createDirectories(dir);
        try {
            if (!Files.exists(pki.caCert()) || !Files.exists(pki.caKey())) {
                KeyPair ca = newKeyPair();
                X500Name name = new X500Name("CN=kj-ca");
                X509Certificate cert = sign(name, ca.getPublic(), name, ca, CA_LIFETIME, true, List.of(), List.of(), null);
                writeKeyAndCert(pki.caKey(), ca.getPrivate(), KeyEncoding.PKCS8, pki.caCert(), cert);
                // leaves signed by an older CA are useless now
                Files.deleteIfExists(pki.servingCert());
                Files.deleteIfExists(pki.adminCert());
            }
            X509Certificate caCert = readCert(pki.caCert());
            KeyPair ca = new KeyPair(caCert.getPublicKey(), readKey(pki.caKey()));
            X500Name issuer = X500Name.getInstance(caCert.getSubjectX500Principal().getEncoded());
            if (!Files.exists(pki.servingCert()) || !Files.exists(pki.servingKey())) {
                KeyPair serving = newKeyPair();
                List<GeneralName> names = List.of(new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                        new GeneralName(GeneralName.iPAddress, "::1"),
                        new GeneralName(GeneralName.dNSName, "localhost"),
                        new GeneralName(GeneralName.dNSName, "kubernetes"),
                        new GeneralName(GeneralName.dNSName, "kubernetes.default"),
                        new GeneralName(GeneralName.dNSName, "kubernetes.default.svc"));
                X509Certificate cert = sign(new X500Name("CN=kube-apiserver"), serving.getPublic(), issuer, ca,
                        LEAF_LIFETIME, false, names, List.of(KeyPurposeId.id_kp_serverAuth), caCert);
                writeKeyAndCert(pki.servingKey(), serving.getPrivate(), KeyEncoding.PKCS8, pki.servingCert(), cert);
            }
            if (!Files.exists(pki.adminCert()) || !Files.exists(pki.adminKey())) {
                KeyPair admin = newKeyPair();
                X509Certificate cert = sign(new X500Name("O=" + ADMIN_GROUP + ",CN=" + ADMIN_USER), admin.getPublic(),
                        issuer, ca, LEAF_LIFETIME, false, List.of(), List.of(KeyPurposeId.id_kp_clientAuth), caCert);
                writeKeyAndCert(pki.adminKey(), admin.getPrivate(), KeyEncoding.SEC1, pki.adminCert(), cert);
            }
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot create the cluster PKI in " + dir, e);
        }
        return pki;
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(X500Name subject, java.security.PublicKey key, X500Name issuer, KeyPair issuerKeys,
                                        Duration lifetime, boolean isCa, List<GeneralName> altNames,
                                        List<KeyPurposeId> purposes, X509Certificate issuerCert)
            throws GeneralSecurityException, OperatorCreationException, IOException {
        Instant now = Instant.now();
        BigInteger serial = new BigInteger(127, new SecureRandom()).add(BigInteger.ONE);
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, serial,
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(lifetime)), subject, key);
        JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(isCa
                ? KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature
                : KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(key));
        if (issuerCert != null) {
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    extensions.createAuthorityKeyIdentifier(issuerCert));
        }
        if (!altNames.isEmpty()) {
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(altNames.toArray(GeneralName[]::new)));
        }
        if (!purposes.isEmpty()) {
            builder.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new)));
        }
        X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate()));
        return new JcaX509CertificateConverter().getCertificate(holder);
    }

    /** How a key file is encoded: PKCS#8 "PRIVATE KEY", or SEC 1 "EC PRIVATE KEY" (with the curve named). */
    enum KeyEncoding { PKCS8, SEC1 }

    private static void writeKeyAndCert(Path keyFile, PrivateKey key, KeyEncoding encoding, Path certFile, X509Certificate cert)
            throws IOException, GeneralSecurityException {
        Path keyTemp = keyFile.resolveSibling(keyFile.getFileName() + ".tmp");
        Files.deleteIfExists(keyTemp);
        Files.createFile(keyTemp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyTemp, switch (encoding) {
            case PKCS8 -> pem("PRIVATE KEY", key.getEncoded());
            // PKCS#8's PrivateKeyInfo wraps a SEC 1 ECPrivateKey without curve or public key; Go's has both
            case SEC1 -> {
                PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
                ECPrivateKey inner = ECPrivateKey.getInstance(info.parsePrivateKey());
                ASN1Primitive curve = info.getPrivateKeyAlgorithm().getParameters().toASN1Primitive();
                DERBitString publicKey = new DERBitString(
                        SubjectPublicKeyInfo.getInstance(cert.getPublicKey().getEncoded()).getPublicKeyData().getBytes());
                yield pem("EC PRIVATE KEY", new ECPrivateKey(256, inner.getKey(), publicKey, curve).getEncoded());
            }
        });
        Files.move(keyTemp, keyFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Files.writeString(certFile, pem("CERTIFICATE", cert.getEncoded()));
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static X509Certificate readCert(Path file) throws IOException, GeneralSecurityException {
        try (PEMParser parser = new PEMParser(new StringReader(Files.readString(file)))) {
            Object object = parser.readObject();
            if (!(object instanceof X509CertificateHolder holder)) {
                throw new IOException(file + " holds no certificate");
            }
            return new JcaX509CertificateConverter().getCertificate(holder);
        }
    }

    /** A key written by {@link #writeKeyAndCert}, in either encoding. */
    public static PrivateKey readKey(Path file) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(Files.readString(file)))) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            return switch (parser.readObject()) {
                case PrivateKeyInfo info -> converter.getPrivateKey(info);
                case PEMKeyPair pair -> converter.getPrivateKey(pair.getPrivateKeyInfo());
                case null, default -> throw new IOException(file + " holds no private key");
            };
        }
    }

    /** Base64 of a file, as kubeconfig's *-data fields want it. */
    static String base64(Path file) {
        try {
            return Base64.getEncoder().encodeToString(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
