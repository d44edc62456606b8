package dev.kj.apiserver.validation.certificates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** CertificateSigningRequests with upstream's paths and texts. */
class CertificateSigningRequestRulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CertificateSigningRequestRules RULES = new CertificateSigningRequestRules();
    /** An ECDSA P-256 request for CN=system:node:n1, O=system:nodes (made with openssl req). */
    static final String REQUEST = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIc01JR1NBZ0VBTURBeEZ6QVZCZ05WQkFNTURuTjVjM1Js"
            + "YlRwdWIyUmxPbTR4TVJVd0V3WURWUVFLREF4egplWE4wWlcwNmJtOWtaWE13V1RBVEJnY3Foa2pPUFFJQkJnZ3Foa2pPUFFNQkJ3TkNBQVFnRTBLU3kx"
            + "TGJOUXNYCnhjeGIzQzFqM3V4NERNeU1LbEtSM0UvcS9EcExsbDduMk4zY3A5ZklwY3QraWhEUWNNK1ZtcHkvQmsxNFN4bzAKeFEraStBTGhvQUF3Q2dZ"
            + "SUtvWkl6ajBFQXdJRFNRQXdSZ0loQUpOMDR1eXRBU3lTbkpDOXJmOVF0ZDBzR3NvdApQRDBoOWFqa1JIR0VzNm9MQWlFQTlYS0dpRVZyM1F5WWsvc1JV"
            + "cnVPWnVEM3lpbEx2eU56R2xscHFyeVVvSmc9Ci0tLS0tRU5EIENFUlRJRklDQVRFIFJFUVVFU1QtLS0tLQo=";
    private static final String SUBDOMAIN = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric"
            + " characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex"
            + " used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    static ObjectNode csr(String spec, String status) {
        try {
            ObjectNode csr = (ObjectNode) JSON.readTree("{\"metadata\":{\"name\":\"c\"},\"spec\":{\"request\":\"" + REQUEST
                    + "\",\"signerName\":\"kubernetes.io/kube-apiserver-client\",\"usages\":[\"client auth\"]},\"status\":{}}");
            ((ObjectNode) csr.get("spec")).setAll((ObjectNode) JSON.readTree(spec));
            csr.set("status", JSON.readTree(status));
            return csr;
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The request with one byte of its ECDSA signature changed: it still parses, but does not verify. */
    static String tamperedRequest() {
        String pem = new String(Base64.getDecoder().decode(REQUEST), StandardCharsets.US_ASCII);
        String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        byte[] der = Base64.getDecoder().decode(body);
        der[der.length - 1] ^= 1;
        String tampered = "-----BEGIN CERTIFICATE REQUEST-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END CERTIFICATE REQUEST-----\n";
        return Base64.getEncoder().encodeToString(tampered.getBytes(StandardCharsets.US_ASCII));
    }

    record Case(String name, ObjectNode csr, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("a valid request", csr("{\"expirationSeconds\":600}", "{}"), List.of()),
                new Case("not PEM", csr("{\"request\":\"LS0=\"}", "{}"),
                        List.of("spec.request: Invalid value: []byte{0x2d, 0x2d}: PEM block type must be CERTIFICATE REQUEST")),
                new Case("a bad signature", csr("{\"request\":\"" + tamperedRequest() + "\"}", "{}"),
                        List.of("spec.request: Invalid value: " + CertificateSigningRequestRules.goBytes(
                                Base64.getDecoder().decode(tamperedRequest())) + ": x509: ECDSA verification failure")),
                new Case("usages", csr("{\"usages\":[\"client auth\",\"flying\",\"client auth\"]}", "{}"),
                        List.of("spec.usages[1]: Unsupported value: \"flying\": supported values: \"any\", \"cert sign\","
                                        + " \"client auth\", \"code signing\", \"content commitment\", \"crl sign\","
                                        + " \"data encipherment\", \"decipher only\", \"digital signature\", \"email protection\","
                                        + " \"encipher only\", \"ipsec end system\", \"ipsec tunnel\", \"ipsec user\","
                                        + " \"key agreement\", \"key encipherment\", \"microsoft sgc\", \"netscape sgc\","
                                        + " \"ocsp signing\", \"s/mime\", \"server auth\", \"signing\", \"timestamping\"",
                                "spec.usages[2]: Duplicate value: \"client auth\"")),
                new Case("no usages, no signer, short expiry", csr("{\"usages\":[],\"signerName\":\"\",\"expirationSeconds\":599}", "{}"),
                        List.of("spec.usages: Required value", "spec.signerName: Required value",
                                "spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds"
                                        + " (10 minutes)")),
                new Case("the legacy signer", csr("{\"signerName\":\"kubernetes.io/legacy-unknown\"}", "{}"),
                        List.of("spec.signerName: Invalid value: \"kubernetes.io/legacy-unknown\": the legacy signerName is"
                                + " not allowed via this API version")),
                new Case("a signer without a path", csr("{\"signerName\":\"example.com\"}", "{}"),
                        List.of("spec.signerName: Invalid value: \"example.com\": must be a fully qualified domain and path of"
                                + " the form 'example.com/signer-name'")),
                new Case("a signer with bad parts", csr("{\"signerName\":\"Example/signer_x\"}", "{}"),
                        List.of("spec.signerName: Invalid value: \"Example\": validating label \"Example\": a lowercase RFC"
                                        + " 1123 label must consist of lower case alphanumeric characters or '-', and must start"
                                        + " and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for"
                                        + " validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                                "spec.signerName: Invalid value: \"Example\": should be a domain with at least two segments"
                                        + " separated by dots",
                                "spec.signerName: Invalid value: \"signer_x\": validating label \"signer_x\": " + SUBDOMAIN)),
                new Case("conditions", csr("{}", """
                        {"conditions":[{"type":"Approved","status":"True"},{"type":"Denied","status":"False"},
                         {"type":"","status":""},{"type":"Approved","status":"True"},{"type":"Ready","status":"Maybe"}]}"""),
                        List.of("status.conditions[1].status: Unsupported value: \"False\": supported values: \"True\"",
                                "status.conditions[1].type: Invalid value: \"Denied\": Approved and Denied conditions are"
                                        + " mutually exclusive",
                                "status.conditions[2].type: Required value",
                                "status.conditions[2].status: Required value",
                                "status.conditions[3].type: Invalid value: \"Approved\": Approved and Denied conditions are"
                                        + " mutually exclusive",
                                "status.conditions[3].type: Duplicate value: \"Approved\"",
                                "status.conditions[4].status: Unsupported value: \"Maybe\": supported values: \"False\","
                                        + " \"True\", \"Unknown\"")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void problems(Case c) {
        assertEquals(c.expected(), RULES.validateCreate(c.csr()).stream().map(FieldError::toString).toList());
    }

    @Test
    void updatesTolerateWhatTheStoredObjectAlreadyBreaks() {
        ObjectNode legacy = csr("{\"signerName\":\"kubernetes.io/legacy-unknown\",\"usages\":[\"flying\",\"flying\"]}",
                "{\"conditions\":[{\"type\":\"Approved\",\"status\":\"True\"},{\"type\":\"Approved\",\"status\":\"True\"}]}");
        assertEquals(List.of(), RULES.validateUpdate(legacy.deepCopy(), legacy));
        ObjectNode approved = csr("{}", "{\"conditions\":[{\"type\":\"Approved\",\"status\":\"True\"}]}");
        ObjectNode denied = csr("{}", "{\"conditions\":[{\"type\":\"Approved\",\"status\":\"True\"},"
                + "{\"type\":\"Denied\",\"status\":\"True\"}]}");
        assertEquals(List.of("status.conditions[1].type: Invalid value: \"Denied\": Approved and Denied conditions are"
                + " mutually exclusive"), RULES.validateUpdate(denied, approved).stream().map(FieldError::toString).toList());
        assertEquals(List.of(), RULES.validateUpdate(denied.deepCopy(), denied), "both were stored already");
    }

    @Test
    void statusCertificateMustBePemAndIsSetOnce() {
        ObjectNode pending = csr("{}", "{}");
        String notPem = Base64.getEncoder().encodeToString("hello".getBytes(StandardCharsets.US_ASCII));
        assertEquals(List.of("status.certificate: Invalid value: \"<certificate data>\": must contain at least one"
                        + " CERTIFICATE PEM block"),
                RULES.validateUpdate(csr("{}", "{\"certificate\":\"" + notPem + "\"}"), pending).stream()
                        .map(FieldError::toString).toList());
        String wrongType = Base64.getEncoder().encodeToString(Base64.getDecoder().decode(REQUEST));
        assertEquals(List.of("status.certificate: Invalid value: \"<certificate data>\": only CERTIFICATE PEM blocks are"
                        + " allowed, found \"CERTIFICATE REQUEST\""),
                RULES.validateUpdate(csr("{}", "{\"certificate\":\"" + wrongType + "\"}"), pending).stream()
                        .map(FieldError::toString).toList());
        assertTrue(RULES.validateUpdate(pending, pending).isEmpty());
    }
}
