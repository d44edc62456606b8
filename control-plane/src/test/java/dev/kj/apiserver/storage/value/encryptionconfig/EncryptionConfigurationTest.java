package dev.kj.apiserver.storage.value.encryptionconfig;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.apiserver.storage.value.Identity;
import dev.kj.apiserver.storage.value.TransformException;
import dev.kj.apiserver.storage.value.TransformationMetrics;
import dev.kj.apiserver.storage.value.Transformer;
import dev.kj.apiserver.storage.value.encrypt.Secretbox;
import dev.kj.apiserver.metrics.MetricsRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The --encryption-provider-config file: upstream's decoding, validation and provider selection, with its messages. */
class EncryptionConfigurationTest {
    private static final String KEY1 = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
    private static final String KEY2 = Base64.getEncoder().encodeToString("fedcba9876543210".getBytes(StandardCharsets.US_ASCII));
    private static final byte[] AAD = "/registry/secrets/default/s1".getBytes(StandardCharsets.UTF_8);
    private static final byte[] JSON = "{\"kind\":\"Secret\",\"data\":{\"password\":\"aHVudGVyMg==\"}}".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private EncryptionConfiguration load(String yaml) throws Exception {
        return EncryptionConfiguration.load(write(yaml), TransformationMetrics.NONE);
    }

    private Path write(String text) throws IOException {
        Path file = Files.createTempFile(dir, "encryption", ".yaml");
        Files.writeString(file, text);
        return file;
    }

    private String failure(String yaml) throws IOException {
        Path file = write(yaml);
        return assertThrows(EncryptionConfigException.class, () -> EncryptionConfiguration.load(file, TransformationMetrics.NONE))
                .getMessage();
    }

    private static String config(String resources, String providers) {
        return """
                apiVersion: apiserver.config.k8s.io/v1
                kind: EncryptionConfiguration
                resources:
                  - resources: %s
                    providers:
                %s""".formatted(resources, providers.indent(6));
    }

    private static String aescbc(String... nameSecret) {
        StringBuilder s = new StringBuilder("- aescbc:\n    keys:\n");
        for (int i = 0; i < nameSecret.length; i += 2) {
            s.append("      - name: ").append(nameSecret[i]).append("\n        secret: ").append(nameSecret[i + 1]).append('\n');
        }
        return s.toString();
    }

    @Test
    void writesWithTheFirstProviderAndKeyUnderUpstreamsPrefix() throws Exception {
        Transformer secrets = load(config("[secrets]", aescbc("key1", KEY1, "key2", KEY2))).forResource("", "secrets");
        byte[] stored = secrets.toStorage(JSON, AAD);
        String prefix = "k8s:enc:aescbc:v1:key1:";
        assertEquals(prefix, new String(stored, 0, prefix.length(), StandardCharsets.US_ASCII));
        assertEquals(prefix.length() + 16 + (JSON.length / 16 + 1) * 16, stored.length, "prefix, IV, padded ciphertext");
        Transformer.Read read = secrets.fromStorage(stored, AAD);
        assertArrayEquals(JSON, read.data());
        assertFalse(read.stale());
        // resources the file does not name stay identity
        assertSame(Identity.INSTANCE, load(config("[secrets]", aescbc("key1", KEY1))).forResource("", "configmaps"));
    }

    @Test
    void rotationReadsEveryConfiguredKeyAndMarksOlderOnesStale() throws Exception {
        byte[] underKey1 = load(config("[secrets]", aescbc("key1", KEY1))).forResource("", "secrets").toStorage(JSON, AAD);
        // step 1 of upstream's procedure: the new key first, the old one still listed
        Transformer rotated = load(config("[secrets]", aescbc("key2", KEY2, "key1", KEY1))).forResource("", "secrets");
        Transformer.Read old = rotated.fromStorage(underKey1, AAD);
        assertArrayEquals(JSON, old.data());
        assertTrue(old.stale(), "read with a key that is not the first: the next update rewrites it");
        byte[] underKey2 = rotated.toStorage(JSON, AAD);
        assertTrue(new String(underKey2, StandardCharsets.ISO_8859_1).startsWith("k8s:enc:aescbc:v1:key2:"));
        assertFalse(rotated.fromStorage(underKey2, AAD).stale());
        // step 3: the old key removed; what was not rewritten no longer reads
        Transformer onlyKey2 = load(config("[secrets]", aescbc("key2", KEY2))).forResource("", "secrets");
        assertEquals("no matching key was found for the provided AES transformer",
                assertThrows(TransformException.class, () -> onlyKey2.fromStorage(underKey1, AAD)).getMessage());
    }

    @Test
    void identityAmongProvidersReadsPlainDataAndDecryptsOnTheWayOut() throws Exception {
        Transformer encrypting = load(config("[secrets]", aescbc("key1", KEY1) + "- identity: {}\n")).forResource("", "secrets");
        Transformer.Read plain = encrypting.fromStorage(JSON, AAD);
        assertArrayEquals(JSON, plain.data());
        assertTrue(plain.stale(), "plain data is rewritten encrypted on its next update");

        Transformer decrypting = load(config("[secrets]", "- identity: {}\n" + aescbc("key1", KEY1))).forResource("", "secrets");
        byte[] encrypted = encrypting.toStorage(JSON, AAD);
        assertTrue(decrypting.fromStorage(encrypted, AAD).stale());
        assertArrayEquals(JSON, decrypting.toStorage(JSON, AAD), "identity first: written plain");
    }

    @Test
    void aValueNoConfiguredProviderNamesFailsWithUpstreamsError() throws Exception {
        Transformer secrets = load(config("[secrets]", aescbc("key1", KEY1))).forResource("", "secrets");
        assertEquals("no matching prefix found", assertThrows(TransformException.class, () -> secrets.fromStorage(JSON, AAD))
                .getMessage(), "plain data without identity among the providers");
        byte[] secretbox = ("k8s:enc:secretbox:v1:key1:").getBytes(StandardCharsets.UTF_8);
        assertEquals("no matching prefix found",
                assertThrows(TransformException.class, () -> secrets.fromStorage(secretbox, AAD)).getMessage());
        // identity's own failure on encrypted data is not reported; the outer "no match" is
        Transformer identityOnly = load(config("[secrets]", "- identity: {}\n")).forResource("", "secrets");
        assertEquals("no matching prefix found",
                assertThrows(TransformException.class, () -> identityOnly.fromStorage(secretbox, AAD)).getMessage());
    }

    @Test
    void providersOfOneKindShareAPrefixAndAFailedMatchTriesTheNext() throws Exception {
        String gcmA = Base64.getEncoder().encodeToString(new byte[16]);
        byte[] b = new byte[16];
        b[0] = 1;
        String gcmB = Base64.getEncoder().encodeToString(b);
        String providers = "- aesgcm:\n    keys:\n      - name: k\n        secret: " + gcmA + "\n"
                + "- aesgcm:\n    keys:\n      - name: k\n        secret: " + gcmB + "\n";
        byte[] underB = load(config("[secrets]", "- aesgcm:\n    keys:\n      - name: k\n        secret: " + gcmB + "\n"))
                .forResource("", "secrets").toStorage(JSON, AAD);
        Transformer both = load(config("[secrets]", providers)).forResource("", "secrets");
        Transformer.Read read = both.fromStorage(underB, AAD);
        assertArrayEquals(JSON, read.data());
        assertTrue(read.stale());
        Transformer onlyA = load(config("[secrets]", "- aesgcm:\n    keys:\n      - name: k\n        secret: " + gcmA + "\n"))
                .forResource("", "secrets");
        assertEquals("cipher: message authentication failed",
                assertThrows(TransformException.class, () -> onlyA.fromStorage(underB, AAD)).getMessage());
    }

    @Test
    void wildcardsChooseByGroupThenEverything() throws Exception {
        String yaml = """
                apiVersion: apiserver.config.k8s.io/v1
                kind: EncryptionConfiguration
                resources:
                  - resources: [secrets]
                    providers:
                      - secretbox:
                          keys:
                            - name: box
                              secret: %s
                  - resources: ["*.apps"]
                    providers:
                      - aesgcm:
                          keys:
                            - name: g
                              secret: %s
                  - resources: ["*."]
                    providers:
                      - aescbc:
                          keys:
                            - name: c
                              secret: %s
                  - resources: ["*.*"]
                    providers:
                      - identity: {}
                """.formatted(KEY1, KEY2, KEY2);
        EncryptionConfiguration config = load(yaml);
        assertPrefix("k8s:enc:secretbox:v1:box:", config.forResource("", "secrets"));
        assertPrefix("k8s:enc:aesgcm:v1:g:", config.forResource("apps", "deployments"));
        assertPrefix("k8s:enc:aescbc:v1:c:", config.forResource("", "configmaps"));
        assertArrayEquals(JSON, config.forResource("batch", "jobs").toStorage(JSON, AAD));
    }

    @Test
    void jsonWorksToo() throws Exception {
        EncryptionConfiguration config = load("""
                {"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration",
                 "resources":[{"resources":["secrets"],"providers":[{"secretbox":{"keys":[{"name":"k","secret":"%s"}]}}]}]}
                """.formatted(KEY1));
        assertPrefix("k8s:enc:secretbox:v1:k:", config.forResource("", "secrets"));
    }

    @Test
    void metricsCountTransformationsByPrefixAndStatus() throws Exception {
        MetricsRegistry registry = new MetricsRegistry();
        Transformer secrets = EncryptionConfiguration.load(write(config("[secrets]", aescbc("key1", KEY1))),
                TransformationMetrics.register(registry)).forResource("", "secrets");
        byte[] stored = secrets.toStorage(JSON, AAD);
        secrets.fromStorage(stored, AAD);
        assertThrows(TransformException.class, () -> secrets.fromStorage(JSON, AAD));
        String text = registry.scrape();
        // labels print sorted by name
        assertTrue(text.contains("apiserver_storage_transformation_operations_total{status=\"OK\","
                + "transformation_type=\"to_storage\",transformer_prefix=\"k8s:enc:aescbc:v1:\"} 1"), text);
        assertTrue(text.contains("apiserver_storage_transformation_operations_total{status=\"OK\","
                + "transformation_type=\"from_storage\",transformer_prefix=\"k8s:enc:aescbc:v1:\"} 1"), text);
        assertTrue(text.contains("apiserver_storage_transformation_operations_total{status=\"OK\","
                + "transformation_type=\"from_storage\",transformer_prefix=\"key1:\"} 1"), text);
        assertTrue(text.contains("apiserver_storage_transformation_operations_total{status=\"Unknown\","
                + "transformation_type=\"from_storage\",transformer_prefix=\"unknown\"} 1"), text);
    }

    private static void assertPrefix(String prefix, Transformer transformer) {
        byte[] stored = transformer.toStorage(JSON, AAD);
        assertTrue(new String(stored, StandardCharsets.ISO_8859_1).startsWith(prefix), prefix);
        assertArrayEquals(JSON, transformer.fromStorage(stored, AAD).data());
    }

    // ---- bad files ----

    @Test
    void shortAndMalformedKeysAreRefusedWithUpstreamsMessages() throws Exception {
        assertEquals("error while parsing file: resources[0].providers[0].aescbc.keys[0].secret: Invalid value: \"REDACTED\":"
                + " secret is not of the expected length, got 8, expected one of [16 24 32]",
                failure(config("[secrets]", aescbc("key1", Base64.getEncoder().encodeToString(new byte[8])))));
        assertEquals("error while parsing file: resources[0].providers[0].secretbox.keys[0].secret: Invalid value: \"REDACTED\":"
                + " secret is not of the expected length, got 16, expected one of [32]",
                failure(config("[secrets]", "- secretbox:\n    keys:\n      - name: k\n        secret: " + KEY2 + "\n")));
        assertEquals("error while parsing file: resources[0].providers[0].aescbc.keys[0].secret: Invalid value: \"REDACTED\":"
                + " secrets must be base64 encoded", failure(config("[secrets]", aescbc("key1", "not*base64"))));
        assertEquals("error while parsing file: [resources[0].providers[0].aescbc.keys[0].name: Required value: name is a"
                + " mandatory field for a key, resources[0].providers[0].aescbc.keys[0].secret: Required value: secret is a"
                + " mandatory field for a key]", failure(config("[secrets]", aescbc("\"\"", "\"\""))));
        assertEquals("error while parsing file: resources[0].providers[0].aesgcm.keys: Required value: at least one keys is"
                + " required", failure(config("[secrets]", "- aesgcm:\n    keys: []\n")));
    }

    @Test
    void unknownProvidersAndFieldsAreStrictDecodingErrors() throws Exception {
        Path file = write(config("[secrets]", "- aesxts:\n    keys: []\n"));
        assertEquals("error while parsing file: error decoding encryption provider configuration file \"" + file
                + "\": strict decoding error: unknown field \"resources[0].providers[0].aesxts\"",
                assertThrows(EncryptionConfigException.class, () -> EncryptionConfiguration.load(file, TransformationMetrics.NONE))
                        .getMessage());
        assertTrue(failure(config("[secrets]", "- aescbc:\n    keys:\n      - name: a\n        secret: " + KEY1
                + "\n        size: 3\n")).endsWith("strict decoding error: unknown field \"resources[0].providers[0].aescbc.keys[0].size\""));
        assertEquals("error while parsing file: resources[0].providers[0]: Invalid value: apiserver.ProviderConfiguration{"
                + "AESGCM:(*apiserver.AESConfiguration)(nil), AESCBC:(*apiserver.AESConfiguration)(nil), Secretbox:"
                + "(*apiserver.SecretboxConfiguration)(nil), Identity:(*apiserver.IdentityConfiguration)(nil), KMS:"
                + "(*apiserver.KMSConfiguration)(nil)}: provider does not contain any of the expected providers: KMS,"
                + " AESGCM, AESCBC, Secretbox, Identity", failure(config("[secrets]", "- {}\n")));
        assertTrue(failure(config("[secrets]", aescbc("a", KEY1).replace("- aescbc:", "- identity: {}\n  aescbc:")))
                .endsWith("more than one provider specified in a single element, should split into different list elements"));
    }

    @Test
    void resourceListsAreCheckedAsUpstreamChecksThem() throws Exception {
        String identity = "- identity: {}\n";
        assertEquals("error while parsing file: resources[0].resources: Invalid value: []string{\"secrets\", \"secrets\"}:"
                + " the same resource cannot be specified multiple times", failure(config("[secrets, secrets]", identity)));
        assertEquals("error while parsing file: resources[0].resources: Invalid value: []string{\"secrets\", \"*.\"}: using"
                + " overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will"
                + " be masked", failure(config("[secrets, \"*.\"]", identity)));
        assertEquals("error while parsing file: resources[0].resources[0]: Invalid value: \"*\": use '*.' to encrypt all the"
                + " resources from core API group or *.* to encrypt all resources", failure(config("[\"*\"]", identity)));
        assertEquals("error while parsing file: resources[0].resources[0]: Invalid value: \"Secrets\": resource name should"
                + " not contain capital letters", failure(config("[Secrets]", identity)));
        assertEquals("error while parsing file: resources[0].resources[0]: Invalid value: \"events.events.k8s.io\":"
                + " '*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use 'events' instead in the"
                + " config file", failure(config("[events.events.k8s.io]", identity)));
        assertEquals("error while parsing file: resources[0].resources[0]: Invalid value: \"secrets.*\": encrypting the same"
                + " resource across groups is not supported", failure(config("[\"secrets.*\"]", identity)));
        assertEquals("error while parsing file: resources[0].resources[0]: Invalid value: \"serviceipallocations\": resources"
                + " which do not have REST API/s cannot be encrypted", failure(config("[serviceipallocations]", identity)));
        assertEquals("error while parsing file: [resources[0].resources: Required value: at least one"
                + " resources[0].resources is required, resources[0].providers: Required value: at least one"
                + " resources[0].providers is required]", failure("""
                apiVersion: apiserver.config.k8s.io/v1
                kind: EncryptionConfiguration
                resources:
                  - resources: []
                    providers: []
                """));
        assertEquals("error while parsing file: resources: Required value: at least one resources is required", failure("""
                apiVersion: apiserver.config.k8s.io/v1
                kind: EncryptionConfiguration
                """));
    }

    @Test
    void aRuleMaskedByAnEarlierWildcardIsRefused() throws Exception {
        String masked = """
                apiVersion: apiserver.config.k8s.io/v1
                kind: EncryptionConfiguration
                resources:
                  - resources: ["%s"]
                    providers: [{identity: {}}]
                  - resources: [secrets]
                    providers: [{identity: {}}]
                """;
        assertEquals("error while building transformers: resource \"secrets\" is masked by earlier rule \"*.*\"",
                failure(masked.formatted("*.*")));
        assertEquals("error while building transformers: resource \"secrets\" is masked by earlier rule \"*.\"",
                failure(masked.formatted("*.")));
    }

    @Test
    void theFileItselfMustBeThereAndBeAnEncryptionConfiguration() throws Exception {
        Path missing = dir.resolve("absent.yaml");
        assertEquals("error while parsing file: error while loading file: error reading encryption provider configuration"
                + " file \"" + missing + "\": open " + missing + ": no such file or directory",
                assertThrows(EncryptionConfigException.class, () -> EncryptionConfiguration.load(missing, TransformationMetrics.NONE))
                        .getMessage());
        Path empty = write("");
        assertEquals("error while parsing file: error while loading file: encryption provider configuration file \"" + empty
                + "\" is empty", assertThrows(EncryptionConfigException.class,
                () -> EncryptionConfiguration.load(empty, TransformationMetrics.NONE)).getMessage());
        assertTrue(failure("apiVersion: apiserver.config.k8s.io/v1\nresources: []\n").endsWith("Object 'Kind' is missing in"
                + " '{\"apiVersion\":\"apiserver.config.k8s.io/v1\",\"resources\":[]}'"));
        assertTrue(failure("apiVersion: v1\nkind: ConfigMap\n").contains("no kind \"ConfigMap\" is registered for version \"v1\""));
        assertTrue(failure(config("[secrets]", "- kms:\n    name: vault\n    endpoint: unix:///tmp/kms.sock\n"))
                .contains("KMS providers are not supported by kj"));
    }

    @Test
    void secretboxKeysAreExactly32Bytes() {
        assertThrows(IllegalArgumentException.class, () -> new Secretbox(new byte[31]));
    }
}
