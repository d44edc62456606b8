package dev.kj.rhino.tls;

import java.nio.file.Path;

/**
 * TLS for client URLs, as etcd's flags describe it ({@code --cert-file}, {@code --key-file},
 * {@code --trusted-ca-file}, {@code --client-cert-auth}, {@code --client-crl-file}). Any field may be
 * null; {@link #NONE} is plaintext only.
 */
public record ClientTls(Path certFile, Path keyFile, Path trustedCaFile, boolean clientCertAuth, Path crlFile) {
    public static final ClientTls NONE = new ClientTls(null, null, null, false, null);

    /** etcd's TLSInfo.Empty: neither a certificate nor a key was given (so https URLs cannot be served). */
    public boolean empty() {
        return certFile == null && keyFile == null;
    }

    /**
     * etcd 3.4 asks every client for a certificate verified against the trusted CA once a trusted
     * CA file is given, with or without {@code --client-cert-auth}.
     */
    public boolean requiresClientCertificate() {
        return clientCertAuth || trustedCaFile != null;
    }
}
