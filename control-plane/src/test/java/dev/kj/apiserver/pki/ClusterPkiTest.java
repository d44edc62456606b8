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
