package dev.kj.rhino.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The server's certificate and key, read again whenever either file changes, so a renewed
 * certificate (cert-manager, a cron job running cfssl) is served to new connections without a
 * restart — etcd reads the files at every handshake for the same reason. A pair that no longer
 * loads (a half-written file, a key that does not match) fails the handshake, as it does in etcd,
 * until the files are fixed.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
    private static final System.Logger LOG = System.getLogger(ReloadingKeyManager.class.getName());

    /** One loaded pair; its alias names the version so a reload between two calls cannot mix pairs. */
    private record Loaded(String alias, List<X509Certificate> chain, PrivateKey key) {
    }

    /** What the files looked like when last read, and what reading them gave (null: they did not load). */
    private record Attempt(String fingerprint, Loaded loaded) {
    }

    private final Path certFile;
    private final Path keyFile;
    private final Map<String, Loaded> byAlias = new ConcurrentHashMap<>();
    private volatile Attempt attempt;
    private int version;

    /** Loads the pair now; failures here stop the server from starting (etcd's behaviour). */
    ReloadingKeyManager(Path certFile, Path keyFile) throws IOException {
        this.certFile = certFile;
        this.keyFile = keyFile;
        String fingerprint = fingerprint();
        this.attempt = new Attempt(fingerprint, load());
    }

    private synchronized Loaded load() throws IOException {
        List<X509Certificate> chain = Pem.certificates(certFile, "certificate");
        PrivateKey key = Pem.privateKey(keyFile);
        ServerTls.requireMatchingKey(key, chain.getFirst());
        version++;
        Loaded loaded = new Loaded("rhino-" + version, chain, key);
        byAlias.put(loaded.alias(), loaded);
        // Keep the previous version for handshakes that chose it a moment ago.
        String previous = "rhino-" + (version - 1);
        byAlias.keySet().removeIf(alias -> !alias.equals(loaded.alias()) && !alias.equals(previous));
        return loaded;
    }

    /** Modification times and sizes of both files: cheap enough to check at every handshake. */
    private String fingerprint() {
        try {
            return Files.getLastModifiedTime(certFile).toMillis() + "/" + Files.size(certFile) + ":"
                    + Files.getLastModifiedTime(keyFile).toMillis() + "/" + Files.size(keyFile);
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    private Loaded current() {
        String fingerprint = fingerprint();
        Attempt last = attempt;
        if (fingerprint.equals(last.fingerprint())) {
            return last.loaded();
        }
        synchronized (this) {
            last = attempt;
            if (!fingerprint.equals(last.fingerprint())) {
                Loaded loaded = null;
                try {
                    loaded = load();
                    LOG.log(System.Logger.Level.INFO, "reloaded TLS certificate {0} and key {1}", certFile, keyFile);
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "failed to load TLS certificate {0} and key {1}: {2}",
                            certFile, keyFile, e.getMessage());
                }
                last = new Attempt(fingerprint, loaded);
                attempt = last;
            }
            return last.loaded();
        }
    }

    private String aliasFor(String keyType) {
        Loaded loaded = current();
        return loaded != null && loaded.key().getAlgorithm().equals(keyType) ? loaded.alias() : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String alias = aliasFor(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Loaded loaded = byAlias.get(alias);
        return loaded == null ? null : loaded.chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Loaded loaded = byAlias.get(alias);
        return loaded == null ? null : loaded.key();
    }

    // The server side only: Rhino never presents this pair as a client.

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }
}
