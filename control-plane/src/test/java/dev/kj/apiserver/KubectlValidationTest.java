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

/** Every stock kubectl: a server-side dry run shows upstream's defaults, and an invalid object gets kubectl's error text. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubectlValidationTest {
    private Path dir;
    private ApiServer server;

    @BeforeAll
    void start(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        server = ApiServer.start(new ApiServerConfig(dir.resolve("data"), List.of(), "127.0.0.1", 0).withControllers(dev.kj.apiserver.testing.TestServer.WITHOUT_WORKLOAD_CONTROLLERS));
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** What upstream 1.33 answers `kubectl create deployment NAME --image=nginx --dry-run=server -o yaml` with, from spec on. */
    private static final String DEFAULTED_SPEC = """
            spec:
              progressDeadlineSeconds: 600
              replicas: 1
              revisionHistoryLimit: 10
              selector:
                matchLabels:
                  app: NAME
              strategy:
                rollingUpdate:
                  maxSurge: 25%
                  maxUnavailable: 25%
                type: RollingUpdate
              template:
                metadata:
                  creationTimestamp: null
                  labels:
                    app: NAME
                spec:
                  containers:
                  - image: nginx
                    imagePullPolicy: Always
                    name: nginx
                    resources: {}
                    terminationMessagePath: /dev/termination-log
                    terminationMessagePolicy: File
                  dnsPolicy: ClusterFirst
                  restartPolicy: Always
                  schedulerName: default-scheduler
                  securityContext: {}
                  terminationGracePeriodSeconds: 30
            status: {}
            """;

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"})
    void dryRunShowsDefaultsAndInvalidObjectsAreRefusedAsUpstream(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String name = "d" + version.replace(".", "");
        String yaml = kubectl.run("create", "deployment", name, "--image=nginx", "--dry-run=server", "-o", "yaml").ok().stdout();
        assertEquals(DEFAULTED_SPEC.replace("NAME", name), yaml.substring(yaml.indexOf("\nspec:\n") + 1));
        assertEquals(1, kubectl.run("get", "deployment", name).exitCode(), "a dry run stores nothing");

        Path manifest = dir.resolve(name + ".yaml");
        Files.writeString(manifest, """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: NAME}
                spec:
                  selector: {matchLabels: {app: NAME}}
                  template:
                    metadata: {labels: {app: NAME}}
                    spec:
                      containers: [{image: nginx}]
                """.replace("NAME", name));
        Kubectl.Result refused = kubectl.run("create", "-f", manifest.toString());
        assertNotEquals(0, refused.exitCode());
        assertEquals("The Deployment \"" + name + "\" is invalid: spec.template.spec.containers[0].name: Required value\n",
                refused.stderr());

        Files.writeString(manifest, """
                apiVersion: v1
                kind: Pod
                metadata: {name: NAME}
                spec:
                  restartPolicy: Sometimes
                  containers: [{name: c, image: busybox, ports: [{containerPort: 0}]}]
                """.replace("NAME", name));
        Kubectl.Result pod = kubectl.run("create", "-f", manifest.toString());
        assertEquals("The Pod \"" + name + "\" is invalid: \n"
                + "* spec.containers[0].ports[0].containerPort: Required value\n"
                + "* spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\","
                + " \"Never\"\n", pod.stderr());
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"})
    void anAutoscalerWithMoreMinimumThanMaximumReplicasIsRefusedAsUpstream(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String name = "h" + version.replace(".", "");
        Path manifest = dir.resolve(name + ".yaml");
        for (String apiVersion : List.of("autoscaling/v2", "autoscaling/v1")) {
            Files.writeString(manifest, """
                    apiVersion: VERSION
                    kind: HorizontalPodAutoscaler
                    metadata: {name: NAME}
                    spec:
                      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
                      minReplicas: 5
                      maxReplicas: 2
                    """.replace("NAME", name).replace("VERSION", apiVersion));
            Kubectl.Result refused = kubectl.run("apply", "-f", manifest.toString());
            assertNotEquals(0, refused.exitCode());
            assertEquals("The HorizontalPodAutoscaler \"" + name + "\" is invalid: spec.maxReplicas: Invalid value: 2: must"
                    + " be greater than or equal to `minReplicas`\n", refused.stderr(), apiVersion);
        }
        assertEquals(1, kubectl.run("get", "hpa", name).exitCode(), "nothing was stored");
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"})
    void aStringForAnIntegerIsABadRequestWithGosText(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String name = "t" + version.replace(".", "");
        Path manifest = dir.resolve(name + ".yaml");
        Files.writeString(manifest, """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: NAME}
                spec:
                  replicas: "abc"
                  selector: {matchLabels: {app: NAME}}
                  template:
                    metadata: {labels: {app: NAME}}
                    spec: {containers: [{name: c, image: nginx}]}
                """.replace("NAME", name));
        Kubectl.Result refused = kubectl.run("apply", "-f", manifest.toString());
        assertNotEquals(0, refused.exitCode());
        assertEquals("Error from server (BadRequest): error when creating \"" + manifest + "\": Deployment in version \"v1\""
                + " cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field"
                + " DeploymentSpec.spec.replicas of type int32\n", refused.stderr());
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"})
    void anAdmissionPolicyIsDefaultedAndItsCelIsCompiledAsUpstream(String version) throws Exception {
        Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), dir);
        String name = "p" + version.replace(".", "");
        Path manifest = dir.resolve(name + ".yaml");
        String policy = """
                apiVersion: admissionregistration.k8s.io/v1
                kind: ValidatingAdmissionPolicy
                metadata: {name: NAME}
                spec:
                  matchConstraints:
                    resourceRules:
                    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
                  validations:
                  - expression: EXPRESSION
                """.replace("NAME", name);
        Files.writeString(manifest, policy.replace("EXPRESSION", "\"object.spec.replicas <= \""));
        Kubectl.Result refused = kubectl.run("apply", "-f", manifest.toString());
        assertNotEquals(0, refused.exitCode());
        assertEquals("The ValidatingAdmissionPolicy \"" + name + "\" is invalid: spec.validations[0].expression: Invalid"
                + " value: \"object.spec.replicas <= \": compilation failed: ERROR: <input>:1:25: Syntax error: mismatched"
                + " input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT,"
                + " NUM_UINT, STRING, BYTES, IDENTIFIER}\n | object.spec.replicas <= \n | ........................^\n",
                refused.stderr());

        Files.writeString(manifest, policy.replace("EXPRESSION", "\"object.spec.replicas <= 5\"") + """
                ---
                apiVersion: admissionregistration.k8s.io/v1
                kind: ValidatingAdmissionPolicyBinding
                metadata: {name: NAME}
                spec:
                  policyName: NAME
                  validationActions: [Deny]
                  matchResources: {}
                """.replace("NAME", name));
        kubectl.run("apply", "-f", manifest.toString()).ok();
        assertEquals("Fail Equivalent {} {} *", kubectl.run("get", "validatingadmissionpolicy", name, "-o",
                "jsonpath={.spec.failurePolicy} {.spec.matchConstraints.matchPolicy} {.spec.matchConstraints.namespaceSelector}"
                        + " {.spec.matchConstraints.objectSelector} {.spec.matchConstraints.resourceRules[0].scope}").ok().stdout());
        assertEquals("Equivalent {} {}", kubectl.run("get", "validatingadmissionpolicybinding", name, "-o",
                "jsonpath={.spec.matchResources.matchPolicy} {.spec.matchResources.namespaceSelector}"
                        + " {.spec.matchResources.objectSelector}").ok().stdout());

        Kubectl.Result binding = kubectl.run("patch", "validatingadmissionpolicybinding", name, "--type=merge", "-p",
                "{\"spec\":{\"validationActions\":[\"Deny\",\"Warn\"]}}");
        assertNotEquals(0, binding.exitCode());
        assertEquals("The ValidatingAdmissionPolicyBinding \"" + name + "\" is invalid: spec.validationActions: Invalid value:"
                + " []admissionregistration.ValidationAction{\"Deny\", \"Warn\"}: must not contain both Deny and Warn"
                + " (repeating the same validation failure information in the API response and headers serves no"
                + " purpose)\n", binding.stderr());
    }
}
