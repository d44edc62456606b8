package dev.kj.api.client;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** Builds the client's TLS context from a kubeconfig's PEM data: the cluster's CA and the user's certificate. */
final class TlsMaterial {
    private TlsMaterial() {
    }

    static SSLContext context(Kubeconfig.Cluster cluster, Kubeconfig.User user) throws IOException {
        try {
            TrustManager[] trust = null;
            if (cluster.insecureSkipTlsVerify()) {
                trust = new TrustManager[] {new TrustEverything()};
            } else if (cluster.certificateAuthority() != null) {
                KeyStore roots = KeyStore.getInstance(KeyStore.getDefaultType());
                roots.load(null, null);
                int i = 0;
                for (Certificate certificate : certificates(cluster.certificateAuthority(), "certificate-authority")) {
                    roots.setCertificateEntry("ca-" + i++, certificate);
                }
                TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                factory.init(roots);
                trust = factory.getTrustManagers();
            }
            KeyManager[] keys = null;
            if (user.clientCertificate() != null || user.clientKey() != null) {
                if (user.clientCertificate() == null || user.clientKey() == null) {
                    throw new IOException("client-certificate and client-key go together");
                }
                Collection<? extends Certificate> chain = certificates(user.clientCertificate(), "client-certificate");
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                char[] password = new char[0];
                store.setKeyEntry("client", privateKey(user.clientKey()), password, chain.toArray(Certificate[]::new));
                KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                factory.init(store, password);
                keys = factory.getKeyManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static Collection<? extends Certificate> certificates(byte[] pem, String what) throws IOException {
        try {
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem));
            if (certificates.isEmpty()) {
                throw new IOException(what + ": no certificate found in the PEM data");
            }
            return certificates;
        } catch (java.security.cert.CertificateException e) {
            throw new IOException(what + ": " + e.getMessage(), e);
        }
    }

    /** PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or SEC 1 ("EC PRIVATE KEY"). */
    static PrivateKey privateKey(byte[] pem) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
                switch (item) {
                    case PrivateKeyInfo info -> {
                        return converter.getPrivateKey(info);
                    }
                    case PEMKeyPair pair -> {
                        return converter.getKeyPair(pair).getPrivate();
                    }
                    default -> {
                        // parameters blocks (EC PARAMETERS) and the like come before the key
                    }
                }
            }
        }
        throw new IOException("client-key: no private key found in the PEM data (encrypted keys are not supported)");
    }
}
