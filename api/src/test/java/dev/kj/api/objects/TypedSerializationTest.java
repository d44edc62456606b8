package dev.kj.api.objects;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * fabric8's model writes what upstream's Go types write for the kinds kj's components use: unset
 * fields left out (Go's omitempty), IntOrString as a bare number or string, Quantity as its
 * string, MicroTime with microseconds; and reading upstream's JSON and writing it back loses and
 * adds nothing, fields the model does not know included. One difference, harmless to every
 * decoder: Go writes a zero metav1.Time as {@code null} ({@code "lastProbeTime":null}); fabric8
 * leaves the field out, which Go decodes to the same zero time.
 */
class TypedSerializationTest {
    record Built(String name, HasMetadata object, String upstreamJson) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Built> built() {
        return Stream.of(
                new Built("pod: quantities and named and numbered probe ports",
                        new PodBuilder().withNewMetadata().withName("web").withNamespace("default").endMetadata()
                                .withNewSpec().addNewContainer().withName("app").withImage("busybox")
                                .withNewResources().addToLimits("cpu", new Quantity("500m"))
                                .addToRequests("memory", new Quantity("64Mi")).endResources()
                                .withNewLivenessProbe().withNewHttpGet().withPath("/healthz").withPort(new IntOrString("http"))
                                .endHttpGet().endLivenessProbe()
                                .withNewReadinessProbe().withNewTcpSocket().withPort(new IntOrString(8080)).endTcpSocket()
                                .endReadinessProbe().endContainer().endSpec().build(),
                        """
                        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default"},
                         "spec":{"containers":[{"name":"app","image":"busybox",
                           "resources":{"limits":{"cpu":"500m"},"requests":{"memory":"64Mi"}},
                           "livenessProbe":{"httpGet":{"path":"/healthz","port":"http"}},
                           "readinessProbe":{"tcpSocket":{"port":8080}}}]}}"""),
                new Built("service: targetPort as a number and as a name",
                        new ServiceBuilder().withNewMetadata().withName("web").endMetadata().withNewSpec()
                                .withSelector(java.util.Map.of("app", "web"))
                                .addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString(8080)).endPort()
                                .addNewPort().withName("admin").withPort(81).withTargetPort(new IntOrString("admin")).endPort()
                                .endSpec().build(),
                        """
                        {"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},
                         "spec":{"selector":{"app":"web"},"ports":[{"name":"http","port":80,"targetPort":8080},
                           {"name":"admin","port":81,"targetPort":"admin"}]}}"""),
                new Built("deployment: percent and integer rolling update bounds",
                        new DeploymentBuilder().withNewMetadata().withName("web").endMetadata().withNewSpec()
                                .withReplicas(3).withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                                .withMaxSurge(new IntOrString("25%")).withMaxUnavailable(new IntOrString(0))
                                .endRollingUpdate().endStrategy().endSpec().build(),
                        """
                        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
                         "spec":{"replicas":3,"strategy":{"type":"RollingUpdate",
                           "rollingUpdate":{"maxSurge":"25%","maxUnavailable":0}}}}"""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("built")
    void writesWhatUpstreamWrites(Built built) {
        JsonNode written = Json.readObject(Json.TYPED.writeValueAsBytes(built.object()));
        assertEquals(tree(built.upstreamJson()), written);
    }

    record Read(String name, Class<? extends HasMetadata> type, String upstreamJson) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Read> upstream() {
        return Stream.of(
                new Read("pod as the API server answers it, with a field the model lacks", Pod.class, """
                        {"kind":"Pod","apiVersion":"v1",
                         "metadata":{"name":"web-7d4b9c","generateName":"web-","namespace":"default","uid":"5e6a1c1e-1b0a-4e53-9d2f-0c3f4b1f8c11",
                           "resourceVersion":"1234","creationTimestamp":"2024-05-01T10:00:00Z","labels":{"app":"web"},
                           "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d4b9c","uid":"0f1e2d3c-aaaa-bbbb-cccc-000000000001","controller":true,"blockOwnerDeletion":true}],
                           "finalizers":["example.com/keep"]},
                         "spec":{"containers":[{"name":"app","image":"busybox","command":["sleep","3600"],
                             "ports":[{"containerPort":8080,"protocol":"TCP"}],
                             "resources":{"limits":{"cpu":"1500m","memory":"128974848"}},
                             "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],
                           "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst",
                           "schedulerName":"default-scheduler","enableServiceLinks":true,"futureField":{"nested":[1,2]}},
                         "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastProbeTime":null,
                           "lastTransitionTime":"2024-05-01T10:00:05Z"}],"podIP":"10.42.0.7","startTime":"2024-05-01T10:00:00Z"}}"""),
                new Read("node status with quantities", Node.class, """
                        {"kind":"Node","apiVersion":"v1","metadata":{"name":"n1","resourceVersion":"9"},
                         "spec":{"podCIDR":"10.42.0.0/24","podCIDRs":["10.42.0.0/24"]},
                         "status":{"capacity":{"cpu":"2","memory":"24576Mi","pods":"110","ephemeral-storage":"100Gi"},
                           "allocatable":{"cpu":"1900m","memory":"23Gi","pods":"110"}}}"""),
                new Read("lease with MicroTime renewTime", Lease.class, """
                        {"kind":"Lease","apiVersion":"coordination.k8s.io/v1","metadata":{"name":"n1","namespace":"kube-node-lease"},
                         "spec":{"holderIdentity":"n1","leaseDurationSeconds":40,"renewTime":"2024-05-01T10:00:00.123456Z"}}"""),
                new Read("deployment with an intstr surge", Deployment.class, """
                        {"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"d","namespace":"default","generation":2},
                         "spec":{"replicas":1,"selector":{"matchLabels":{"app":"d"}},
                           "template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"i"}]}},
                           "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":1}},
                           "revisionHistoryLimit":10,"progressDeadlineSeconds":600},
                         "status":{"observedGeneration":2,"replicas":1,"readyReplicas":1}}"""),
                new Read("service with a cluster IP and a named target port", Service.class, """
                        {"kind":"Service","apiVersion":"v1","metadata":{"name":"s","namespace":"default"},
                         "spec":{"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":"http"}],
                           "selector":{"app":"web"},"clusterIP":"10.43.0.10","clusterIPs":["10.43.0.10"],"type":"ClusterIP",
                           "sessionAffinity":"None","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"},
                         "status":{"loadBalancer":{}}}"""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("upstream")
    void readsAndWritesBackUpstreamJsonUnchanged(Read read) {
        ObjectCodec<? extends HasMetadata> codec = ObjectCodec.typed(read.type());
        assertEquals(withoutNulls(tree(read.upstreamJson())), roundTrip(codec, read.upstreamJson()));
    }

    private static <T> JsonNode roundTrip(ObjectCodec<T> codec, String json) {
        T object = codec.read(json.getBytes(StandardCharsets.UTF_8));
        return Json.readObject(codec.write(object));
    }

    private static JsonNode withoutNulls(JsonNode node) {
        if (node instanceof com.fasterxml.jackson.databind.node.ObjectNode object) {
            object.properties().removeIf(e -> e.getValue().isNull());
            object.forEach(TypedSerializationTest::withoutNulls);
        } else if (node.isArray()) {
            node.forEach(TypedSerializationTest::withoutNulls);
        }
        return node;
    }

    private static JsonNode tree(String json) {
        return Json.readObject(json.getBytes(StandardCharsets.UTF_8));
    }
}
