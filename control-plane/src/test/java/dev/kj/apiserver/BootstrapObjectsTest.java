package dev.kj.apiserver;

import static dev.kj.controllers.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.PatchType;
import dev.kj.api.client.ResourceClient;
import dev.kj.apiserver.testing.Kubectl;
import dev.kj.apiserver.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every cluster has without being asked, through kubectl and the API: pods get the default
 * service account and the projected token volume (upstream's JSON), a missing account is
 * upstream's 403, every namespace gets a {@code default} ServiceAccount and the
 * {@code kube-root-ca.crt} ConfigMap (put back when deleted or edited), and the {@code kubernetes}
 * Endpoints and EndpointSlice name this server.
 */
class BootstrapObjectsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestServer server;
    static Kubectl kubectl;
    static ApiClient client;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir);
        kubectl = Kubectl.require("kubectl", server.server().kubeconfig(), dir);
        client = ApiClient.fromKubeconfig(server.server().kubeconfig());
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text.replace('\'', '"'));
    }

    @Test
    void podsGetTheDefaultAccountAndTheTokenVolume() throws Exception {
        kubectl.run("create", "namespace", "tokens").ok();
        until("the default service account", () -> exists(Resources.SERVICE_ACCOUNTS, "tokens", "default"));
        kubectl.run("-n", "tokens", "run", "web", "--image=nginx", "--restart=Never").ok();
        JsonNode pod = JSON.readTree(kubectl.run("-n", "tokens", "get", "pod", "web", "-o", "json").ok().stdout());
        JsonNode spec = pod.path("spec");
        assertEquals("default", spec.path("serviceAccountName").asText());
        assertEquals("default", spec.path("serviceAccount").asText(), "the deprecated alias is defaulted from it");
        JsonNode volume = spec.path("volumes").path(0);
        String name = volume.path("name").asText();
        assertTrue(name.matches("kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}"), name);
        assertEquals(json("{'name':'" + name + "','projected':{'defaultMode':420,'sources':["
                + "{'serviceAccountToken':{'expirationSeconds':3607,'path':'token'}},"
                + "{'configMap':{'items':[{'key':'ca.crt','path':'ca.crt'}],'name':'kube-root-ca.crt'}},"
                + "{'downwardAPI':{'items':[{'fieldRef':{'apiVersion':'v1','fieldPath':'metadata.namespace'},"
                + "'path':'namespace'}]}}]}}"), volume);
        assertEquals(json("[{'mountPath':'/var/run/secrets/kubernetes.io/serviceaccount','name':'" + name
                + "','readOnly':true}]"), spec.path("containers").path(0).path("volumeMounts"));
    }

    @Test
    void aMissingServiceAccountIsForbidden() throws Exception {
        kubectl.run("create", "namespace", "missing-sa").ok();
        Kubectl.Result refused = kubectl.run("-n", "missing-sa", "run", "web", "--image=nginx", "--restart=Never",
                "--overrides={\"spec\":{\"serviceAccountName\":\"nope\"}}");
        assertEquals(1, refused.exitCode());
        assertEquals("Error from server (Forbidden): pods \"web\" is forbidden: error looking up service account"
                + " missing-sa/nope: serviceaccount \"nope\" not found\n", refused.stderr());
        kubectl.run("-n", "missing-sa", "create", "serviceaccount", "nope").ok();
        kubectl.run("-n", "missing-sa", "run", "web", "--image=nginx", "--restart=Never",
                "--overrides={\"spec\":{\"serviceAccountName\":\"nope\"}}").ok();
        kubectl.run("-n", "missing-sa", "create", "serviceaccount", "quiet").ok();
        kubectl.run("-n", "missing-sa", "patch", "serviceaccount", "quiet", "-p", "{\"automountServiceAccountToken\":false}")
                .ok();
        kubectl.run("-n", "missing-sa", "run", "still", "--image=nginx", "--restart=Never",
                "--overrides={\"spec\":{\"serviceAccountName\":\"quiet\"}}").ok();
        JsonNode still = JSON.readTree(kubectl.run("-n", "missing-sa", "get", "pod", "still", "-o", "json").ok().stdout());
        assertTrue(still.path("spec").path("volumes").isMissingNode(), still.toString());
    }

    @Test
    void everyNamespaceGetsItsAccountAndCaConfigMapBack() throws Exception {
        String ca = Files.readString(server.server().kubeconfig().resolveSibling("pki").resolve("ca.crt"));
        ResourceClient<ObjectNode> accounts = client.generic(Resources.SERVICE_ACCOUNTS);
        ResourceClient<ObjectNode> configMaps = client.generic(Resources.CONFIG_MAPS);
        for (String system : ApiServer.SYSTEM_NAMESPACES) {
            until("the account and CA in " + system, () -> exists(Resources.SERVICE_ACCOUNTS, system, "default")
                    && exists(Resources.CONFIG_MAPS, system, "kube-root-ca.crt"));
        }
        kubectl.run("create", "namespace", "fresh").ok();
        until("the account and CA in a new namespace", () -> exists(Resources.SERVICE_ACCOUNTS, "fresh", "default")
                && exists(Resources.CONFIG_MAPS, "fresh", "kube-root-ca.crt"));
        ObjectNode published = configMaps.get("fresh", "kube-root-ca.crt");
        assertEquals(ca, published.path("data").path("ca.crt").asText());
        assertEquals("Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints"
                + " such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across"
                + " distributions of Kubernetes clusters.",
                published.path("metadata").path("annotations").path("kubernetes.io/description").asText());

        String firstUid = accounts.get("fresh", "default").path("metadata").path("uid").asText();
        kubectl.run("-n", "fresh", "delete", "serviceaccount", "default").ok();
        until("a new default account", () -> uid(accounts, "fresh", "default").filter(u -> !u.equals(firstUid)).isPresent());

        configMaps.patch("fresh", "kube-root-ca.crt", PatchType.MERGE, "{\"data\":{\"ca.crt\":\"forged\"}}");
        until("the CA restored", () -> ca.equals(configMaps.get("fresh", "kube-root-ca.crt").path("data").path("ca.crt").asText()));
        kubectl.run("-n", "fresh", "delete", "configmap", "kube-root-ca.crt").ok();
        until("the CA config map recreated", () -> exists(Resources.CONFIG_MAPS, "fresh", "kube-root-ca.crt"));

        kubectl.run("delete", "namespace", "fresh", "--wait=true", "--timeout=60s").ok();
        assertTrue(!exists(Resources.NAMESPACES, null, "fresh"), "nothing kept the namespace alive");
    }

    @Test
    void theKubernetesEndpointsNameThisServer() throws Exception {
        int port = server.server().address().getPort();
        String ip = dev.kj.apiserver.reconcilers.AdvertiseAddress.choose(null, java.net.InetAddress.getLoopbackAddress())
                .orElseThrow(() -> new AssertionError("this host has no address to advertise"));
        ResourceClient<ObjectNode> endpoints = client.generic(Resources.ENDPOINTS);
        until("the kubernetes endpoints", () -> exists(Resources.ENDPOINTS, "default", "kubernetes")
                && exists(Resources.ENDPOINT_SLICES, "default", "kubernetes"));
        ObjectNode ep = endpoints.get("default", "kubernetes");
        assertEquals(json("{'endpointslice.kubernetes.io/skip-mirror':'true'}"), ep.path("metadata").path("labels"));
        assertEquals(json("[{'addresses':[{'ip':'" + ip + "'}],'ports':[{'name':'https','port':" + port
                + ",'protocol':'TCP'}]}]"), ep.path("subsets"));
        ObjectNode slice = client.generic(Resources.ENDPOINT_SLICES).get("default", "kubernetes");
        assertEquals(json("{'kubernetes.io/service-name':'kubernetes'}"), slice.path("metadata").path("labels"));
        assertEquals("IPv4", slice.path("addressType").asText());
        assertEquals(json("[{'addresses':['" + ip + "'],'conditions':{'ready':true}}]"), slice.path("endpoints"));
        assertEquals(json("[{'name':'https','port':" + port + ",'protocol':'TCP'}]"), slice.path("ports"));
        String got = kubectl.run("get", "endpoints", "kubernetes", "--no-headers").ok().stdout();
        assertTrue(got.matches("kubernetes\\s+" + java.util.regex.Pattern.quote(ip + ":" + port) + "\\s+\\S+\\s*"), got);

        // the loop rewrites nothing while everything matches
        String version = ep.path("metadata").path("resourceVersion").asText();
        String sliceVersion = slice.path("metadata").path("resourceVersion").asText();
        Thread.sleep(dev.kj.apiserver.reconcilers.KubernetesEndpoints.INTERVAL.toMillis() + 2000);
        assertEquals(version, endpoints.get("default", "kubernetes").path("metadata").path("resourceVersion").asText());
        assertEquals(sliceVersion, client.generic(Resources.ENDPOINT_SLICES).get("default", "kubernetes")
                .path("metadata").path("resourceVersion").asText());

        // and puts back what is deleted, the Service included
        kubectl.run("delete", "service", "kubernetes").ok();
        kubectl.run("delete", "endpointslice", "kubernetes").ok();
        until("the service and its slice back", SLOW, () -> exists(Resources.SERVICES, "default", "kubernetes")
                && exists(Resources.ENDPOINT_SLICES, "default", "kubernetes"));
        assertNotEquals("", client.generic(Resources.SERVICES).get("default", "kubernetes").path("spec").path("clusterIP").asText());
    }

    /** One reconcile interval and then some. */
    private static final java.time.Duration SLOW = java.time.Duration.ofSeconds(60);

    private static boolean exists(dev.kj.api.Resource resource, String namespace, String name) {
        try {
            client.generic(resource).get(namespace, name);
            return true;
        } catch (ApiException e) {
            if (e.isNotFound()) {
                return false;
            }
            throw e;
        }
    }

    private static Optional<String> uid(ResourceClient<ObjectNode> client, String namespace, String name) {
        try {
            return Optional.of(client.get(namespace, name).path("metadata").path("uid").asText());
        } catch (ApiException e) {
            return Optional.empty();
        }
    }
}
