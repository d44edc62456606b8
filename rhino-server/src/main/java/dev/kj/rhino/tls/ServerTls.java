package dev.kj.rhino.tls;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CRL;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Builds the server side of client TLS the way etcd's transport.TLSInfo.ServerConfig does: TLS 1.2
 * or newer, ALPN h2 and http/1.1 (the JSON gateway shares the port), the certificate and key read at start (bad files fail the start, as they fail
 * etcd's) and again whenever they change ({@link ReloadingKeyManager}), a client certificate required and verified against the trusted CA (the system's
 * roots when none is given) when {@link ClientTls#requiresClientCertificate()}, and the CRL file
 * re-read on every handshake, refusing a chain any of whose serial numbers it lists.
 *
 * <p>The JDK's own TLS provider is used: it speaks ALPN since Java 9 and needs no native library.
 */
public final class ServerTls {
    private ServerTls() {
    }

    public static SslContext sslContext(ClientTls tls) throws IOException {
        if (tls.certFile() == null || tls.keyFile() == null) {
            throw new IOException("KeyFile and CertFile must both be present[key: "
                    + orEmpty(tls.keyFile()) + ", cert: " + orEmpty(tls.certFile()) + "]");
        }
        SslContextBuilder builder = GrpcSslContexts.configure(
                SslContextBuilder.forServer(new ReloadingKeyManager(tls.certFile(), tls.keyFile())), SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2")
                // gRPC (h2) and etcd's JSON gateway (http/1.1) share the port, as on etcd.
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1));
        if (tls.requiresClientCertificate()) {
            X509ExtendedTrustManager verifier = trustManager(tls.trustedCaFile());
            builder.clientAuth(ClientAuth.REQUIRE)
                    .trustManager(tls.crlFile() == null ? verifier : new CrlCheckingTrustManager(verifier, tls.crlFile()));
        }
        try {
            return builder.build();
        } catch (IOException e) {
            throw new IOException("cannot set up TLS with " + tls.certFile() + " and " + tls.keyFile()
                    + ": " + e.getMessage(), e);
        }
    }

    private static String orEmpty(Path path) {
        return path == null ? "" : path.toString();
    }

    /** Go's tls.X509KeyPair refuses a key that does not belong to the certificate; so do we. */
    static void requireMatchingKey(PrivateKey key, X509Certificate cert) throws IOException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm();
        };
        if (!key.getAlgorithm().equals(cert.getPublicKey().getAlgorithm())) {
            throw new IOException("tls: private key type does not match public key type");
        }
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw new IOException("tls: private key does not match public key");
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("tls: private key does not match public key (" + e.getMessage() + ")", e);
        }
    }

    /** PKIX verification against the CA file's certificates, or the JDK's default roots. */
    private static X509ExtendedTrustManager trustManager(Path caFile) throws IOException {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (caFile == null) {
                factory.init((KeyStore) null);
            } else {
                KeyStore roots = KeyStore.getInstance(KeyStore.getDefaultType());
                roots.load(null, null);
                int i = 0;
                for (X509Certificate ca : Pem.certificates(caFile, "certificate")) {
                    roots.setCertificateEntry("ca-" + i++, ca);
                }
                factory.init(roots);
            }
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
            throw new IOException("no X.509 trust manager available");
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot load trusted CA file " + caFile + ": " + e.getMessage(), e);
        }
    }

    /** etcd's checkCRL: the CRL file is read per connection; a listed serial anywhere in the chain refuses it. */
    private static final class CrlCheckingTrustManager extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;
        private final Path crlFile;

        CrlCheckingTrustManager(X509ExtendedTrustManager delegate, Path crlFile) {
            this.delegate = delegate;
            this.crlFile = crlFile;
        }

        private void checkRevoked(X509Certificate[] chain) throws CertificateException {
            Collection<? extends CRL> crls;
            try {
                crls = CertificateFactory.getInstance("X.509")
                        .generateCRLs(new ByteArrayInputStream(Pem.read(crlFile)));
            } catch (IOException | GeneralSecurityException e) {
                throw new CertificateException("cannot read CRL file " + crlFile + ": " + e.getMessage(), e);
            }
            for (CRL crl : crls) {
                if (!(crl instanceof X509CRL x509)) {
                    continue;
                }
                for (X509Certificate cert : chain) {
                    if (x509.getRevokedCertificate(cert.getSerialNumber()) != null) {
                        throw new CertificateException("transport: certificate serial "
                                + HexFormat.of().formatHex(cert.getSerialNumber().toByteArray()) + " revoked");
                    }
                }
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            delegate.checkClientTrusted(chain, authType, socket);
            checkRevoked(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            delegate.checkClientTrusted(chain, authType, engine);
            checkRevoked(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
            checkRevoked(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            delegate.checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            delegate.checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }
}
