package dev.kj.apiserver.testing;

import dev.kj.apiserver.pki.ClusterPki;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Client certificates for test users, signed by a server's cluster CA: CN = user name, one O per
 * group (how upstream's x509 authenticator reads them).
 */
public final class UserCertificates {
    private UserCertificates() {
    }

    /** A user's key and certificate. */
    public record Issued(PrivateKey key, X509Certificate certificate) {
        /** A JDK client trusting the cluster CA and presenting this certificate. */
        public HttpClient client(Path pki) throws Exception {
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            try (InputStream in = Files.newInputStream(pki.resolve("ca.crt"))) {
                trust.setCertificateEntry("ca", x509.generateCertificate(in));
            }
            TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust);
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("user", key, new char[0], new Certificate[] {certificate});
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, new char[0]);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
            return HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).build();
        }

        /** A kubeconfig for {@code server} with this user's certificate and key embedded. */
        public Path kubeconfig(Path file, String server, Path pki) throws Exception {
            Base64.Encoder base64 = Base64.getEncoder();
            String ca = base64.encodeToString(Files.readAllBytes(pki.resolve("ca.crt")));
            String cert = base64.encodeToString(pem("CERTIFICATE", certificate.getEncoded()).getBytes(StandardCharsets.US_ASCII));
            String keyPem = base64.encodeToString(pem("PRIVATE KEY", key.getEncoded()).getBytes(StandardCharsets.US_ASCII));
            Files.writeString(file, """
                    apiVersion: v1
                    kind: Config
                    clusters:
                    - name: kj
                      cluster: {server: "%s", certificate-authority-data: %s}
                    users:
                    - name: user
                      user: {client-certificate-data: %s, client-key-data: %s}
                    contexts:
                    - name: user@kj
                      context: {cluster: kj, user: user}
                    current-context: user@kj
                    """.formatted(server, ca, cert, keyPem));
            return file;
        }
    }

    public static Issued issue(Path pki, String name, List<String> groups) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = generator.generateKeyPair();
        // client certificates come from the client CA (ClusterPki keeps it apart from the serving CA)
        X509Certificate ca;
        try (InputStream in = Files.newInputStream(pki.resolve("client-ca.crt"))) {
            ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        PrivateKey caKey = ClusterPki.readKey(pki.resolve("client-ca.key"));
        X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE);
        groups.forEach(group -> subject.addRDN(BCStyle.O, group));
        subject.addRDN(BCStyle.CN, name);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()),
                BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minus(Duration.ofMinutes(5))),
                Date.from(now.plus(Duration.ofDays(1))), subject.build(), pair.getPublic());
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey)));
        return new Issued(pair.getPrivate(), certificate);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
