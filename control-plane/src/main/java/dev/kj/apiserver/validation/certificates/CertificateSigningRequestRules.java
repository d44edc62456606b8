package dev.kj.apiserver.validation.certificates;

import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import dev.kj.apiserver.validation.KindRules;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * certificates.k8s.io/v1 CertificateSigningRequests (pkg/apis/certificates/validation): a PEM
 * PKCS#10 request whose signature verifies, known and distinct usages, a qualified signer name
 * (never the legacy one), expirationSeconds of at least 600, and well-formed conditions, on create
 * and, with upstream's allowances for what the stored object already breaks, on every update; an
 * update that changes status.certificate must bring PEM certificates and may not replace one. Which
 * conditions a write may add or remove is the strategy's (registry.certificates).
 */
public final class CertificateSigningRequestRules implements KindRules {
    static final String LEGACY_SIGNER = "kubernetes.io/legacy-unknown";
    private static final int SUBDOMAIN_MAX = 253;
    private static final int LABEL_MAX = 63;
    private static final int SIGNER_NAME_MAX = SUBDOMAIN_MAX + (SUBDOMAIN_MAX + LABEL_MAX + 1) + 1;
    /** Upstream's allValidUsages, sorted as its sets.String.List() prints them. */
    private static final List<String> USAGES = List.copyOf(new TreeSet<>(List.of("signing", "digital signature",
            "content commitment", "key encipherment", "key agreement", "data encipherment", "cert sign", "crl sign",
            "encipher only", "decipher only", "any", "server auth", "client auth", "code signing", "email protection",
            "s/mime", "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing", "microsoft sgc",
            "netscape sgc")));
    private static final Set<String> TRUE_ONLY_TYPES = Set.of("Approved", "Denied", "Failed");

    /** A create's problems: every rule in full. */
    @Override
    public List<FieldError> validateCreate(ObjectNode csr) {
        return problems(csr, Allowances.NONE);
    }

    /**
     * An update's problems: the same rules, but what the stored object already breaks (the legacy
     * signer, unknown or repeated usages, repeated or empty condition types, both Approved and
     * Denied) is tolerated, as upstream's getValidationOptions does for existing data; then the
     * status.certificate rules.
     */
    @Override
    public List<FieldError> validateUpdate(ObjectNode csr, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>(problems(csr, Allowances.of(old)));
        errors.addAll(certificateUpdate(csr, old));
        return errors;
    }

    /** Rules that upstream relaxes for data stored before them. */
    private record Allowances(boolean legacySigner, boolean unknownUsages, boolean duplicateUsages,
                              boolean duplicateConditionTypes, boolean emptyConditionType, boolean approvedAndDenied) {
        static final Allowances NONE = new Allowances(false, false, false, false, false, false);

        static Allowances of(JsonNode old) {
            JsonNode usages = old.path("spec").path("usages");
            Set<String> seenUsages = new HashSet<>();
            boolean unknown = false;
            boolean repeated = false;
            for (JsonNode usage : usages) {
                unknown |= !USAGES.contains(usage.asText());
                repeated |= !seenUsages.add(usage.asText());
            }
            Set<String> seenTypes = new HashSet<>();
            boolean repeatedType = false;
            boolean emptyType = false;
            for (JsonNode condition : old.path("status").path("conditions")) {
                String type = text(condition, "type");
                repeatedType |= !seenTypes.add(type);
                emptyType |= type.isEmpty();
            }
            return new Allowances(text(old.path("spec"), "signerName").equals(LEGACY_SIGNER), unknown, repeated,
                    repeatedType, emptyType, seenTypes.contains("Approved") && seenTypes.contains("Denied"));
        }
    }

    /** validateCertificateSigningRequest with the given allowances. */
    private static List<FieldError> problems(ObjectNode csr, Allowances allow) {
        List<FieldError> errors = new ArrayList<>();
        FieldPath spec = FieldPath.root("spec");
        JsonNode specNode = csr.path("spec");
        byte[] request = bytes(specNode.path("request"));
        String problem = requestProblem(request);
        if (problem != null) {
            errors.add(FieldError.invalidRendered(spec.child("request"), goBytes(request), problem));
        }
        JsonNode usages = specNode.path("usages");
        if (usages.isEmpty()) {
            errors.add(FieldError.required(spec.child("usages"), ""));
        }
        for (int i = 0; i < usages.size() && !allow.unknownUsages(); i++) {
            if (!USAGES.contains(usages.get(i).asText())) {
                errors.add(FieldError.notSupported(spec.child("usages").index(i), usages.get(i).asText(), USAGES));
            }
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < usages.size() && !allow.duplicateUsages(); i++) {
            if (!seen.add(usages.get(i).asText())) {
                errors.add(FieldError.duplicate(spec.child("usages").index(i), usages.get(i).asText()));
            }
        }
        String signer = text(specNode, "signerName");
        if (signer.equals(LEGACY_SIGNER) && !allow.legacySigner()) {
            errors.add(FieldError.invalid(spec.child("signerName"), signer,
                    "the legacy signerName is not allowed via this API version"));
        } else {
            errors.addAll(signerName(spec.child("signerName"), signer));
        }
        JsonNode expiration = specNode.get("expirationSeconds");
        if (expiration != null && expiration.isNumber() && expiration.asLong() < 600) {
            errors.add(FieldError.invalid(spec.child("expirationSeconds"), expiration.asLong(),
                    "may not specify a duration less than 600 seconds (10 minutes)"));
        }
        errors.addAll(conditions(FieldPath.of("status", "conditions"), csr.path("status").path("conditions"), allow));
        return errors;
    }

    /** A changed status.certificate (only /status may change it) must be PEM certificates and may not replace one. */
    private static List<FieldError> certificateUpdate(ObjectNode csr, ObjectNode old) {
        String certificate = text(csr.path("status"), "certificate");
        String before = text(old.path("status"), "certificate");
        if (certificate.equals(before)) {
            return List.of();
        }
        List<FieldError> errors = new ArrayList<>();
        FieldPath path = FieldPath.of("status", "certificate");
        String problem = certificateProblem(bytes(csr.path("status").path("certificate")));
        // stored data that was never valid may stay invalid (upstream's allowArbitraryCertificate)
        if (problem != null && certificateProblem(bytes(old.path("status").path("certificate"))) == null) {
            errors.add(FieldError.invalid(path, "<certificate data>", problem));
        }
        if (!before.isEmpty()) {
            errors.add(FieldError.forbidden(path, "updates may not modify existing certificate content"));
        }
        return errors;
    }

    /** validateConditions: type required and unique, Approved and Denied exclusive, statuses known. */
    private static List<FieldError> conditions(FieldPath path, JsonNode conditions, Allowances allow) {
        List<FieldError> errors = new ArrayList<>();
        Set<String> seenTypes = new HashSet<>();
        boolean approved = false;
        boolean denied = false;
        for (int i = 0; i < conditions.size(); i++) {
            JsonNode condition = conditions.get(i);
            FieldPath at = path.index(i);
            String type = text(condition, "type");
            if (type.isEmpty() && !allow.emptyConditionType()) {
                errors.add(FieldError.required(at.child("type"), ""));
            }
            List<String> allowed = TRUE_ONLY_TYPES.contains(type) ? List.of("True") : List.of("False", "True", "Unknown");
            String status = text(condition, "status");
            if (status.isEmpty()) {
                errors.add(FieldError.required(at.child("status"), ""));
            } else if (!allowed.contains(status)) {
                errors.add(FieldError.notSupported(at.child("status"), status, allowed));
            }
            if (type.equals("Approved")) {
                approved = true;
                if (denied && !allow.approvedAndDenied()) {
                    errors.add(FieldError.invalid(at.child("type"), type, "Approved and Denied conditions are mutually exclusive"));
                }
            } else if (type.equals("Denied")) {
                denied = true;
                if (approved && !allow.approvedAndDenied()) {
                    errors.add(FieldError.invalid(at.child("type"), type, "Approved and Denied conditions are mutually exclusive"));
                }
            }
            if (!seenTypes.add(type) && !allow.duplicateConditionTypes()) {
                errors.add(FieldError.duplicate(at.child("type"), type));
            }
        }
        return errors;
    }

    /** ValidateSignerName: a DNS domain of two or more labels, a slash, and a path of DNS subdomains. */
    static List<FieldError> signerName(FieldPath path, String name) {
        if (name.isEmpty()) {
            return List.of(FieldError.required(path, ""));
        }
        String[] segments = name.split("/", -1);
        if (segments.length != 2) {
            return List.of(FieldError.invalid(path, name,
                    "must be a fully qualified domain and path of the form 'example.com/signer-name'"));
        }
        List<FieldError> errors = new ArrayList<>();
        String domain = segments[0];
        if (domain.length() > SUBDOMAIN_MAX) {
            errors.add(FieldError.tooLong(path, SUBDOMAIN_MAX));
        }
        String[] domainLabels = domain.split("\\.", -1);
        for (String label : domainLabels) {
            List<String> problems = Formats.dns1123Label(label);
            if (!problems.isEmpty()) {
                problems.forEach(p -> errors.add(FieldError.invalid(path, domain, "validating label \"" + label + "\": " + p)));
                break;
            }
        }
        if (domainLabels.length < 2) {
            errors.add(FieldError.invalid(path, domain, "should be a domain with at least two segments separated by dots"));
        }
        String signerPath = segments[1];
        for (String label : signerPath.split("\\.", -1)) {
            List<String> problems = Formats.dns1123Subdomain(label);
            if (!problems.isEmpty()) {
                problems.forEach(p -> errors.add(FieldError.invalid(path, signerPath, "validating label \"" + label + "\": " + p)));
                break;
            }
        }
        if (name.length() > SIGNER_NAME_MAX) {
            errors.add(FieldError.tooLong(path, SIGNER_NAME_MAX));
        }
        return errors;
    }

    /**
     * Why the request is not a signed PKCS#10 request, null when it is. The PEM check has upstream's
     * text; parse and signature failures have the nearest of Go's crypto/x509 texts (Go's ASN.1
     * messages name the exact structure and are not reproduced).
     */
    static String requestProblem(byte[] request) {
        Pem block = Pem.first(request);
        if (block == null || !block.type().equals("CERTIFICATE REQUEST")) {
            return "PEM block type must be CERTIFICATE REQUEST";
        }
        PKCS10CertificationRequest parsed;
        try {
            parsed = new PKCS10CertificationRequest(block.der());
        } catch (Exception | Error e) {
            return "x509: malformed certificate request";
        }
        String algorithm = parsed.getSubjectPublicKeyInfo().getAlgorithm().getAlgorithm().getId();
        try {
            if (parsed.isSignatureValid(new JcaContentVerifierProviderBuilder().build(parsed.getSubjectPublicKeyInfo()))) {
                return null;
            }
        } catch (Exception e) {
            return "x509: cannot verify signature: algorithm unimplemented";
        }
        return switch (algorithm) {
            case "1.2.840.10045.2.1" -> "x509: ECDSA verification failure";
            case "1.3.101.112" -> "x509: Ed25519 verification failure";
            default -> "crypto/rsa: verification error";
        };
    }

    /** validateCertificate: nothing, or one or more CERTIFICATE blocks without headers that parse. */
    static String certificateProblem(byte[] data) {
        if (data.length == 0) {
            return null;
        }
        int blocks = 0;
        byte[] rest = data;
        for (Pem block = Pem.first(rest); block != null; block = Pem.first(rest)) {
            if (!block.type().equals("CERTIFICATE")) {
                return "only CERTIFICATE PEM blocks are allowed, found \"" + block.type() + "\"";
            }
            if (block.hasHeaders()) {
                return "no PEM block headers are permitted";
            }
            blocks++;
            try {
                if (CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(block.der())).isEmpty()) {
                    return "found CERTIFICATE PEM block containing 0 certificates";
                }
            } catch (CertificateException e) {
                return "x509: malformed certificate";
            }
            rest = block.rest();
        }
        return blocks == 0 ? "must contain at least one CERTIFICATE PEM block" : null;
    }

    /** A []byte field: base64 in JSON. */
    private static byte[] bytes(JsonNode value) {
        if (!value.isTextual()) {
            return new byte[0];
        }
        try {
            return Base64.getDecoder().decode(value.asText());
        } catch (IllegalArgumentException e) {
            return value.asText().getBytes(StandardCharsets.UTF_8);
        }
    }

    /** A byte slice as Go's %#v prints it: {@code []byte{0x2d, 0x2d}}. */
    static String goBytes(byte[] value) {
        StringBuilder s = new StringBuilder("[]byte{");
        for (int i = 0; i < value.length; i++) {
            if (i > 0) {
                s.append(", ");
            }
            s.append("0x").append(Integer.toHexString(value[i] & 0xff));
        }
        return s.append('}').toString();
    }
}
