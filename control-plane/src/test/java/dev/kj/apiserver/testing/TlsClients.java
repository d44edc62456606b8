package dev.kj.apiserver.testing;

import dev.kj.apiserver.pki.ClusterPki;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** JDK HTTP clients for a kj API server's PKI directory. */
public final class TlsClients {
    private TlsClients() {
    }

    /** A client trusting the cluster CA, presenting the admin certificate when asked. */
    public static HttpClient client(Path pki, boolean withAdminCertificate) throws Exception {
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(pki.resolve("ca.crt"))) {
            trust.setCertificateEntry("ca", x509.generateCertificate(in));
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        if (withAdminCertificate) {
            PrivateKey key = ClusterPki.readKey(pki.resolve("admin.key"));
            Certificate cert;
            try (InputStream in = Files.newInputStream(pki.resolve("admin.crt"))) {
                cert = x509.generateCertificate(in);
            }
            keys.setKeyEntry("admin", key, new char[0], new Certificate[] {cert});
        }
        keyManagers.init(keys, new char[0]);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).build();
    }
}
