package dev.kj.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.pki.ClusterPki;
import dev.kj.apiserver.testing.Kubectl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * kubectl 1.31 sends its generators' objects as JSON, 1.32 and 1.33 as protobuf: the same
 * commands, each version against its own fresh kj server, must store the same objects (apart
 * from what the server makes up per object: uid, timestamps, resourceVersion). This is what
 * checks the protobuf decoding against what Go's JSON encoding of the same typed objects gives.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubectlProtobufTest {
    private static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    private static final String JSON_VERSION = "1.31";
    private static final List<String> PROTOBUF_VERSIONS = List.of("1.32", "1.33");
    private static final String NS = "gen";

    /** A generator command and the object it stores ("resource/name", in namespace gen when namespaced). */
    record Command(String name, String object, boolean namespaced, List<String> args) {
        @Override
        public String toString() {
            return name;
        }
    }

    private Path dir;
    private final Map<String, Map<String, JsonNode>> stored = new HashMap<>();
    private final Map<String, Map<String, String>> requestLogs = new HashMap<>();

    private List<Command> commands() {
        Path files = dir.resolve("files");
        return List.of(
                new Command("namespace", "namespace/" + NS, false, List.of("create", "namespace", NS)),
                new Command("deployment", "deployment/web", true, List.of("create", "deployment", "web",
                        "--image=nginx:1.27", "--replicas=3", "--port=8080", "--save-config")),
                new Command("deployment with two images", "deployment/pair", true, List.of("create", "deployment", "pair",
                        "--image=nginx", "--image=busybox", "--replicas=0")),
                new Command("job", "job/once", true, List.of("create", "job", "once", "--image=busybox", "--",
                        "sh", "-c", "echo hi")),
                new Command("cronjob", "cronjob/tick", true, List.of("create", "cronjob", "tick", "--image=busybox",
                        "--schedule=*/5 * * * *", "--restart=OnFailure", "--", "date")),
                new Command("job from cronjob", "job/manual", true, List.of("create", "job", "manual", "--from=cronjob/tick")),
                // requests.storage would be refused with this scope, as upstream does (unsupported scope applied to resource)
                new Command("quota", "resourcequota/limits", true, List.of("create", "quota", "limits",
                        "--hard=cpu=2,memory=1Gi,pods=10,count/deployments.apps=3",
                        "--scopes=NotTerminating")),
                new Command("pdb with min-available", "poddisruptionbudget/web-min", true, List.of("create", "pdb",
                        "web-min", "--selector=app=web,tier in (a,b)", "--min-available=50%")),
                new Command("pdb with max-unavailable", "poddisruptionbudget/web-max", true, List.of("create", "pdb",
                        "web-max", "--selector=app=web", "--max-unavailable=1")),
                new Command("ingress", "ingress/site", true, List.of("create", "ingress", "site", "--class=nginx",
                        "--rule=foo.com/bar*=svc1:8080,tls=foo-cert", "--rule=bar.com/=svc2:http",
                        "--default-backend=defsvc:80", "--annotation=team=web")),
                new Command("priorityclass", "priorityclass/high", false, List.of("create", "priorityclass", "high",
                        "--value=1000", "--description=important", "--preemption-policy=Never")),
                new Command("priorityclass with value 0", "priorityclass/zero", false, List.of("create", "priorityclass",
                        "zero", "--value=0", "--global-default")),
                new Command("secret generic", "secret/creds", true, List.of("create", "secret", "generic", "creds",
                        "--from-literal=user=admin", "--from-literal=empty=", "--from-file=blob=" + files.resolve("blob.bin"),
                        "--type=Opaque")),
                new Command("secret tls", "secret/tls", true, List.of("create", "secret", "tls", "tls",
                        "--cert=" + files.resolve("tls.crt"), "--key=" + files.resolve("tls.key"))),
                new Command("secret docker-registry", "secret/pull", true, List.of("create", "secret", "docker-registry",
                        "pull", "--docker-server=registry.example", "--docker-username=u", "--docker-password=p",
                        "--docker-email=u@example.com")),
                new Command("configmap", "configmap/settings", true, List.of("create", "configmap", "settings",
                        "--from-literal=a=1", "--from-literal=empty=", "--from-file=bin=" + files.resolve("blob.bin"),
                        "--from-file=text=" + files.resolve("text.txt"))),
                new Command("serviceaccount", "serviceaccount/bot", true, List.of("create", "serviceaccount", "bot")),
                new Command("role", "role/reader", true, List.of("create", "role", "reader", "--verb=get,list",
                        "--resource=configmaps,deployments.apps", "--resource-name=a")),
                new Command("rolebinding", "rolebinding/reader", true, List.of("create", "rolebinding", "reader",
                        "--role=reader", "--user=alice", "--group=devs", "--serviceaccount=gen:bot")),
                new Command("clusterrole", "clusterrole/watcher", false, List.of("create", "clusterrole", "watcher",
                        "--verb=get,watch", "--resource=secrets", "--resource-name=one")),
                new Command("clusterrole with aggregation rule", "clusterrole/aggregate", false, List.of("create",
                        "clusterrole", "aggregate", "--aggregation-rule=team=a,tier=b")),
                new Command("clusterrole with non-resource URLs", "clusterrole/health", false, List.of("create",
                        "clusterrole", "health", "--verb=get", "--non-resource-url=/healthz", "--non-resource-url=/livez")),
                new Command("clusterrolebinding", "clusterrolebinding/watcher", false, List.of("create",
                        "clusterrolebinding", "watcher", "--clusterrole=watcher", "--user=bob", "--serviceaccount=gen:bot")));
    }

    @BeforeAll
    void runEveryVersion(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        Path files = Files.createDirectories(dir.resolve("files"));
        ClusterPki pki = ClusterPki.ensure(dir.resolve("tls-pki"));
        Files.copy(pki.servingCert(), files.resolve("tls.crt"));
        Files.copy(pki.servingKey(), files.resolve("tls.key"));
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i; // not UTF-8, so configmaps keep it in binaryData
        }
        Files.write(files.resolve("blob.bin"), binary);
        Files.writeString(files.resolve("text.txt"), "line one\nline two\n");
        for (String version : Stream.concat(Stream.of(JSON_VERSION), PROTOBUF_VERSIONS.stream()).toList()) {
            run(version);
        }
    }

    private void run(String version) throws Exception {
        Path serverDir = dir.resolve("server-" + version);
        Map<String, JsonNode> objects = new HashMap<>();
        Map<String, String> logs = new HashMap<>();
        try (ApiServer server = ApiServer.start(new ApiServerConfig(serverDir.resolve("data"), List.of(), "127.0.0.1", 0)
                // the workload controllers (Jobs, CronJobs, PDBs too) would write status between the JSON and the protobuf creates
                .withControllers(List.of("*", "-replicaset-controller", "-replicationcontroller-controller", "-deployment-controller",
                        "-job-controller", "-cronjob-controller", "-disruption-controller")))) {
            Kubectl kubectl = Kubectl.require(version, server.kubeconfig(), serverDir);
            for (Command command : commands()) {
                List<String> args = new ArrayList<>(command.args());
                int end = args.contains("--") ? args.indexOf("--") : args.size();
                args.addAll(end, command.namespaced() ? List.of("-n", NS, "-v=8") : List.of("-v=8"));
                Kubectl.Result result = kubectl.run(args.toArray(String[]::new)).ok();
                logs.put(command.name(), result.stderr());
                List<String> get = new ArrayList<>(List.of("get", command.object(), "-o", "json"));
                if (command.namespaced()) {
                    get.addAll(List.of("-n", NS));
                }
                objects.put(command.name(), JSON.readTree(kubectl.run(get.toArray(String[]::new)).ok().stdout()));
            }
        }
        stored.put(version, objects);
        requestLogs.put(version, logs);
    }

    Stream<Arguments> protobufCommands() {
        return PROTOBUF_VERSIONS.stream().flatMap(version -> commands().stream().map(c -> Arguments.of(version, c)));
    }

    @ParameterizedTest(name = "kubectl {0}: {1}")
    @MethodSource("protobufCommands")
    void storesWhatJsonStores(String version, Command command) throws Exception {
        String log = requestLogs.get(version).get(command.name());
        assertTrue(log.contains("Content-Type: application/vnd.kubernetes.protobuf"),
                "kubectl " + version + " did not send protobuf: " + log);
        assertTrue(requestLogs.get(JSON_VERSION).get(command.name()).contains("Content-Type: application/json"));
        assertEquals(normalized(stored.get(JSON_VERSION).get(command.name())),
                normalized(stored.get(version).get(command.name())));
    }

    /** The object without what each server makes up for it. */
    private static String normalized(JsonNode object) throws Exception {
        ObjectNode copy = object.deepCopy();
        ObjectNode metadata = (ObjectNode) copy.path("metadata");
        metadata.remove(List.of("uid", "resourceVersion", "creationTimestamp", "managedFields"));
        metadata.path("ownerReferences").forEach(owner -> ((ObjectNode) owner).remove("uid"));
        // a Job's generated selector and pod labels carry its uid
        String text = JSON.writeValueAsString(JSON.treeToValue(copy, Object.class));
        String uid = object.path("metadata").path("uid").asText("");
        return uid.isEmpty() ? text : text.replace(uid, "UID");
    }
}
