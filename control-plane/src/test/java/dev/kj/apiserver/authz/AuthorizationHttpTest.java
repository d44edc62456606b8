package dev.kj.apiserver.authz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.testing.Kubectl;
import dev.kj.apiserver.testing.TestServer;
import dev.kj.apiserver.testing.UserCertificates;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Authorization of the live server over HTTPS: subjects are client certificates signed by the
 * cluster CA (CN user, O groups) or the admin impersonating someone; RBAC objects are created
 * through the API like any user's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthorizationHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String POD = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}]}}""";
    private static final String CONFIG_MAP = """
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}""";

    private Path dir;
    private TestServer server;
    private Path pki;
    private final Map<String, HttpClient> subjects = new LinkedHashMap<>();
    private final Map<String, UserCertificates.Issued> certificates = new LinkedHashMap<>();

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        this.dir = dir;
        server = TestServer.start(dir);
        pki = dir.resolve("data").resolve("pki");
        subjects.put("admin", server.admin());
        subjects.put("anonymous", server.anonymous());
        for (String user : List.of("alice", "bob", "carol", "dave", "erin", "mallory")) {
            UserCertificates.Issued issued = UserCertificates.issue(pki, user, user.equals("erin") ? List.of("qa") : List.of());
            certificates.put(user, issued);
            subjects.put(user, issued.client(pki));
        }
        for (String namespace : List.of("team-a", "team-b")) {
            create("/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + namespace + "\"}}");
        }
        roleBinding("team-a", "alice-view", "ClusterRole", "view", user("alice"));
        roleBinding("team-a", "bob-edit", "ClusterRole", "edit", user("bob"));
        roleBinding("team-a", "carol-admin", "ClusterRole", "admin", user("carol"));
        role("team-a", "pod-reader", """
                [{"apiGroups":[""],"resources":["pods","pods/log"],"verbs":["get","list"]}]""");
        roleBinding("team-a", "dave-pods", "Role", "pod-reader", user("dave"));
        role("team-a", "secret-one", """
                [{"apiGroups":[""],"resources":["secrets"],"resourceNames":["one"],"verbs":["get","list"]}]""");
        roleBinding("team-a", "dave-secret", "Role", "secret-one", user("dave"));
        clusterRole("node-reader", """
                [{"apiGroups":[""],"resources":["nodes"],"verbs":["get","list","watch"]}]""");
        clusterRoleBinding("dave-nodes", "node-reader", user("dave"));
        clusterRole("batch-all", """
                [{"apiGroups":["batch"],"resources":["*"],"verbs":["*"]}]""");
        roleBinding("team-a", "dave-batch", "ClusterRole", "batch-all", user("dave"));
        role("team-b", "cm-writer", """
                [{"apiGroups":[""],"resources":["configmaps"],"verbs":["create"]}]""");
        roleBinding("team-b", "qa-cm", "Role", "cm-writer", """
                {"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"qa"}""");
        roleBinding("team-b", "ghost", "ClusterRole", "does-not-exist", """
                {"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"qa"}""");
        clusterRole("metrics-reader", """
                [{"nonResourceURLs":["/metrics"],"verbs":["get"]}]""");
        clusterRoleBinding("qa-metrics", "metrics-reader", """
                {"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"qa"}""");
        // a service account subject without a namespace means one of the binding's namespace
        roleBinding("team-a", "robot-view", "ClusterRole", "view", """
                {"kind":"ServiceAccount","name":"robot"}""");
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static String user(String name) {
        return "{\"kind\":\"User\",\"apiGroup\":\"rbac.authorization.k8s.io\",\"name\":\"" + name + "\"}";
    }

    private void role(String namespace, String name, String rules) throws Exception {
        create("/apis/rbac.authorization.k8s.io/v1/namespaces/" + namespace + "/roles",
                "{\"metadata\":{\"name\":\"" + name + "\"},\"rules\":" + rules + "}");
    }

    private void clusterRole(String name, String rules) throws Exception {
        create("/apis/rbac.authorization.k8s.io/v1/clusterroles", "{\"metadata\":{\"name\":\"" + name + "\"},\"rules\":" + rules + "}");
    }

    private void roleBinding(String namespace, String name, String roleKind, String role, String subject) throws Exception {
        create("/apis/rbac.authorization.k8s.io/v1/namespaces/" + namespace + "/rolebindings", "{\"metadata\":{\"name\":\""
                + name + "\"},\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"" + roleKind + "\",\"name\":\""
                + role + "\"},\"subjects\":[" + subject + "]}");
    }

    private void clusterRoleBinding(String name, String role, String subject) throws Exception {
        create("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", "{\"metadata\":{\"name\":\"" + name
                + "\"},\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":\"" + role
                + "\"},\"subjects\":[" + subject + "]}");
    }

    private void create(String path, String body) throws Exception {
        HttpResponse<String> response = send("admin", "POST", path, body, Map.of());
        assertEquals(201, response.statusCode(), response.body());
    }

    private HttpResponse<String> send(String subject, String method, String path, String body, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", method.equals("PATCH") ? "application/merge-patch+json" : "application/json");
        }
        headers.forEach(request::header);
        HttpClient client = subject.startsWith("sa:") ? subjects.get("admin") : subjects.get(subject);
        if (subject.startsWith("sa:")) {
            request.header("Impersonate-User", "system:serviceaccount:" + subject.substring(3));
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** One case of the matrix: whether {@code subject} may {@code method path}; refused means 403. */
    record Case(String subject, String method, String path, String body, boolean allowed) {
        @Override
        public String toString() {
            return subject + " " + method + " " + path + " → " + (allowed ? "allow" : "deny");
        }
    }

    private static Case allow(String subject, String method, String path, String body) {
        return new Case(subject, method, path, body, true);
    }

    private static Case deny(String subject, String method, String path, String body) {
        return new Case(subject, method, path, body, false);
    }

    private static List<Case> matrix() {
        String a = "/api/v1/namespaces/team-a";
        String b = "/api/v1/namespaces/team-b";
        String appsA = "/apis/apps/v1/namespaces/team-a";
        String rbacA = "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a";
        String ssar = "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\",\"spec\":"
                + "{\"resourceAttributes\":{\"verb\":\"get\",\"resource\":\"pods\"}}}";
        List<Case> cases = new ArrayList<>();
        // alice: view in team-a
        cases.add(allow("alice", "GET", a + "/pods", null));
        cases.add(allow("alice", "GET", a + "/pods/x", null));
        cases.add(allow("alice", "GET", a + "/pods?watch=1&timeoutSeconds=1", null));
        cases.add(deny("alice", "GET", a + "/secrets", null));
        cases.add(deny("alice", "GET", a + "/secrets/s", null));
        cases.add(deny("alice", "POST", a + "/pods?dryRun=All", POD));
        cases.add(deny("alice", "DELETE", a + "/pods/x", null));
        cases.add(deny("alice", "GET", b + "/pods", null));
        cases.add(deny("alice", "GET", "/api/v1/pods", null));
        cases.add(allow("alice", "GET", appsA + "/deployments", null));
        cases.add(allow("alice", "GET", a + "/pods/x/log", null));
        cases.add(allow("alice", "GET", a + "/configmaps", null));
        cases.add(deny("alice", "GET", rbacA + "/roles", null));
        cases.add(deny("alice", "GET", "/api/v1/nodes", null));
        cases.add(allow("alice", "GET", "/api", null));
        cases.add(allow("alice", "GET", "/apis/apps/v1", null));
        cases.add(deny("alice", "GET", "/metrics", null));
        cases.add(deny("alice", "PATCH", a + "/configmaps/c", "{}"));
        cases.add(allow("alice", "GET", appsA + "/deployments/d/scale", null));
        cases.add(deny("alice", "PUT", appsA + "/deployments/d/scale", "{}"));
        // bob: edit in team-a
        cases.add(allow("bob", "POST", a + "/pods?dryRun=All", POD));
        cases.add(allow("bob", "GET", a + "/secrets", null));
        cases.add(allow("bob", "DELETE", a + "/configmaps/c", null));
        cases.add(deny("bob", "GET", rbacA + "/roles", null));
        cases.add(deny("bob", "POST", rbacA + "/roles", "{}"));
        cases.add(deny("bob", "GET", b + "/pods", null));
        cases.add(allow("bob", "PUT", appsA + "/deployments/d/scale", "{}"));
        cases.add(allow("bob", "GET", "/api/v1/namespaces/team-a", null));
        cases.add(deny("bob", "DELETE", "/api/v1/namespaces/team-a", null));
        // carol: admin in team-a
        cases.add(allow("carol", "GET", rbacA + "/roles", null));
        cases.add(allow("carol", "GET", rbacA + "/rolebindings", null));
        cases.add(allow("carol", "GET", a + "/resourcequotas", null));
        cases.add(deny("carol", "POST", a + "/resourcequotas", "{}"));
        cases.add(deny("carol", "GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles", null));
        cases.add(deny("carol", "GET", b + "/pods", null));
        // dave: a Role with pods and pods/log, one named secret, a ClusterRole for nodes, batch/* by wildcard
        cases.add(allow("dave", "GET", a + "/pods", null));
        cases.add(allow("dave", "GET", a + "/pods/x/log", null));
        cases.add(deny("dave", "GET", a + "/pods/x/exec", null));
        cases.add(deny("dave", "GET", a + "/pods/x/status", null));
        cases.add(deny("dave", "GET", a + "/configmaps", null));
        cases.add(allow("dave", "GET", "/api/v1/nodes", null));
        cases.add(allow("dave", "GET", "/api/v1/nodes/n1", null));
        cases.add(deny("dave", "DELETE", "/api/v1/nodes/n1", null));
        cases.add(deny("dave", "GET", b + "/pods", null));
        cases.add(allow("dave", "GET", a + "/secrets/one", null));
        cases.add(deny("dave", "GET", a + "/secrets/two", null));
        cases.add(deny("dave", "GET", a + "/secrets", null));
        cases.add(allow("dave", "GET", a + "/secrets?fieldSelector=metadata.name%3Done", null));
        cases.add(allow("dave", "POST", "/apis/batch/v1/namespaces/team-a/jobs?dryRun=All", "{}"));
        cases.add(allow("dave", "GET", "/apis/batch/v1/namespaces/team-a/cronjobs", null));
        cases.add(deny("dave", "GET", "/apis/batch/v1/namespaces/team-b/jobs", null));
        cases.add(deny("dave", "GET", "/apis/batch/v1/jobs", null));
        // erin (group qa): create config maps in team-b, read /metrics
        cases.add(allow("erin", "POST", b + "/configmaps?dryRun=All", CONFIG_MAP));
        cases.add(deny("erin", "GET", b + "/configmaps", null));
        cases.add(deny("erin", "POST", a + "/configmaps?dryRun=All", CONFIG_MAP));
        cases.add(allow("erin", "GET", "/version", null));
        cases.add(allow("erin", "GET", "/metrics", null));
        cases.add(deny("erin", "DELETE", "/metrics", null));
        // mallory: nothing but what every authenticated user has
        cases.add(allow("mallory", "GET", "/apis", null));
        cases.add(allow("mallory", "GET", "/openapi/v2", null));
        cases.add(allow("mallory", "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", ssar));
        cases.add(deny("mallory", "GET", a + "/pods", null));
        cases.add(deny("mallory", "GET", "/api/v1/namespaces", null));
        // anonymous: the public information only
        cases.add(allow("anonymous", "GET", "/healthz", null));
        cases.add(allow("anonymous", "GET", "/livez", null));
        cases.add(allow("anonymous", "GET", "/readyz", null));
        cases.add(allow("anonymous", "GET", "/version", null));
        cases.add(deny("anonymous", "GET", "/api", null));
        cases.add(deny("anonymous", "GET", "/apis", null));
        cases.add(deny("anonymous", "GET", "/api/v1/namespaces", null));
        cases.add(deny("anonymous", "GET", "/openapi/v2", null));
        cases.add(deny("anonymous", "GET", "/metrics", null));
        cases.add(deny("anonymous", "GET", "/healthz/etcd", null));
        cases.add(deny("anonymous", "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", ssar));
        // a service account (impersonated by the admin), bound by a subject without namespace
        cases.add(allow("sa:team-a:robot", "GET", a + "/pods", null));
        cases.add(deny("sa:team-a:robot", "GET", a + "/secrets", null));
        cases.add(deny("sa:team-a:robot", "GET", b + "/pods", null));
        cases.add(deny("sa:team-b:robot", "GET", a + "/pods", null));
        cases.add(allow("sa:team-a:robot", "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", ssar));
        // system:masters
        cases.add(allow("admin", "GET", "/metrics", null));
        cases.add(allow("admin", "DELETE", "/api/v1/nodes/zzz", null));
        cases.add(allow("admin", "GET", b + "/secrets", null));
        return cases;
    }

    @Test
    void rbacMatrix() throws Exception {
        List<Case> cases = matrix();
        assertTrue(cases.size() >= 50, "the matrix has " + cases.size() + " cases");
        List<String> wrong = new ArrayList<>();
        // bindings take effect once the authorizer's watch has them, and view/edit/admin once the
        // aggregation controller filled them: allowed cases may need a few tries
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (Case c : cases) {
            int code = send(c.subject(), c.method(), c.path(), c.body(), Map.of()).statusCode();
            while (c.allowed() && code == 403 && System.nanoTime() < deadline) {
                Thread.sleep(100);
                code = send(c.subject(), c.method(), c.path(), c.body(), Map.of()).statusCode();
            }
            if ((code != 403) != c.allowed()) {
                wrong.add(c + " got " + code);
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void refusalsCarryUpstreamsMessages() throws Exception {
        awaitAllowed("alice", "/api/v1/namespaces/team-a/pods");
        JsonNode status = JSON.readTree(send("alice", "GET", "/api/v1/namespaces/team-a/secrets", null, Map.of()).body());
        assertEquals("Forbidden", status.path("reason").asText());
        assertEquals("secrets is forbidden: User \"alice\" cannot list resource \"secrets\" in API group \"\" in the namespace"
                + " \"team-a\"", status.path("message").asText());
        assertEquals("secrets", status.path("details").path("kind").asText());
        status = JSON.readTree(send("alice", "GET", "/apis/apps/v1/namespaces/team-b/deployments/web", null, Map.of()).body());
        assertEquals("deployments.apps \"web\" is forbidden: User \"alice\" cannot get resource \"deployments\" in API group"
                + " \"apps\" in the namespace \"team-b\"", status.path("message").asText());
        status = JSON.readTree(send("alice", "GET", "/api/v1/nodes", null, Map.of()).body());
        assertEquals("nodes is forbidden: User \"alice\" cannot list resource \"nodes\" in API group \"\" at the cluster scope",
                status.path("message").asText());
        status = JSON.readTree(send("alice", "GET", "/api/v1/namespaces/team-a/pods/x/exec", null, Map.of()).body());
        assertEquals("pods \"x\" is forbidden: User \"alice\" cannot get resource \"pods/exec\" in API group \"\" in the"
                + " namespace \"team-a\"", status.path("message").asText());
        // a binding to a role that does not exist is reported, as upstream's RBAC does
        awaitAllowed("erin", "/metrics");
        status = JSON.readTree(send("erin", "GET", "/api/v1/namespaces/team-b/configmaps", null, Map.of()).body());
        assertEquals("configmaps is forbidden: User \"erin\" cannot list resource \"configmaps\" in API group \"\" in the"
                + " namespace \"team-b\": RBAC: clusterrole.rbac.authorization.k8s.io \"does-not-exist\" not found",
                status.path("message").asText());
        status = JSON.readTree(send("anonymous", "GET", "/api", null, Map.of()).body());
        assertEquals("forbidden: User \"system:anonymous\" cannot get path \"/api\"", status.path("message").asText());
        assertEquals(403, status.path("code").asInt());
    }

    private void awaitAllowed(String subject, String path) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (send(subject, "GET", path, null, Map.of()).statusCode() == 403) {
            if (System.nanoTime() > deadline) {
                fail(subject + " was never allowed " + path);
            }
            Thread.sleep(100);
        }
    }

    @Test
    void viewReadsButNeitherWritesNorReadsSecretsNorLeavesItsNamespace() throws Exception {
        create("/api/v1/namespaces/team-a/configmaps", "{\"metadata\":{\"name\":\"settings\"},\"data\":{\"k\":\"v\"}}");
        create("/api/v1/namespaces/team-a/secrets", "{\"metadata\":{\"name\":\"token\"},\"stringData\":{\"k\":\"v\"}}");
        awaitAllowed("alice", "/api/v1/namespaces/team-a/configmaps/settings");
        HttpResponse<String> read = send("alice", "GET", "/api/v1/namespaces/team-a/configmaps/settings", null, Map.of());
        assertEquals(200, read.statusCode());
        assertEquals("v", JSON.readTree(read.body()).path("data").path("k").asText());
        assertEquals(403, send("alice", "GET", "/api/v1/namespaces/team-a/secrets/token", null, Map.of()).statusCode());
        assertEquals(403, send("alice", "PUT", "/api/v1/namespaces/team-a/configmaps/settings",
                "{\"metadata\":{\"name\":\"settings\"},\"data\":{\"k\":\"changed\"}}", Map.of()).statusCode());
        assertEquals(403, send("alice", "DELETE", "/api/v1/namespaces/team-a/configmaps/settings", null, Map.of()).statusCode());
        assertEquals(403, send("alice", "GET", "/api/v1/namespaces/team-b/configmaps", null, Map.of()).statusCode());
        assertEquals(403, send("alice", "GET", "/api/v1/configmaps", null, Map.of()).statusCode());
        assertEquals("v", JSON.readTree(send("admin", "GET", "/api/v1/namespaces/team-a/configmaps/settings", null, Map.of())
                .body()).path("data").path("k").asText());
    }

    @Test
    void escalationIsRefusedUnlessHeldOrAllowedToEscalateOrBind() throws Exception {
        awaitAllowed("carol", "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/roles");
        String roles = "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/roles";
        // carol (admin in team-a) grants what she holds
        HttpResponse<String> held = send("carol", "POST", roles, "{\"metadata\":{\"name\":\"carol-pods\"},\"rules\":"
                + "[{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],\"verbs\":[\"get\",\"list\"]}]}", Map.of());
        assertEquals(201, held.statusCode(), held.body());
        // but not what she does not: nodes are cluster-scoped, and she holds nothing on them
        HttpResponse<String> refused = send("carol", "POST", roles, "{\"metadata\":{\"name\":\"carol-nodes\"},\"rules\":"
                + "[{\"apiGroups\":[\"\"],\"resources\":[\"nodes\"],\"verbs\":[\"get\",\"delete\"]}]}", Map.of());
        assertEquals(403, refused.statusCode(), refused.body());
        assertEquals("roles.rbac.authorization.k8s.io \"carol-nodes\" is forbidden: user \"carol\" (groups="
                + "[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n"
                + "{APIGroups:[\"\"], Resources:[\"nodes\"], Verbs:[\"delete\"]}\n"
                + "{APIGroups:[\"\"], Resources:[\"nodes\"], Verbs:[\"get\"]}", JSON.readTree(refused.body()).path("message").asText());
        String bindings = "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings";
        // binding view (which she holds through admin's aggregation) is fine; cluster-admin is not
        assertEquals(201, send("carol", "POST", bindings, binding("frank-view", "view", "frank"), Map.of()).statusCode());
        HttpResponse<String> toAdmin = send("carol", "POST", bindings, binding("frank-root", "cluster-admin", "frank"), Map.of());
        assertEquals(403, toAdmin.statusCode(), toAdmin.body());
        assertTrue(JSON.readTree(toAdmin.body()).path("message").asText().startsWith("rolebindings.rbac.authorization.k8s.io"
                + " \"frank-root\" is forbidden: user \"carol\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC"
                + " permissions not currently held:\n"), toAdmin.body());
        // with bind on the ClusterRole edit, dave binds it though he holds none of it
        create("/apis/rbac.authorization.k8s.io/v1/clusterroles", "{\"metadata\":{\"name\":\"bind-edit\"},\"rules\":[{\"apiGroups\":"
                + "[\"rbac.authorization.k8s.io\"],\"resources\":[\"clusterroles\"],\"resourceNames\":[\"edit\"],\"verbs\":[\"bind\"]},"
                + "{\"apiGroups\":[\"rbac.authorization.k8s.io\"],\"resources\":[\"rolebindings\"],\"verbs\":[\"create\"]}]}");
        roleBinding("team-a", "dave-bind-edit", "ClusterRole", "bind-edit", user("dave"));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        HttpResponse<String> bound;
        do {
            Thread.sleep(100);
            bound = send("dave", "POST", bindings, binding("frank-edit", "edit", "frank"), Map.of());
        } while (bound.statusCode() == 403 && System.nanoTime() < deadline);
        assertEquals(201, bound.statusCode(), bound.body());
        HttpResponse<String> notBindable = send("dave", "POST", bindings, binding("frank-admin", "admin", "frank"), Map.of());
        assertEquals(403, notBindable.statusCode(), notBindable.body());
        // system:masters may grant anything
        assertEquals(201, send("admin", "POST", bindings, binding("frank-root", "cluster-admin", "frank"), Map.of()).statusCode());
    }

    private static String binding(String name, String clusterRole, String user) {
        return "{\"metadata\":{\"name\":\"" + name + "\"},\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":"
                + "\"ClusterRole\",\"name\":\"" + clusterRole + "\"},\"subjects\":[" + user(user) + "]}";
    }

    @Test
    void aggregationAddsANewAggregateToViewRoleToViewEditAndAdmin() throws Exception {
        create("/apis/rbac.authorization.k8s.io/v1/clusterroles", "{\"metadata\":{\"name\":\"widgets-view\",\"labels\":"
                + "{\"rbac.authorization.k8s.io/aggregate-to-view\":\"true\"}},\"rules\":[{\"apiGroups\":[\"example.com\"],"
                + "\"resources\":[\"widgets\"],\"verbs\":[\"get\",\"list\",\"watch\"]}]}");
        for (String role : List.of("view", "edit", "admin")) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            boolean found = false;
            while (!found && System.nanoTime() < deadline) {
                JsonNode rules = JSON.readTree(send("admin", "GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/" + role,
                        null, Map.of()).body()).path("rules");
                for (JsonNode rule : rules) {
                    found |= rule.path("resources").toString().equals("[\"widgets\"]")
                            && rule.path("apiGroups").toString().equals("[\"example.com\"]");
                }
                if (!found) {
                    Thread.sleep(100);
                }
            }
            assertTrue(found, role + " never gained the widgets rule");
        }
        // and alice, bound to view, may now read widgets in team-a (the authorizer follows the role)
        JsonNode review = review("alice", "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\","
                + "\"spec\":{\"resourceAttributes\":{\"namespace\":\"team-a\",\"verb\":\"list\",\"group\":\"example.com\","
                + "\"resource\":\"widgets\"}}}", "selfsubjectaccessreviews");
        assertTrue(review.path("status").path("allowed").asBoolean(), review.toString());
    }

    private JsonNode review(String subject, String body, String plural) throws Exception {
        HttpResponse<String> response = send(subject, "POST", "/apis/authorization.k8s.io/v1/" + plural, body, Map.of());
        assertEquals(201, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    private boolean allowedFor(String user, String namespace, String verb, String resource, String group, String name)
            throws Exception {
        String sar = "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\",\"spec\":{\"user\":\""
                + user + "\",\"resourceAttributes\":{\"namespace\":\"" + namespace + "\",\"verb\":\"" + verb
                + "\",\"group\":\"" + group + "\",\"resource\":\"" + resource + "\",\"name\":\"" + name + "\"}}}";
        JsonNode status = review("admin", sar, "subjectaccessreviews").path("status");
        return status.path("allowed").asBoolean();
    }

    @Test
    void theNamespacedBootstrapRolesAuthorize() throws Exception {
        JsonNode reader = JSON.readTree(send("admin", "GET", "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/"
                + "rolebindings/system::extension-apiserver-authentication-reader", null, Map.of()).body());
        assertEquals("extension-apiserver-authentication-reader", reader.path("roleRef").path("name").asText(), reader::toString);
        // only the Role lets the scheduler read the one ConfigMap; its ClusterRole has no configmaps
        assertTrue(allowedFor("system:kube-scheduler", "kube-system", "get", "configmaps", "",
                "extension-apiserver-authentication"));
        assertFalse(allowedFor("system:kube-scheduler", "kube-system", "get", "configmaps", "", "other"));
        assertFalse(allowedFor("system:kube-scheduler", "default", "get", "configmaps", "",
                "extension-apiserver-authentication"));
        String cleaner = "system:serviceaccount:kube-system:token-cleaner";
        assertTrue(allowedFor(cleaner, "kube-system", "delete", "secrets", "", "bootstrap-token-abcdef"));
        assertFalse(allowedFor(cleaner, "default", "delete", "secrets", "", "bootstrap-token-abcdef"));
        String signer = "system:serviceaccount:kube-system:bootstrap-signer";
        assertTrue(allowedFor(signer, "kube-public", "update", "configmaps", "", "cluster-info"));
        assertFalse(allowedFor(signer, "kube-public", "update", "configmaps", "", "other"));
        assertTrue(allowedFor("system:serviceaccount:kube-system:leader-election-controller", "kube-system", "update",
                "leases", "coordination.k8s.io", "kube-controller-manager"));
    }

    @Test
    void accessReviews() throws Exception {
        awaitAllowed("alice", "/api/v1/namespaces/team-a/pods");
        JsonNode self = review("alice", "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\","
                + "\"spec\":{\"resourceAttributes\":{\"namespace\":\"team-a\",\"verb\":\"list\",\"resource\":\"pods\"}}}",
                "selfsubjectaccessreviews");
        assertEquals("SelfSubjectAccessReview", self.path("kind").asText());
        assertTrue(self.path("status").path("allowed").asBoolean());
        assertEquals("RBAC: allowed by RoleBinding \"alice-view/team-a\" of ClusterRole \"view\" to User \"alice\"",
                self.path("status").path("reason").asText());
        JsonNode denied = review("alice", "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\","
                + "\"spec\":{\"resourceAttributes\":{\"namespace\":\"team-a\",\"verb\":\"get\",\"resource\":\"secrets\"}}}",
                "selfsubjectaccessreviews");
        assertFalse(denied.path("status").path("allowed").asBoolean());
        // SubjectAccessReview: the admin asks about bob; alice may not ask at all
        String sar = "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\",\"spec\":{\"user\":\"bob\","
                + "\"resourceAttributes\":{\"namespace\":\"team-a\",\"verb\":\"create\",\"resource\":\"pods\"}}}";
        assertTrue(review("admin", sar, "subjectaccessreviews").path("status").path("allowed").asBoolean());
        assertEquals(403, send("alice", "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", sar, Map.of()).statusCode());
        HttpResponse<String> invalid = send("admin", "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\",\"spec\":{\"user\":\"bob\"}}", Map.of());
        assertEquals(422, invalid.statusCode(), invalid.body());
        // LocalSubjectAccessReview in team-a: carol's admin role allows it
        awaitAllowed("carol", "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/roles");
        HttpResponse<String> local = send("carol", "POST",
                "/apis/authorization.k8s.io/v1/namespaces/team-a/localsubjectaccessreviews",
                "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"LocalSubjectAccessReview\",\"spec\":{\"user\":\"alice\","
                        + "\"resourceAttributes\":{\"namespace\":\"team-a\",\"verb\":\"get\",\"resource\":\"pods\"}}}", Map.of());
        assertEquals(201, local.statusCode(), local.body());
        assertTrue(JSON.readTree(local.body()).path("status").path("allowed").asBoolean());
        // SelfSubjectRulesReview lists alice's rules in team-a
        JsonNode rules = review("alice", "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectRulesReview\","
                + "\"spec\":{\"namespace\":\"team-a\"}}", "selfsubjectrulesreviews");
        assertTrue(rules.path("status").path("resourceRules").toString().contains("\"pods\""), rules.toString());
        assertTrue(rules.path("status").path("nonResourceRules").toString().contains("/healthz"), rules.toString());
        assertFalse(rules.path("status").path("incomplete").asBoolean());
        // SelfSubjectReview: who am I
        HttpResponse<String> whoami = send("erin", "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}", Map.of());
        assertEquals(201, whoami.statusCode(), whoami.body());
        JsonNode info = JSON.readTree(whoami.body()).path("status").path("userInfo");
        assertEquals("erin", info.path("username").asText());
        assertEquals("[\"qa\",\"system:authenticated\"]", info.path("groups").toString());
    }

    @Test
    void impersonationNeedsTheImpersonateVerb() throws Exception {
        HttpResponse<String> asBob = send("admin", "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}",
                Map.of("Impersonate-User", "bob", "Impersonate-Group", "devs"));
        assertEquals(201, asBob.statusCode(), asBob.body());
        JsonNode info = JSON.readTree(asBob.body()).path("status").path("userInfo");
        assertEquals("bob", info.path("username").asText());
        assertEquals("[\"devs\",\"system:authenticated\"]", info.path("groups").toString());
        HttpResponse<String> refused = send("alice", "GET", "/api/v1/namespaces/team-a/pods", null,
                Map.of("Impersonate-User", "bob"));
        assertEquals(403, refused.statusCode());
        assertEquals("users \"bob\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in API group \"\" at the"
                + " cluster scope", JSON.readTree(refused.body()).path("message").asText());
        // the impersonated user is the one authorized: admin as alice cannot read secrets
        awaitAllowed("alice", "/api/v1/namespaces/team-a/pods");
        assertEquals(403, send("admin", "GET", "/api/v1/namespaces/team-a/secrets", null,
                Map.of("Impersonate-User", "alice")).statusCode());
        assertEquals(200, send("admin", "GET", "/api/v1/namespaces/team-a/pods", null,
                Map.of("Impersonate-User", "alice")).statusCode());
    }

    @Test
    void kubectlAuthCanIAndWhoami() throws Exception {
        awaitAllowed("alice", "/api/v1/namespaces/team-a/pods");
        String address = server.uri("").toString();
        Path aliceConfig = certificates.get("alice").kubeconfig(dir.resolve("alice.kubeconfig"), address, pki);
        Kubectl alice = Kubectl.require("kubectl", aliceConfig, dir);
        assertEquals("yes", alice.run("auth", "can-i", "list", "pods", "-n", "team-a").stdout().trim());
        Kubectl.Result no = alice.run("auth", "can-i", "create", "pods", "-n", "team-a");
        assertEquals(1, no.exitCode());
        assertEquals("no", no.stdout().trim());
        assertEquals("no", alice.run("auth", "can-i", "get", "secrets", "-n", "team-a").stdout().trim());
        String list = alice.run("auth", "can-i", "--list", "-n", "team-a").ok().stdout();
        assertTrue(list.lines().anyMatch(line -> line.startsWith("pods ") && line.contains("[get list watch]")), list);
        assertTrue(list.lines().anyMatch(line -> line.contains("/healthz") && line.contains("[get]")), list);
        Kubectl admin = Kubectl.require("kubectl", server.server().kubeconfig(), dir);
        assertEquals("yes", admin.run("auth", "can-i", "list", "pods", "-n", "team-a", "--as", "alice").stdout().trim());
        assertEquals("no", admin.run("auth", "can-i", "list", "secrets", "-n", "team-a", "--as", "alice").stdout().trim());
        assertEquals("yes", admin.run("auth", "can-i", "create", "configmaps", "-n", "team-b", "--as", "someone",
                "--as-group", "qa").stdout().trim());
        String whoami = alice.run("auth", "whoami").ok().stdout();
        assertTrue(whoami.contains("alice"), whoami);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.27", "1.28", "1.30", "1.33"})
    void kubectlVersions(String version) throws Exception {
        Kubectl admin = Kubectl.require(version, server.server().kubeconfig(), dir);
        assertEquals("yes", admin.run("auth", "can-i", "list", "pods", "-n", "team-a", "--as", "bob").stdout().trim()
                .equals("yes") ? "yes" : awaitCanI(admin, "bob"));
        Kubectl.Result whoami = admin.run("auth", "whoami", "--as", "bob");
        if (version.equals("1.27")) {
            // 1.27 asks for authentication.k8s.io v1beta1/v1alpha1 only; upstream 1.33 serves v1
            assertNotEquals(0, whoami.exitCode());
            assertTrue(whoami.stderr().contains("the selfsubjectreviews API is not enabled in the cluster"), whoami.stderr());
        } else {
            assertEquals(0, whoami.exitCode(), whoami.stderr());
            assertTrue(whoami.stdout().contains("bob"), whoami.stdout());
        }
    }

    private static String awaitCanI(Kubectl kubectl, String as) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String answer;
        do {
            Thread.sleep(200);
            answer = kubectl.run("auth", "can-i", "list", "pods", "-n", "team-a", "--as", as).stdout().trim();
        } while (!answer.equals("yes") && System.nanoTime() < deadline);
        return answer;
    }
}
