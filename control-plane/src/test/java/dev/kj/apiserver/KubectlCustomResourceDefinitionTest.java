package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.kj.apiserver.testing.Kubectl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stock kubectl against CRD defaulting and validation: a valid CRD is stored with upstream's
 * defaults, a malformed one (as a Helm chart might carry) gets upstream's 422 causes, and an update
 * may not drop a version that status.storedVersions still holds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubectlCustomResourceDefinitionTest {
    private Path dir;
    private ApiServer server;

    @BeforeAll
    void start(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        server = ApiServer.start(new ApiServerConfig(dir.resolve("data"), List.of(), "127.0.0.1", 0));
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static final String CRD = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: PLURAL.example.com}
            spec:
              group: example.com
              scope: Namespaced
              names: {plural: PLURAL, kind: KIND}
              versions:
              VERSIONS
            """;

    private static final String V1 = """
              - name: v1
                served: true
                storage: STORAGE
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      spec:
                        type: object
                        properties:
                          replicas: {type: integer, default: 1}
            """;

    private Path manifest(String name, String plural, String kind, String versions) throws Exception {
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, CRD.replace("PLURAL", plural).replace("KIND", kind)
                .replace("  VERSIONS\n", versions));
        return file;
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.30", "1.33"})
    void validCrdsAreDefaultedAndMalformedOnesRefusedAsUpstream(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String plural = "widgets" + version.replace(".", "");
        String kind = "Widget" + version.replace(".", "");
        Path valid = manifest(plural, plural, kind, V1.replace("STORAGE", "true"));
        assertEquals("customresourcedefinition.apiextensions.k8s.io/" + plural + ".example.com created\n",
                kubectl.run("apply", "-f", valid.toString()).ok().stdout());
        assertEquals(kind.toLowerCase() + " " + kind + "List None [\"v1\"] 1",
                kubectl.run("get", "crd", plural + ".example.com", "-o", "jsonpath={.spec.names.singular}"
                        + " {.spec.names.listKind} {.spec.conversion.strategy} {.status.storedVersions}"
                        + " {.metadata.generation}").ok().stdout());

        // a chart's CRD with a mistyped name, no storage version and a default of the wrong type
        String broken = "gadgets" + version.replace(".", "");
        Path malformed = dir.resolve(broken + ".yaml");
        Files.writeString(malformed, CRD.replace("PLURAL.example.com", broken + ".example.org").replace("PLURAL", broken)
                .replace("KIND", "Gadget").replace("  VERSIONS\n", V1.replace("STORAGE", "false")
                        .replace("default: 1", "default: one")));
        Kubectl.Result refused = kubectl.run("create", "-f", malformed.toString());
        assertNotEquals(0, refused.exitCode());
        assertEquals("The CustomResourceDefinition \"" + broken + ".example.org\" is invalid: \n"
                + "* metadata.name: Invalid value: \"" + broken + ".example.org\": must be spec.names.plural+\".\"+spec.group\n"
                + "* spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{"
                + "apiextensions.CustomResourceDefinitionVersion{Name:\"v1\", Served:true, Storage:false, Deprecated:false,"
                + " DeprecationWarning:(*string)(nil), Schema:(*apiextensions.CustomResourceValidation)(nil),"
                + " Subresources:(*apiextensions.CustomResourceSubresources)(nil),"
                + " AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil),"
                + " SelectableFields:[]apiextensions.SelectableField(nil)}}: must have exactly one version marked as storage"
                + " version\n"
                + "* spec.validation.openAPIV3Schema.properties[spec].properties[replicas].default: Invalid value: \"string\": "
                + " in body must be of type integer: \"string\"\n"
                + "* status.storedVersions: Invalid value: []string(nil): must have at least one stored version\n",
                refused.stderr());
        assertEquals(1, kubectl.run("get", "crd", broken + ".example.org").exitCode(), "nothing was stored");

        // v2 becomes the storage version: v1 stays in status.storedVersions until a migration removes it
        Path twoVersions = manifest(plural, plural, kind, V1.replace("STORAGE", "false")
                + V1.replace("v1", "v2").replace("STORAGE", "true"));
        kubectl.run("apply", "-f", twoVersions.toString()).ok();
        assertEquals("[\"v1\",\"v2\"] 2", kubectl.run("get", "crd", plural + ".example.com", "-o",
                "jsonpath={.status.storedVersions} {.metadata.generation}").ok().stdout());
        Path onlyV2 = manifest(plural, plural, kind, V1.replace("v1", "v2").replace("STORAGE", "true"));
        Kubectl.Result dropped = kubectl.run("apply", "-f", onlyV2.toString());
        assertNotEquals(0, dropped.exitCode());
        assertEquals("The CustomResourceDefinition \"" + plural + ".example.com\" is invalid: status.storedVersions[0]:"
                + " Invalid value: \"v1\": missing from spec.versions; v1 was previously a storage version, and must remain"
                + " in spec.versions until a storage migration ensures no data remains persisted in v1 and removes v1 from"
                + " status.storedVersions\n", dropped.stderr());
        // the storage migration's last step, through /status, then lets v1 go
        kubectl.run("patch", "crd", plural + ".example.com", "--subresource=status", "--type=merge", "-p",
                "{\"status\":{\"storedVersions\":[\"v2\"]}}").ok();
        assertEquals("customresourcedefinition.apiextensions.k8s.io/" + plural + ".example.com configured\n",
                kubectl.run("apply", "-f", onlyV2.toString()).ok().stdout());
        assertEquals("[\"v2\"] 3", kubectl.run("get", "crd", plural + ".example.com", "-o",
                "jsonpath={.status.storedVersions} {.metadata.generation}").ok().stdout());
    }

    /** A rule that does not compile against the schema is refused with upstream's 422. */
    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.33"})
    void celRulesThatDoNotCompileAreRefused(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String plural = "gadgets" + version.replace(".", "");
        Path crd = dir.resolve(plural + ".yaml");
        Files.writeString(crd, """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: %s.example.com}
                spec:
                  group: example.com
                  scope: Namespaced
                  names: {plural: %s, kind: Gadget%s}
                  versions:
                  - name: v1
                    served: true
                    storage: true
                    schema:
                      openAPIV3Schema:
                        type: object
                        properties:
                          spec:
                            type: object
                            properties:
                              replicas: {type: integer}
                            x-kubernetes-validations:
                            - rule: "self.replicas < 10"
                              message: must be less than 10
                            - rule: "self.replicaz < 10"
                """.formatted(plural, plural, version.replace(".", "")));
        Kubectl.Result refused = kubectl.run("apply", "-f", crd.toString());
        assertNotEquals(0, refused.exitCode());
        assertEquals("The CustomResourceDefinition \"" + plural + ".example.com\" is invalid: "
                + "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[1].rule: Invalid value: "
                + "apiextensions.ValidationRule{Rule:\"self.replicaz < 10\", Message:\"\", MessageExpression:\"\", "
                + "Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:\"\", OptionalOldSelf:(*bool)(nil)}: "
                + "compilation failed: ERROR: <input>:1:5: undefined field 'replicaz'\n | self.replicaz < 10\n | ....^\n",
                refused.stderr());
        Files.writeString(crd, Files.readString(crd).replace("            - rule: \"self.replicaz < 10\"\n", ""));
        kubectl.run("apply", "-f", crd.toString()).ok();
    }
}
