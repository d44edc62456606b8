package dev.kj.apiserver.validation.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pod spec parts placed and secured as upstream's ValidatePodSpec checks them: affinity, topology
 * spread, DNS config, host aliases, readiness gates and security contexts; in pods and in templates.
 */
class PodPlacementAndSecurityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTAINER = "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]";
    private static final String QUALIFIED = "name part must consist of alphanumeric characters, '-', '_' or '.', and must"
            + " start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for"
            + " validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    record Case(String name, String spec, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("node affinity", "{\"affinity\":{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":"
                        + "{\"nodeSelectorTerms\":[{\"matchExpressions\":[{\"key\":\"zone\",\"operator\":\"In\"},{\"key\":\"k\","
                        + "\"operator\":\"Exists\",\"values\":[\"v\"]},{\"key\":\"n\",\"operator\":\"Gt\",\"values\":[\"1\",\"2\"]},"
                        + "{\"key\":\"k\",\"operator\":\"Near\"}],\"matchFields\":[{\"key\":\"spec.nodeName\",\"operator\":\"In\","
                        + "\"values\":[\"n1\"]}]}]},\"preferredDuringSchedulingIgnoredDuringExecution\":[{\"weight\":101,"
                        + "\"preference\":{}}]}}}",
                        List.of("spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
                                        + ".matchExpressions[0].values: Required value: must be specified when `operator` is"
                                        + " 'In' or 'NotIn'",
                                "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
                                        + ".matchExpressions[1].values: Forbidden: may not be specified when `operator` is"
                                        + " 'Exists' or 'DoesNotExist'",
                                "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
                                        + ".matchExpressions[2].values: Required value: must be specified single value when"
                                        + " `operator` is 'Lt' or 'Gt'",
                                "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
                                        + ".matchExpressions[3].operator: Invalid value: \"Near\": not a valid selector operator",
                                "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
                                        + ".matchFields[0].key: Invalid value: \"spec.nodeName\": not a valid field selector key",
                                "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid"
                                        + " value: 101: must be in the range 1-100")),
                new Case("no node selector terms", "{\"affinity\":{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":"
                        + "{\"nodeSelectorTerms\":[]}}}}",
                        List.of("spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms:"
                                + " Required value: must have at least one node selector term")),
                new Case("pod anti-affinity", "{\"affinity\":{\"podAntiAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":"
                        + "[{\"labelSelector\":{\"matchLabels\":{\"app\":\"web\"}},\"namespaces\":[\"Prod\"]}],"
                        + "\"preferredDuringSchedulingIgnoredDuringExecution\":[{\"weight\":0,\"podAffinityTerm\":{\"topologyKey\":"
                        + "\"zone\"}}]}}}",
                        List.of("spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].namespace:"
                                        + " Invalid value: \"Prod\": a lowercase RFC 1123 label must consist of lower case"
                                        + " alphanumeric characters or '-', and must start and end with an alphanumeric"
                                        + " character (e.g. 'my-name',  or '123-abc', regex used for validation is"
                                        + " '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                                "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey:"
                                        + " Required value: can not be empty",
                                "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey:"
                                        + " Invalid value: \"\": name part must be non-empty",
                                "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey:"
                                        + " Invalid value: \"\": " + QUALIFIED,
                                "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight:"
                                        + " Invalid value: 0: must be in the range 1-100")),
                new Case("topology spread", "{\"topologySpreadConstraints\":[{\"maxSkew\":0,\"topologyKey\":\"zone\","
                        + "\"whenUnsatisfiable\":\"ScheduleAnyway\",\"minDomains\":2},{\"maxSkew\":1,\"topologyKey\":\"zone\","
                        + "\"whenUnsatisfiable\":\"ScheduleAnyway\",\"nodeTaintsPolicy\":\"Always\"},{\"maxSkew\":1,"
                        + "\"whenUnsatisfiable\":\"Maybe\"}]}",
                        List.of("spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero",
                                "spec.topologySpreadConstraints[0].{topologyKey, whenUnsatisfiable}: Duplicate value:"
                                        + " \"{zone, ScheduleAnyway}\"",
                                "spec.topologySpreadConstraints[0].minDomains: Invalid value: 2: can only use minDomains if"
                                        + " whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway",
                                "spec.topologySpreadConstraints[1].nodeTaintsPolicy: Unsupported value: \"Always\": supported"
                                        + " values: \"Honor\", \"Ignore\"",
                                "spec.topologySpreadConstraints[2].topologyKey: Required value: can not be empty",
                                "spec.topologySpreadConstraints[2].whenUnsatisfiable: Unsupported value: \"Maybe\": supported"
                                        + " values: \"DoNotSchedule\", \"ScheduleAnyway\"")),
                new Case("dns policy None needs a config", "{\"dnsPolicy\":\"None\"}",
                        List.of("spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None")),
                new Case("dns config", "{\"dnsPolicy\":\"None\",\"dnsConfig\":{\"nameservers\":[\"1.1.1.1\",\"8.8.8.8\","
                        + "\"9.9.9.9\",\"10.0.0.10\"],\"searches\":[\".\",\"svc.cluster.local.\",\"Bad_Domain\"],"
                        + "\"options\":[{\"value\":\"2\"}]}}",
                        List.of("spec.dnsConfig.nameservers: Invalid value: []string{\"1.1.1.1\", \"8.8.8.8\", \"9.9.9.9\","
                                        + " \"10.0.0.10\"}: must not have more than 3 nameservers",
                                "spec.dnsConfig.searches[2]: Invalid value: \"Bad_Domain\": a lowercase RFC 1123 subdomain"
                                        + " must consist of lower case alphanumeric characters, '-' or '.', and must start and"
                                        + " end with an alphanumeric character (e.g. 'example.com', regex used for validation"
                                        + " is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                                "spec.dnsConfig.options[0]: Required value: must not be empty")),
                new Case("host aliases and readiness and scheduling gates", "{\"hostAliases\":[{\"ip\":\"10.0.0.300\",\"hostnames\":"
                        + "[\"db.local\"]}],\"readinessGates\":[{\"conditionType\":\"-ready\"}],\"schedulingGates\":"
                        + "[{\"name\":\"example.com/quota\"},{\"name\":\"example.com/quota\"}]}",
                        List.of("spec.hostAliases[0].ip: Invalid value: \"10.0.0.300\": must be a valid IP address, (e.g."
                                        + " 10.9.8.7 or 2001:db8::ffff)",
                                "spec.readinessGates[0].conditionType: Invalid value: \"-ready\": " + QUALIFIED,
                                "spec.schedulingGates[1]: Duplicate value: \"example.com/quota\"")),
                new Case("pod security context", "{\"hostPID\":true,\"shareProcessNamespace\":true,\"securityContext\":"
                        + "{\"runAsUser\":-1,\"fsGroup\":2147483648,\"supplementalGroups\":[5,-5],\"sysctls\":[{\"name\":"
                        + "\"net.core.somaxconn\",\"value\":\"1\"},{\"name\":\"net.core.somaxconn\",\"value\":\"2\"},{\"name\":"
                        + "\"Kernel.Shm\"},{\"value\":\"x\"}],\"fsGroupChangePolicy\":\"Never\",\"seccompProfile\":{\"type\":"
                        + "\"Localhost\"},\"appArmorProfile\":{\"type\":\"Strict\"}}}",
                        List.of("spec.securityContext.fsGroup: Invalid value: 2147483648: must be between 0 and 2147483647,"
                                        + " inclusive",
                                "spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive",
                                "spec.securityContext.supplementalGroups[1]: Invalid value: -5: must be between 0 and"
                                        + " 2147483647, inclusive",
                                "spec.securityContext.shareProcessNamespace: Invalid value: true: ShareProcessNamespace and"
                                        + " HostPID cannot both be enabled",
                                "spec.securityContext.sysctls[1].name: Duplicate value: \"net.core.somaxconn\"",
                                "spec.securityContext.sysctls[2].name: Invalid value: \"Kernel.Shm\": must have at most 253"
                                        + " characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]"
                                        + "([-_a-z0-9]*[a-z0-9])?$",
                                "spec.securityContext.sysctls[3].name: Required value",
                                "spec.securityContext.fsGroupChangePolicy: Unsupported value: \"Never\": supported values:"
                                        + " \"OnRootMismatch\", \"Always\"",
                                "spec.securityContext.seccompProfile.localhostProfile: Required value: must be set when"
                                        + " seccomp type is Localhost",
                                "spec.securityContext.appArmorProfile.type: Unsupported value: \"Strict\": supported values:"
                                        + " \"Localhost\", \"RuntimeDefault\", \"Unconfined\"")),
                new Case("container security context", "{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\","
                        + "\"securityContext\":{\"runAsGroup\":-2,\"procMount\":\"Unmasked\",\"seccompProfile\":{\"type\":"
                        + "\"Localhost\",\"localhostProfile\":\"../escape.json\"},\"appArmorProfile\":{\"type\":"
                        + "\"RuntimeDefault\",\"localhostProfile\":\"p\"}}}]}",
                        List.of("spec.containers[0].securityContext.runAsGroup: Invalid value: -2: must be between 0 and"
                                        + " 2147483647, inclusive",
                                "spec.containers[0].securityContext.procMount: Invalid value: \"Unmasked\": `hostUsers` must"
                                        + " be false to use `Unmasked`",
                                "spec.containers[0].securityContext.seccompProfile.localhostProfile: Invalid value:"
                                        + " \"../escape.json\": must not contain '..'",
                                "spec.containers[0].securityContext.appArmorProfile.localhostProfile: Invalid value: \"p\":"
                                        + " can only be set when AppArmor type is Localhost")),
                // upstream prints the internal struct with %#v; set pointers show a stand-in for Go's heap address
                new Case("privilege escalation and a seccomp profile not Localhost", "{\"containers\":[{\"name\":\"c\","
                        + "\"image\":\"busybox\",\"securityContext\":{\"privileged\":true,\"allowPrivilegeEscalation\":false,"
                        + "\"capabilities\":{\"add\":[\"CAP_SYS_ADMIN\"]},\"seccompProfile\":{\"type\":\"RuntimeDefault\","
                        + "\"localhostProfile\":\"p.json\"}}}]}",
                        List.of("spec.containers[0].securityContext.seccompProfile.localhostProfile: Invalid value:"
                                        + " core.SeccompProfile{Type:\"RuntimeDefault\", LocalhostProfile:(*string)(0xc000000000)}:"
                                        + " can only be set when seccomp type is Localhost",
                                "spec.containers[0].securityContext: Invalid value: " + ESCALATING
                                        + ": cannot set `allowPrivilegeEscalation` to false and `privileged` to true",
                                "spec.containers[0].securityContext: Invalid value: " + ESCALATING
                                        + ": cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN")),
                new Case("privilege escalation allowed or unset", "{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\","
                        + "\"securityContext\":{\"privileged\":true,\"allowPrivilegeEscalation\":true}},{\"name\":\"d\","
                        + "\"image\":\"busybox\",\"securityContext\":{\"privileged\":true}}]}", List.of()));
    }

    private static final String ESCALATING = "core.SecurityContext{Capabilities:(*core.Capabilities)(0xc000000000),"
            + " Privileged:(*bool)(0xc000000000), SELinuxOptions:(*core.SELinuxOptions)(nil),"
            + " WindowsOptions:(*core.WindowsSecurityContextOptions)(nil), RunAsUser:(*int64)(nil), RunAsGroup:(*int64)(nil),"
            + " RunAsNonRoot:(*bool)(nil), ReadOnlyRootFilesystem:(*bool)(nil), AllowPrivilegeEscalation:(*bool)(0xc000000000),"
            + " ProcMount:(*core.ProcMountType)(nil), SeccompProfile:(*core.SeccompProfile)(0xc000000000),"
            + " AppArmorProfile:(*core.AppArmorProfile)(nil)}";

    private static ObjectNode spec(String json) throws Exception {
        ObjectNode spec = (ObjectNode) JSON.readTree(json);
        if (!spec.has("containers")) {
            spec.setAll((ObjectNode) JSON.readTree("{" + CONTAINER + "}"));
        }
        return spec;
    }

    @ParameterizedTest(name = "pod: {0}")
    @MethodSource("cases")
    void podsAreRefusedAsUpstream(Case c) throws Exception {
        ObjectNode pod = JSON.createObjectNode();
        pod.putObject("metadata").put("name", "p");
        pod.set("spec", spec(c.spec()));
        PodRules rules = new PodRules();
        rules.setDefaults(pod);
        assertEquals(c.expected(), rules.validate(pod).stream().map(FieldError::toString).toList());
    }

    @ParameterizedTest(name = "template: {0}")
    @MethodSource("cases")
    void templatesAreRefusedAsUpstream(Case c) throws Exception {
        ObjectNode template = JSON.createObjectNode();
        ObjectNode spec = spec(c.spec());
        PodSpecs.setDefaults(spec);
        template.set("spec", spec);
        List<String> expected = c.expected().stream().map(m -> "spec.template." + m).toList();
        assertEquals(expected, PodSpecs.validateTemplate(template, FieldPath.of("spec", "template")).stream()
                .map(FieldError::toString).toList());
    }
}
