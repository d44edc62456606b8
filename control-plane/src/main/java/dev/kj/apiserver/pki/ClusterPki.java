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
import java.time.Clock;
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
 * The cluster's certificates and keys in {@code <data-dir>/pki}, in kubeadm's file names: the
 * cluster CA (ca.*) that signs the serving certificate; a client CA (client-ca.*) that signs every
 * client certificate the API server accepts (k3s keeps the two apart, so a leaked serving key
 * cannot mint users); a front-proxy CA; the service-account signing key pair (sa.key, sa.pub, RSA
 * as upstream's RS256 needs); the admin client certificate (CN kubernetes-admin, O system:masters,
 * as kubeadm's admin.conf) and the components' client certificates (scheduler, controller manager,
 * proxy, this host's kubelet as system:node:HOST in system:nodes).
 *
 * <p>Made once, then reused. On each start a leaf is made again when it is missing, no longer
 * verifies with its CA, expires within {@link #RENEW_BEFORE} (k3s' 90 days), or (serving
 * certificate) lacks a name the server now answers to; CAs are kept unless missing. Keys are P-256
 * (RSA for sa.key), readable by the owner only. The CA and serving keys are stored PKCS#8; client
 * keys, which clients read from kubeconfigs, are SEC 1 ("EC PRIVATE KEY") as Go's tooling (kubeadm,
 * client-go's keyutil) writes ECDSA keys: some clients (fabric8's) take every PKCS#8 "PRIVATE KEY"
 * for RSA.
 */
public final class ClusterPki {
    private static final Duration CA_LIFETIME = Duration.ofDays(3650);
    private static final Duration LEAF_LIFETIME = Duration.ofDays(365);
    /** Leaves expiring sooner than this are renewed at start (k3s renews within 90 days). */
    public static final Duration RENEW_BEFORE = Duration.ofDays(90);
    public static final String ADMIN_USER = "kubernetes-admin";
    public static final String ADMIN_GROUP = "system:masters";

    /** A client certificate of a component, by file stem, CN and O (upstream's identities). */
    public record Component(String stem, String user, String group) {
    }

    private final Path dir;
    private final List<Component> components;

    private ClusterPki(Path dir, List<Component> components) {
        this.dir = dir;
        this.components = components;
    }

    public Path caCert() {
        return dir.resolve("ca.crt");
    }

    public Path caKey() {
        return dir.resolve("ca.key");
    }

    /** The CA client certificates are verified against. */
    public Path clientCaCert() {
        return dir.resolve("client-ca.crt");
    }

    public Path clientCaKey() {
        return dir.resolve("client-ca.key");
    }

    public Path frontProxyCaCert() {
        return dir.resolve("front-proxy-ca.crt");
    }

    public Path frontProxyCaKey() {
        return dir.resolve("front-proxy-ca.key");
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

    /** The service-account token signing key (RSA, PKCS#8). */
    public Path serviceAccountKey() {
        return dir.resolve("sa.key");
    }

    /** The service-account token verification key (PEM "PUBLIC KEY"). */
    public Path serviceAccountPublicKey() {
        return dir.resolve("sa.pub");
    }

    /** The components' client certificates made besides the admin's. */
    public List<Component> components() {
        return components;
    }

    public Path componentCert(Component component) {
        return dir.resolve(component.stem() + ".crt");
    }

    public Path componentKey(Component component) {
        return dir.resolve(component.stem() + ".key");
    }

    /** The kubelet's serving certificate (upstream's kubelet.crt/key): the API server verifies it against the CA. */
    public Path kubeletServingCert() {
        return dir.resolve("kubelet-serving.crt");
    }

    public Path kubeletServingKey() {
        return dir.resolve("kubelet-serving.key");
    }

    /**
     * Issues (or keeps, while current and naming them all) the kubelet's serving certificate for
     * {@code nodeName} from the cluster CA, with the node's name and addresses as SANs, so the API
     * server can verify the kubelet it proxies logs, exec and port-forward to.
     */
    public void ensureKubeletServing(String nodeName, List<String> ipAddresses, Instant now) throws IOException {
        List<GeneralName> altNames = new java.util.ArrayList<>();
        altNames.add(new GeneralName(GeneralName.dNSName, nodeName.toLowerCase(java.util.Locale.ROOT)));
        ipAddresses.forEach(ip -> altNames.add(new GeneralName(GeneralName.iPAddress, canonicalIp(ip))));
        try {
            KeyPairAndCert ca = ensureCa(caKey(), caCert(), "kj-ca", now);
            ensureLeaf(kubeletServingKey(), KeyEncoding.PKCS8, kubeletServingCert(),
                    subject("system:node:" + nodeName, "system:nodes"), ca, altNames, KeyPurposeId.id_kp_serverAuth, now);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot issue the kubelet serving certificate in " + dir, e);
        }
    }

    /**
     * The names the serving certificate carries besides localhost and 127.0.0.1/::1: this host's
     * addresses and names, the first service IP, and the kubernetes Service's DNS names.
     */
    public record ServingNames(List<String> dnsNames, List<String> ipAddresses) {
        public ServingNames {
            dnsNames = List.copyOf(new java.util.LinkedHashSet<>(dnsNames));
            ipAddresses = List.copyOf(new java.util.LinkedHashSet<>(ipAddresses));
        }

        /** This host's, plus {@code serviceIp} (the range's first address; null: none). */
        public static ServingNames forHost(String serviceIp) {
            List<String> dns = new java.util.ArrayList<>(List.of("localhost", "kubernetes", "kubernetes.default",
                    "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"));
            List<String> ips = new java.util.ArrayList<>(List.of("127.0.0.1", "::1"));
            if (serviceIp != null) {
                ips.add(serviceIp);
            }
            dns.add(hostname());
            try {
                for (var nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                    if (!nic.isUp()) {
                        continue;
                    }
                    for (var address : java.util.Collections.list(nic.getInetAddresses())) {
                        if (address.isLinkLocalAddress()) {
                            continue; // fe80::/10 needs a zone; nobody dials it by certificate
                        }
                        ips.add(address.getHostAddress().replaceFirst("%.*$", ""));
                    }
                }
            } catch (java.net.SocketException e) {
                // no interface list: the loopback names and the service names still hold
            }
            return new ServingNames(dns.stream().map(n -> n.toLowerCase(java.util.Locale.ROOT)).toList(),
                    ips.stream().map(ClusterPki::canonicalIp).toList());
        }
    }

    /** This host's name, as the kubelet's node name defaults to it (lower case). */
    public static String hostname() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName().toLowerCase(java.util.Locale.ROOT);
        } catch (java.net.UnknownHostException e) {
            String env = System.getenv("HOSTNAME");
            return env == null || env.isBlank() ? "localhost" : env.toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static String canonicalIp(String ip) {
        try {
            return java.net.InetAddress.getByName(ip).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + ip, e);
        }
    }

    /** The PKI in {@code dir} with this host's names and the default service range's first address. */
    public static ClusterPki ensure(Path dir) throws IOException {
        return ensure(dir, ServingNames.forHost(null), Clock.systemUTC());
    }

    /** The PKI in {@code dir}, created where files are missing and renewed where due. */
    public static ClusterPki ensure(Path dir, ServingNames names, Clock clock) throws IOException {
        String host = hostname();
        ClusterPki pki = new ClusterPki(dir, List.of(
                new Component("kube-scheduler", "system:kube-scheduler", null),
                new Component("kube-controller-manager", "system:kube-controller-manager", null),
                new Component("kube-proxy", "system:kube-proxy", null),
                new Component("kubelet", "system:node:" + host, "system:nodes"),
                new Component("apiserver-kubelet-client", "kube-apiserver-kubelet-client", ADMIN_GROUP)));
        Files.createDirectories(dir);
        Instant now = clock.instant();
        try {
            KeyPairAndCert ca = ensureCa(pki.caKey(), pki.caCert(), "kj-ca", now);
            KeyPairAndCert clientCa = ensureCa(pki.clientCaKey(), pki.clientCaCert(), "kj-client-ca", now);
            ensureCa(pki.frontProxyCaKey(), pki.frontProxyCaCert(), "kj-front-proxy-ca", now);
            List<GeneralName> altNames = new java.util.ArrayList<>();
            names.dnsNames().forEach(n -> altNames.add(new GeneralName(GeneralName.dNSName, n)));
            names.ipAddresses().forEach(ip -> altNames.add(new GeneralName(GeneralName.iPAddress, ip)));
            ensureLeaf(pki.servingKey(), KeyEncoding.PKCS8, pki.servingCert(), new X500Name("CN=kube-apiserver"), ca,
                    altNames, KeyPurposeId.id_kp_serverAuth, now);
            ensureLeaf(pki.adminKey(), KeyEncoding.SEC1, pki.adminCert(), subject(ADMIN_USER, ADMIN_GROUP), clientCa,
                    List.of(), KeyPurposeId.id_kp_clientAuth, now);
            for (Component component : pki.components) {
                ensureLeaf(pki.componentKey(component), KeyEncoding.SEC1, pki.componentCert(component),
                        subject(component.user(), component.group()), clientCa, List.of(), KeyPurposeId.id_kp_clientAuth, now);
            }
            ensureServiceAccountKey(pki);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot create the cluster PKI in " + dir, e);
        }
        return pki;
    }

    private static X500Name subject(String user, String group) {
        // X500Name escapes nothing for us; the names here are fixed identities without RDN specials
        return new X500Name((group == null ? "" : "O=" + group + ",") + "CN=" + user);
    }

    private record KeyPairAndCert(KeyPair keys, X509Certificate cert, X500Name name) {
    }

    private static KeyPairAndCert ensureCa(Path keyFile, Path certFile, String commonName, Instant now)
            throws IOException, GeneralSecurityException, OperatorCreationException {
        if (!Files.exists(certFile) || !Files.exists(keyFile)) {
            KeyPair ca = newKeyPair();
            X500Name name = new X500Name("CN=" + commonName);
            X509Certificate cert = sign(name, ca.getPublic(), name, ca, CA_LIFETIME, true, List.of(), List.of(), null, now);
            writeKeyAndCert(keyFile, ca.getPrivate(), KeyEncoding.PKCS8, certFile, cert);
        }
        X509Certificate cert = readCert(certFile);
        return new KeyPairAndCert(new KeyPair(cert.getPublicKey(), readKey(keyFile)), cert,
                X500Name.getInstance(cert.getSubjectX500Principal().getEncoded()));
    }

    private static void ensureLeaf(Path keyFile, KeyEncoding encoding, Path certFile, X500Name subject, KeyPairAndCert issuer,
                                   List<GeneralName> altNames, KeyPurposeId purpose, Instant now)
            throws IOException, GeneralSecurityException, OperatorCreationException {
        if (Files.exists(certFile) && Files.exists(keyFile) && current(readCert(certFile), issuer.cert(), altNames, now)) {
            return;
        }
        KeyPair keys = newKeyPair();
        X509Certificate cert = sign(subject, keys.getPublic(), issuer.name(), issuer.keys(), LEAF_LIFETIME, false,
                altNames, List.of(purpose), issuer.cert(), now);
        writeKeyAndCert(keyFile, keys.getPrivate(), encoding, certFile, cert);
    }

    /** Signed by this CA, not due for renewal, and carrying every name wanted. */
    private static boolean current(X509Certificate cert, X509Certificate ca, List<GeneralName> altNames, Instant now)
            throws IOException {
        try {
            cert.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            return false;
        }
        if (cert.getNotAfter().toInstant().isBefore(now.plus(RENEW_BEFORE))) {
            return false;
        }
        if (altNames.isEmpty()) {
            return true;
        }
        byte[] extension = cert.getExtensionValue(Extension.subjectAlternativeName.getId());
        if (extension == null) {
            return false;
        }
        GeneralNames present = GeneralNames.getInstance(
                org.bouncycastle.asn1.ASN1OctetString.getInstance(extension).getOctets());
        return java.util.Set.of(present.getNames()).containsAll(altNames);
    }

    private static void ensureServiceAccountKey(ClusterPki pki) throws IOException, GeneralSecurityException {
        if (Files.exists(pki.serviceAccountKey()) && Files.exists(pki.serviceAccountPublicKey())) {
            return;
        }
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        writePrivate(pki.serviceAccountKey(), pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
        Files.writeString(pki.serviceAccountPublicKey(), pem("PUBLIC KEY", keys.getPublic().getEncoded()));
    }

    /** The service-account key pair: sa.key's private key and sa.pub's public key. */
    public KeyPair serviceAccountKeys() throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(Files.readString(serviceAccountPublicKey())))) {
            if (!(parser.readObject() instanceof SubjectPublicKeyInfo info)) {
                throw new IOException(serviceAccountPublicKey() + " holds no public key");
            }
            return new KeyPair(new JcaPEMKeyConverter().getPublicKey(info), readKey(serviceAccountKey()));
        }
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(X500Name subject, java.security.PublicKey key, X500Name issuer, KeyPair issuerKeys,
                                        Duration lifetime, boolean isCa, List<GeneralName> altNames,
                                        List<KeyPurposeId> purposes, X509Certificate issuerCert, Instant now)
            throws GeneralSecurityException, OperatorCreationException, IOException {
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
        writePrivate(keyFile, switch (encoding) {
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
        Files.writeString(certFile, pem("CERTIFICATE", cert.getEncoded()));
    }

    /** Owner-only, replaced atomically. */
    private static void writePrivate(Path keyFile, String text) throws IOException {
        Path keyTemp = keyFile.resolveSibling(keyFile.getFileName() + ".tmp");
        Files.deleteIfExists(keyTemp);
        Files.createFile(keyTemp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyTemp, text);
        Files.move(keyTemp, keyFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    public static X509Certificate readCert(Path file) throws IOException, GeneralSecurityException {
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
