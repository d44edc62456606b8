package dev.kj.apiserver.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterPkiTest {
    @TempDir
    Path dir;

    /** Go's tooling writes ECDSA keys as SEC 1 with the curve named; clients such as fabric8 recognise EC keys only so. */
    @Test
    void theAdminKeyIsSec1WithItsCurveAndMatchesItsCertificate() throws Exception {
        ClusterPki pki = ClusterPki.ensure(dir);
        String pem = Files.readString(pki.adminKey());
        assertTrue(pem.startsWith("-----BEGIN EC PRIVATE KEY-----\n") && pem.endsWith("-----END EC PRIVATE KEY-----\n"), pem);
        var sec1 = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(java.util.Base64.getMimeDecoder()
                .decode(pem.replaceAll("-----[A-Z ]+-----", "")));
        assertEquals(org.bouncycastle.asn1.sec.SECObjectIdentifiers.secp256r1, sec1.getParametersObject());
        assertTrue(Files.readString(pki.caKey()).startsWith("-----BEGIN PRIVATE KEY-----\n"));
        assertSigns(ClusterPki.readKey(pki.adminKey()), pki.adminCert());
        assertSigns(ClusterPki.readKey(pki.caKey()), pki.caCert());
    }

    @Test
    void anExistingPkiIsReusedAsItIs() throws Exception {
        ClusterPki first = ClusterPki.ensure(dir);
        String admin = Files.readString(first.adminKey());
        String ca = Files.readString(first.caCert());
        ClusterPki again = ClusterPki.ensure(dir);
        assertEquals(admin, Files.readString(again.adminKey()));
        assertEquals(ca, Files.readString(again.caCert()));
    }

    @Test
    void theServingCertificateNamesTheHostTheServiceIpAndTheKubernetesService() throws Exception {
        ClusterPki pki = ClusterPki.ensure(dir, ClusterPki.ServingNames.forHost("10.43.0.1"), java.time.Clock.systemUTC());
        X509Certificate serving = ClusterPki.readCert(pki.servingCert());
        java.util.Set<String> names = new java.util.HashSet<>();
        for (java.util.List<?> name : serving.getSubjectAlternativeNames()) {
            names.add(String.valueOf(name.get(1)));
        }
        for (String wanted : java.util.List.of("localhost", "127.0.0.1", "10.43.0.1", "kubernetes", "kubernetes.default",
                "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", ClusterPki.hostname())) {
            assertTrue(names.contains(wanted), wanted + " in " + names);
        }
        serving.verify(ClusterPki.readCert(pki.caCert()).getPublicKey());
    }

    @Test
    void clientCertificatesComeFromTheClientCaWithUpstreamsIdentities() throws Exception {
        ClusterPki pki = ClusterPki.ensure(dir);
        X509Certificate clientCa = ClusterPki.readCert(pki.clientCaCert());
        assertTrue(!clientCa.getSubjectX500Principal().equals(ClusterPki.readCert(pki.caCert()).getSubjectX500Principal()));
        X509Certificate admin = ClusterPki.readCert(pki.adminCert());
        admin.verify(clientCa.getPublicKey());
        assertEquals("CN=kubernetes-admin,O=system:masters", admin.getSubjectX500Principal().getName());
        java.util.Map<String, String> subjects = new java.util.HashMap<>();
        for (ClusterPki.Component component : pki.components()) {
            X509Certificate cert = ClusterPki.readCert(pki.componentCert(component));
            cert.verify(clientCa.getPublicKey());
            assertEquals(java.util.List.of("1.3.6.1.5.5.7.3.2"), cert.getExtendedKeyUsage());
            assertSigns(ClusterPki.readKey(pki.componentKey(component)), pki.componentCert(component));
            subjects.put(component.stem(), cert.getSubjectX500Principal().getName());
        }
        assertEquals("CN=system:kube-scheduler", subjects.get("kube-scheduler"));
        assertEquals("CN=system:kube-controller-manager", subjects.get("kube-controller-manager"));
        assertEquals("CN=system:kube-proxy", subjects.get("kube-proxy"));
        assertEquals("CN=system:node:" + ClusterPki.hostname() + ",O=system:nodes", subjects.get("kubelet"));
        assertTrue(Files.exists(pki.frontProxyCaCert()) && Files.exists(pki.frontProxyCaKey()));
        var keys = pki.serviceAccountKeys();
        assertEquals("RSA", keys.getPublic().getAlgorithm());
        assertEquals(2048, ((java.security.interfaces.RSAPublicKey) keys.getPublic()).getModulus().bitLength());
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(pki.serviceAccountKey())));
    }

    /** Leaves within 90 days of expiry are renewed at start; the CAs (and so every client's trust) stay. */
    @Test
    void leavesNearExpiryAreRenewedUnderTheSameCa() throws Exception {
        ClusterPki pki = ClusterPki.ensure(dir);
        String ca = Files.readString(pki.caCert());
        String clientCa = Files.readString(pki.clientCaCert());
        String sa = Files.readString(pki.serviceAccountKey());
        X509Certificate before = ClusterPki.readCert(pki.adminCert());
        // 300 days on, the 365-day leaves have 65 left: due
        java.time.Clock later = java.time.Clock.offset(java.time.Clock.systemUTC(), java.time.Duration.ofDays(300));
        ClusterPki renewed = ClusterPki.ensure(dir, ClusterPki.ServingNames.forHost(null), later);
        X509Certificate after = ClusterPki.readCert(renewed.adminCert());
        assertTrue(after.getNotAfter().after(before.getNotAfter()), "the admin certificate was renewed");
        assertTrue(ClusterPki.readCert(renewed.servingCert()).getNotAfter().after(before.getNotAfter()));
        assertEquals(ca, Files.readString(renewed.caCert()));
        assertEquals(clientCa, Files.readString(renewed.clientCaCert()));
        assertEquals(sa, Files.readString(renewed.serviceAccountKey()));
        after.verify(ClusterPki.readCert(renewed.clientCaCert()).getPublicKey());
        // 100 days on nothing is due
        String admin = Files.readString(renewed.adminCert());
        ClusterPki.ensure(dir, ClusterPki.ServingNames.forHost(null),
                java.time.Clock.offset(java.time.Clock.systemUTC(), java.time.Duration.ofDays(100)));
        assertEquals(admin, Files.readString(renewed.adminCert()));
    }

    /** A serving certificate lacking a name the server now answers to (another service range) is made again. */
    @Test
    void aNewServiceIpRenewsTheServingCertificate() throws Exception {
        ClusterPki pki = ClusterPki.ensure(dir, ClusterPki.ServingNames.forHost("10.43.0.1"), java.time.Clock.systemUTC());
        String first = Files.readString(pki.servingCert());
        ClusterPki.ensure(dir, ClusterPki.ServingNames.forHost("10.43.0.1"), java.time.Clock.systemUTC());
        assertEquals(first, Files.readString(pki.servingCert()));
        ClusterPki.ensure(dir, ClusterPki.ServingNames.forHost("10.96.0.1"), java.time.Clock.systemUTC());
        assertTrue(!first.equals(Files.readString(pki.servingCert())));
    }

    private static void assertSigns(PrivateKey key, Path certFile) throws Exception {
        X509Certificate cert;
        try (var in = Files.newInputStream(certFile)) {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(key);
        signer.update(new byte[] {1, 2, 3});
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(cert.getPublicKey());
        verifier.update(new byte[] {1, 2, 3});
        assertTrue(verifier.verify(signature), "the key belongs to " + certFile);
    }
}
