package dev.kj.apiserver.authz.rbac;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The default roles and bindings every cluster has (upstream's bootstrappolicy: policy.go,
 * controller_policy.go and namespace_policy.go), reconciled into storage at startup by {@link PolicyReconciler}. Every
 * object carries the {@code kubernetes.io/bootstrapping=rbac-defaults} label and (roles and
 * bindings alike) the {@code rbac.authorization.kubernetes.io/autoupdate=true} annotation.
 */
public final class BootstrapPolicy {
    private BootstrapPolicy() {
    }

    public static final String AUTOUPDATE = "rbac.authorization.kubernetes.io/autoupdate";
    public static final String BOOTSTRAPPING = "kubernetes.io/bootstrapping";
    private static final String AGGREGATE_TO = "rbac.authorization.k8s.io/aggregate-to-";
    private static final String CONTROLLER = "system:controller:";

    private static final String CORE = "";
    private static final String APPS = "apps";
    private static final String EXTENSIONS = "extensions";
    private static final String BATCH = "batch";
    private static final String POLICY = "policy";
    private static final String AUTOSCALING = "autoscaling";
    private static final String NETWORKING = "networking.k8s.io";
    private static final String STORAGE = "storage.k8s.io";
    private static final String CERTIFICATES = "certificates.k8s.io";
    private static final String COORDINATION = "coordination.k8s.io";
    private static final String RBAC = "rbac.authorization.k8s.io";
    private static final String AUTHENTICATION = "authentication.k8s.io";
    private static final String AUTHORIZATION = "authorization.k8s.io";
    private static final String EVENTS = "events.k8s.io";
    private static final String DISCOVERY = "discovery.k8s.io";
    private static final String NODE = "node.k8s.io";

    private static final String[] READ = {"get", "list", "watch"};
    private static final String[] READ_WRITE = {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"};
    private static final String[] WRITE = {"create", "update", "patch", "delete", "deletecollection"};

    /** A PolicyRule under construction (verbs first, as upstream's NewRule). */
    static final class Rule {
        private final List<String> verbs;
        private List<String> groups = List.of();
        private List<String> resources = List.of();
        private List<String> names = List.of();
        private List<String> urls = List.of();

        private Rule(String... verbs) {
            this.verbs = List.of(verbs);
        }

        Rule groups(String... values) {
            groups = List.of(values);
            return this;
        }

        Rule resources(String... values) {
            resources = List.of(values);
            return this;
        }

        Rule names(String... values) {
            names = List.of(values);
            return this;
        }

        Rule urls(String... values) {
            urls = List.of(values);
            return this;
        }

        /** Upstream's RuleOrDie sorts and deduplicates each list. */
        PolicyRule build() {
            return new PolicyRule(sorted(verbs), sorted(groups), sorted(resources), sorted(names), sorted(urls));
        }

        private static List<String> sorted(List<String> values) {
            return values.stream().distinct().sorted().toList();
        }
    }

    static Rule rule(String... verbs) {
        return new Rule(verbs);
    }

    private static Rule eventsRule() {
        return rule("create", "update", "patch").groups(CORE, EVENTS).resources("events");
    }

    /** A ClusterRole: name, labels beyond the bootstrapping one, aggregation selector label (or null), rules. */
    public record Role(String name, List<String> aggregateToLabels, String aggregationSelector, List<PolicyRule> rules) {
        public ObjectNode toJson() {
            ObjectNode role = JsonNodeFactory.instance.objectNode();
            role.put("apiVersion", "rbac.authorization.k8s.io/v1");
            role.put("kind", "ClusterRole");
            ObjectNode metadata = role.putObject("metadata");
            metadata.put("name", name);
            ObjectNode labels = metadata.putObject("labels");
            labels.put(BOOTSTRAPPING, "rbac-defaults");
            aggregateToLabels.forEach(target -> labels.put(AGGREGATE_TO + target, "true"));
            metadata.putObject("annotations").put(AUTOUPDATE, "true");
            if (aggregationSelector != null) {
                role.putObject("aggregationRule").putArray("clusterRoleSelectors").addObject()
                        .putObject("matchLabels").put(AGGREGATE_TO + aggregationSelector, "true");
            }
            ArrayNode array = role.putArray("rules");
            rules.forEach(r -> array.add(r.toJson()));
            return role;
        }
    }

    /** A ClusterRoleBinding to the ClusterRole of the same name. */
    public record Binding(String name, List<Subject> subjects) {
        public ObjectNode toJson() {
            ObjectNode binding = JsonNodeFactory.instance.objectNode();
            binding.put("apiVersion", "rbac.authorization.k8s.io/v1");
            binding.put("kind", "ClusterRoleBinding");
            ObjectNode metadata = binding.putObject("metadata");
            metadata.put("name", name);
            metadata.putObject("labels").put(BOOTSTRAPPING, "rbac-defaults");
            metadata.putObject("annotations").put(AUTOUPDATE, "true");
            ObjectNode ref = binding.putObject("roleRef");
            ref.put("apiGroup", RBAC);
            ref.put("kind", "ClusterRole");
            ref.put("name", name);
            ArrayNode array = binding.putArray("subjects");
            subjects.forEach(s -> array.add(s.toJson()));
            return binding;
        }
    }

    /** A Role in one of the kube-* namespaces (namespace_policy.go), with a ClusterRole's metadata. */
    public record NamespacedRole(String namespace, Role role) {
        public ObjectNode toJson() {
            ObjectNode json = role.toJson();
            json.put("kind", "Role");
            ((ObjectNode) json.get("metadata")).put("namespace", namespace);
            return json;
        }
    }

    /** A RoleBinding in one of the kube-* namespaces to the Role {@code roleName} there. */
    public record RoleBinding(String namespace, String name, String roleName, List<Subject> subjects) {
        public ObjectNode toJson() {
            ObjectNode binding = new Binding(name, subjects).toJson();
            binding.put("kind", "RoleBinding");
            ((ObjectNode) binding.get("metadata")).put("namespace", namespace);
            ObjectNode ref = (ObjectNode) binding.get("roleRef");
            ref.put("kind", "Role");
            ref.put("name", roleName);
            return binding;
        }
    }

    public record Subject(String kind, String namespace, String name) {
        public ObjectNode toJson() {
            ObjectNode subject = JsonNodeFactory.instance.objectNode();
            subject.put("kind", kind);
            if (!kind.equals("ServiceAccount")) {
                subject.put("apiGroup", RBAC);
            }
            subject.put("name", name);
            if (namespace != null) {
                subject.put("namespace", namespace);
            }
            return subject;
        }

        static Subject group(String name) {
            return new Subject("Group", null, name);
        }

        static Subject user(String name) {
            return new Subject("User", null, name);
        }

        static Subject serviceAccount(String namespace, String name) {
            return new Subject("ServiceAccount", namespace, name);
        }
    }

    private static Role role(String name, Rule... rules) {
        return new Role(name, List.of(), null, Arrays.stream(rules).map(Rule::build).toList());
    }

    private static Role aggregatingInto(String name, String target, Rule... rules) {
        return new Role(name, List.of(target), null, Arrays.stream(rules).map(Rule::build).toList());
    }

    /** The cluster roles of policy.go (feature-gated ones excluded). */
    public static List<Role> clusterRoles() {
        List<Role> roles = new ArrayList<>();
        roles.add(role("cluster-admin", rule("*").groups("*").resources("*"), rule("*").urls("*")));
        roles.add(role("system:discovery", rule("get").urls("/healthz", "/livez", "/readyz", "/version", "/version/",
                "/api", "/api/*", "/apis", "/apis/*", "/openapi", "/openapi/*")));
        roles.add(role("system:monitoring", rule("get").urls("/healthz", "/healthz/*", "/livez", "/livez/*", "/readyz",
                "/readyz/*", "/metrics", "/metrics/slis")));
        roles.add(role("system:basic-user",
                rule("create").groups(AUTHORIZATION).resources("selfsubjectaccessreviews", "selfsubjectrulesreviews"),
                rule("create").groups(AUTHENTICATION).resources("selfsubjectreviews")));
        roles.add(role("system:public-info-viewer", rule("get").urls("/healthz", "/livez", "/readyz", "/version", "/version/")));
        roles.add(new Role("admin", List.of(), "admin", List.of()));
        roles.add(new Role("edit", List.of("admin"), "edit", List.of()));
        roles.add(new Role("view", List.of("edit"), "view", List.of()));
        roles.add(aggregatingInto("system:aggregate-to-admin", "admin",
                rule("create").groups(AUTHORIZATION).resources("localsubjectaccessreviews"),
                rule(READ_WRITE).groups(RBAC).resources("roles", "rolebindings")));
        roles.add(aggregatingInto("system:aggregate-to-edit", "edit",
                rule(READ).groups(CORE).resources("pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets",
                        "services/proxy"),
                rule("impersonate").groups(CORE).resources("serviceaccounts"),
                rule(WRITE).groups(CORE).resources("pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"),
                rule("create").groups(CORE).resources("pods/eviction"),
                rule(WRITE).groups(CORE).resources("replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
                        "services", "services/proxy", "persistentvolumeclaims", "configmaps", "secrets", "events"),
                rule("create").groups(CORE).resources("serviceaccounts/token"),
                rule(WRITE).groups(APPS).resources("statefulsets", "statefulsets/scale", "daemonsets", "deployments",
                        "deployments/scale", "deployments/rollback", "replicasets", "replicasets/scale"),
                rule(WRITE).groups(AUTOSCALING).resources("horizontalpodautoscalers"),
                rule(WRITE).groups(BATCH).resources("jobs", "cronjobs"),
                rule(WRITE).groups(EXTENSIONS).resources("daemonsets", "deployments", "deployments/scale",
                        "deployments/rollback", "ingresses", "replicasets", "replicasets/scale",
                        "replicationcontrollers/scale", "networkpolicies"),
                rule(WRITE).groups(POLICY).resources("poddisruptionbudgets"),
                rule(WRITE).groups(NETWORKING).resources("ingresses", "networkpolicies"),
                rule(READ_WRITE).groups(COORDINATION).resources("leases")));
        roles.add(aggregatingInto("system:aggregate-to-view", "view",
                rule(READ).groups(CORE).resources("pods", "replicationcontrollers", "replicationcontrollers/scale",
                        "serviceaccounts", "services", "services/status", "endpoints", "persistentvolumeclaims",
                        "persistentvolumeclaims/status", "configmaps"),
                rule(READ).groups(CORE).resources("limitranges", "resourcequotas", "bindings", "events", "pods/status",
                        "resourcequotas/status", "namespaces/status", "replicationcontrollers/status", "pods/log"),
                rule(READ).groups(CORE).resources("namespaces"),
                rule(READ).groups(DISCOVERY).resources("endpointslices"),
                rule(READ).groups(APPS).resources("controllerrevisions", "statefulsets", "statefulsets/status",
                        "statefulsets/scale", "daemonsets", "daemonsets/status", "deployments", "deployments/status",
                        "deployments/scale", "replicasets", "replicasets/status", "replicasets/scale"),
                rule(READ).groups(AUTOSCALING).resources("horizontalpodautoscalers", "horizontalpodautoscalers/status"),
                rule(READ).groups(BATCH).resources("jobs", "cronjobs", "cronjobs/status", "jobs/status"),
                rule(READ).groups(EXTENSIONS).resources("daemonsets", "daemonsets/status", "deployments", "deployments/scale",
                        "deployments/status", "ingresses", "ingresses/status", "replicasets", "replicasets/scale",
                        "replicasets/status", "replicationcontrollers/scale", "networkpolicies"),
                rule(READ).groups(POLICY).resources("poddisruptionbudgets", "poddisruptionbudgets/status"),
                rule(READ).groups(NETWORKING).resources("ingresses", "ingresses/status", "networkpolicies")));
        roles.add(role("system:heapster", rule(READ).groups(CORE).resources("events", "pods", "nodes", "namespaces"),
                rule(READ).groups(EXTENSIONS).resources("deployments")));
        roles.add(role("system:node",
                rule("create").groups(AUTHENTICATION).resources("tokenreviews"),
                rule("create").groups(AUTHORIZATION).resources("subjectaccessreviews", "localsubjectaccessreviews"),
                rule(READ).groups(CORE).resources("services"),
                rule("create", "get", "list", "watch").groups(CORE).resources("nodes"),
                rule("update", "patch").groups(CORE).resources("nodes/status"),
                rule("update", "patch").groups(CORE).resources("nodes"),
                rule("create", "update", "patch").groups(CORE).resources("events"),
                rule(READ).groups(CORE).resources("pods"),
                rule("create", "delete").groups(CORE).resources("pods"),
                rule("update", "patch").groups(CORE).resources("pods/status"),
                rule("create").groups(CORE).resources("pods/eviction"),
                rule(READ).groups(CORE).resources("secrets", "configmaps"),
                rule("get").groups(CORE).resources("persistentvolumeclaims", "persistentvolumes"),
                rule("get").groups(CORE).resources("endpoints"),
                rule("create", "get", "list", "watch").groups(CERTIFICATES).resources("certificatesigningrequests"),
                rule("get", "create", "update", "patch", "delete").groups(COORDINATION).resources("leases"),
                rule("get").groups(STORAGE).resources("volumeattachments"),
                rule("create").groups(CORE).resources("serviceaccounts/token"),
                rule("get", "update", "patch").groups(CORE).resources("persistentvolumeclaims/status"),
                rule(READ).groups(STORAGE).resources("csidrivers"),
                rule("get", "create", "update", "patch", "delete").groups(STORAGE).resources("csinodes"),
                rule(READ).groups(NODE).resources("runtimeclasses")));
        roles.add(role("system:node-problem-detector", rule("get").groups(CORE).resources("nodes"),
                rule("patch").groups(CORE).resources("nodes/status"), eventsRule()));
        roles.add(role("system:kubelet-api-admin", rule(READ).groups(CORE).resources("nodes"),
                rule("proxy").groups(CORE).resources("nodes"),
                rule("*").groups(CORE).resources("nodes/proxy", "nodes/metrics", "nodes/stats", "nodes/log")));
        roles.add(role("system:node-bootstrapper",
                rule("create", "get", "list", "watch").groups(CERTIFICATES).resources("certificatesigningrequests")));
        roles.add(role("system:auth-delegator", rule("create").groups(AUTHENTICATION).resources("tokenreviews"),
                rule("create").groups(AUTHORIZATION).resources("subjectaccessreviews")));
        roles.add(role("system:kube-aggregator", rule(READ).groups(CORE).resources("services", "endpoints")));
        roles.add(role("system:kube-controller-manager",
                eventsRule(),
                rule("create").groups(COORDINATION).resources("leases"),
                rule("get", "update").groups(COORDINATION).resources("leases").names("kube-controller-manager"),
                rule("create").groups(CORE).resources("secrets", "serviceaccounts"),
                rule("delete").groups(CORE).resources("secrets"),
                rule("get").groups(CORE).resources("namespaces", "secrets", "serviceaccounts", "configmaps"),
                rule("update").groups(CORE).resources("secrets", "serviceaccounts"),
                rule("create").groups(AUTHENTICATION).resources("tokenreviews"),
                rule("create").groups(AUTHORIZATION).resources("subjectaccessreviews"),
                rule("list", "watch").groups("*").resources("*"),
                rule("create").groups(CORE).resources("serviceaccounts/token")));
        roles.add(role("system:kube-dns", rule("list", "watch").groups(CORE).resources("endpoints", "services")));
        roles.add(role("system:persistent-volume-provisioner",
                rule("get", "list", "watch", "create", "delete").groups(CORE).resources("persistentvolumes"),
                rule("get", "list", "watch", "update").groups(CORE).resources("persistentvolumeclaims"),
                rule(READ).groups(STORAGE).resources("storageclasses"),
                rule("watch").groups(CORE).resources("events"),
                eventsRule()));
        roles.add(role("system:certificates.k8s.io:certificatesigningrequests:nodeclient",
                rule("create").groups(CERTIFICATES).resources("certificatesigningrequests/nodeclient")));
        roles.add(role("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
                rule("create").groups(CERTIFICATES).resources("certificatesigningrequests/selfnodeclient")));
        roles.add(role("system:volume-scheduler",
                rule("get", "list", "watch", "update", "patch").groups(CORE).resources("persistentvolumes"),
                rule(READ).groups(STORAGE).resources("storageclasses"),
                rule("get", "list", "watch", "update", "patch").groups(CORE).resources("persistentvolumeclaims")));
        roles.add(role("system:certificates.k8s.io:legacy-unknown-approver",
                rule("approve").groups(CERTIFICATES).resources("signers").names("kubernetes.io/legacy-unknown")));
        roles.add(role("system:certificates.k8s.io:kubelet-serving-approver",
                rule("approve").groups(CERTIFICATES).resources("signers").names("kubernetes.io/kubelet-serving")));
        roles.add(role("system:certificates.k8s.io:kube-apiserver-client-approver",
                rule("approve").groups(CERTIFICATES).resources("signers").names("kubernetes.io/kube-apiserver-client")));
        roles.add(role("system:certificates.k8s.io:kube-apiserver-client-kubelet-approver",
                rule("approve").groups(CERTIFICATES).resources("signers").names("kubernetes.io/kube-apiserver-client-kubelet")));
        roles.add(role("system:service-account-issuer-discovery",
                rule("get").urls("/.well-known/openid-configuration", "/openid/v1/jwks")));
        roles.add(role("system:node-proxier",
                rule("list", "watch").groups(CORE).resources("services", "endpoints"),
                rule(READ).groups(CORE).resources("nodes"),
                eventsRule(),
                rule("list", "watch").groups(DISCOVERY).resources("endpointslices")));
        roles.add(role("system:kube-scheduler",
                eventsRule(),
                rule("create").groups(COORDINATION).resources("leases"),
                rule("get", "update").groups(COORDINATION).resources("leases").names("kube-scheduler"),
                rule(READ).groups(CORE).resources("nodes"),
                rule("get", "list", "watch", "delete").groups(CORE).resources("pods"),
                rule("create").groups(CORE).resources("pods/binding", "bindings"),
                rule("patch", "update").groups(CORE).resources("pods/status"),
                rule(READ).groups(CORE).resources("replicationcontrollers", "services"),
                rule(READ).groups(APPS, EXTENSIONS).resources("replicasets"),
                rule(READ).groups(APPS).resources("statefulsets"),
                rule(READ).groups(POLICY).resources("poddisruptionbudgets"),
                rule(READ).groups(CORE).resources("persistentvolumeclaims", "persistentvolumes"),
                rule("create").groups(AUTHENTICATION).resources("tokenreviews"),
                rule("create").groups(AUTHORIZATION).resources("subjectaccessreviews"),
                rule(READ).groups(STORAGE).resources("csinodes"),
                rule(READ).groups(CORE).resources("namespaces"),
                rule(READ).groups(STORAGE).resources("csidrivers"),
                rule(READ).groups(STORAGE).resources("csistoragecapacities")));
        return roles;
    }

    /** The cluster role bindings of policy.go. */
    public static List<Binding> clusterRoleBindings() {
        return List.of(
                new Binding("cluster-admin", List.of(Subject.group("system:masters"))),
                new Binding("system:monitoring", List.of(Subject.group("system:monitoring"))),
                // discovery and basic-user are for authenticated users only since 1.14
                new Binding("system:discovery", List.of(Subject.group("system:authenticated"))),
                new Binding("system:basic-user", List.of(Subject.group("system:authenticated"))),
                new Binding("system:public-info-viewer", List.of(Subject.group("system:authenticated"),
                        Subject.group("system:unauthenticated"))),
                new Binding("system:node-proxier", List.of(Subject.user("system:kube-proxy"))),
                new Binding("system:kube-controller-manager", List.of(Subject.user("system:kube-controller-manager"))),
                new Binding("system:kube-dns", List.of(Subject.serviceAccount("kube-system", "kube-dns"))),
                new Binding("system:kube-scheduler", List.of(Subject.user("system:kube-scheduler"))),
                new Binding("system:volume-scheduler", List.of(Subject.user("system:kube-scheduler"))),
                // nodes are authorized by the Node authorizer; the binding is kept without subjects, as upstream
                new Binding("system:node", List.of()),
                new Binding("system:service-account-issuer-discovery", List.of(Subject.group("system:serviceaccounts"))));
    }

    /**
     * The system:controller:* roles of the controllers kj runs or will run (controller_policy.go),
     * each bound to its service account in kube-system.
     */
    public static List<Role> controllerRoles() {
        return List.of(
                role(CONTROLLER + "clusterrole-aggregation-controller",
                        rule("escalate", "get", "list", "watch", "update", "patch").groups(RBAC).resources("clusterroles")),
                role(CONTROLLER + "cronjob-controller",
                        rule("get", "list", "watch", "update").groups(BATCH).resources("cronjobs"),
                        rule("get", "list", "watch", "create", "update", "delete", "patch").groups(BATCH).resources("jobs"),
                        rule("update").groups(BATCH).resources("cronjobs/status"),
                        rule("update").groups(BATCH).resources("cronjobs/finalizers"),
                        rule("list", "watch", "delete").groups(CORE).resources("pods"),
                        eventsRule()),
                role(CONTROLLER + "daemon-set-controller",
                        rule(READ).groups(EXTENSIONS, APPS).resources("daemonsets"),
                        rule("update").groups(EXTENSIONS, APPS).resources("daemonsets/status"),
                        rule("update").groups(EXTENSIONS, APPS).resources("daemonsets/finalizers"),
                        rule("list", "watch").groups(CORE).resources("nodes"),
                        rule("list", "watch", "create", "delete", "patch").groups(CORE).resources("pods"),
                        rule("create").groups(CORE).resources("pods/binding"),
                        rule("get", "list", "watch", "create", "delete", "update", "patch").groups(APPS).resources("controllerrevisions"),
                        eventsRule()),
                role(CONTROLLER + "deployment-controller",
                        rule("get", "list", "watch", "update").groups(EXTENSIONS, APPS).resources("deployments"),
                        rule("update").groups(EXTENSIONS, APPS).resources("deployments/status"),
                        rule("update").groups(EXTENSIONS, APPS).resources("deployments/finalizers"),
                        rule("get", "list", "watch", "create", "update", "patch", "delete").groups(APPS, EXTENSIONS).resources("replicasets"),
                        rule("get", "list", "watch", "update").groups(CORE).resources("pods"),
                        eventsRule()),
                role(CONTROLLER + "disruption-controller",
                        rule(READ).groups(EXTENSIONS, APPS).resources("deployments"),
                        rule(READ).groups(APPS, EXTENSIONS).resources("replicasets"),
                        rule(READ).groups(CORE).resources("replicationcontrollers"),
                        rule(READ).groups(POLICY).resources("poddisruptionbudgets"),
                        rule(READ).groups(APPS).resources("statefulsets"),
                        rule("update").groups(POLICY).resources("poddisruptionbudgets/status"),
                        rule("patch", "update").groups(CORE).resources("pods/status"),
                        rule("get").groups("*").resources("*/scale"),
                        eventsRule()),
                role(CONTROLLER + "endpoint-controller",
                        rule(READ).groups(CORE).resources("services", "pods"),
                        rule("get", "list", "watch", "create", "update", "delete").groups(CORE).resources("endpoints"),
                        rule("create").groups(CORE).resources("endpoints/restricted"),
                        eventsRule()),
                role(CONTROLLER + "endpointslice-controller",
                        rule(READ).groups(CORE).resources("services", "pods", "nodes"),
                        rule("update").groups(CORE).resources("services/finalizers"),
                        rule("get", "list", "watch", "create", "update", "delete").groups(DISCOVERY).resources("endpointslices"),
                        eventsRule()),
                role(CONTROLLER + "generic-garbage-collector",
                        rule("get", "list", "watch", "patch", "update", "delete").groups("*").resources("*"),
                        eventsRule()),
                role(CONTROLLER + "job-controller",
                        rule("get", "list", "watch", "update", "patch").groups(BATCH).resources("jobs"),
                        rule("update").groups(BATCH).resources("jobs/status"),
                        rule("update").groups(BATCH).resources("jobs/finalizers"),
                        rule("list", "watch", "create", "delete", "patch").groups(CORE).resources("pods"),
                        eventsRule()),
                role(CONTROLLER + "namespace-controller",
                        rule("get", "list", "watch", "delete").groups(CORE).resources("namespaces"),
                        rule("update").groups(CORE).resources("namespaces/finalize", "namespaces/status"),
                        rule("get", "list", "watch", "delete", "deletecollection").groups("*").resources("*")),
                role(CONTROLLER + "pod-garbage-collector",
                        rule("list", "watch", "delete").groups(CORE).resources("pods"),
                        rule("get", "list").groups(CORE).resources("nodes"),
                        rule("patch").groups(CORE).resources("pods/status")),
                role(CONTROLLER + "node-controller",
                        rule("get", "list", "watch", "update", "delete", "patch").groups(CORE).resources("nodes"),
                        rule("patch", "update").groups(CORE).resources("nodes/status"),
                        rule("patch", "update").groups(CORE).resources("pods/status"),
                        rule("list", "watch", "get", "delete").groups(CORE).resources("pods"),
                        eventsRule()),
                role(CONTROLLER + "replicaset-controller",
                        rule("get", "list", "watch", "update").groups(APPS, EXTENSIONS).resources("replicasets"),
                        rule("update").groups(APPS, EXTENSIONS).resources("replicasets/status"),
                        rule("update").groups(APPS, EXTENSIONS).resources("replicasets/finalizers"),
                        rule("list", "watch", "patch", "create", "delete").groups(CORE).resources("pods"),
                        eventsRule()),
                role(CONTROLLER + "replication-controller",
                        rule("get", "list", "watch", "update").groups(CORE).resources("replicationcontrollers"),
                        rule("update").groups(CORE).resources("replicationcontrollers/status"),
                        rule("update").groups(CORE).resources("replicationcontrollers/finalizers"),
                        rule("list", "watch", "patch", "create", "delete").groups(CORE).resources("pods"),
                        eventsRule()),
                role(CONTROLLER + "root-ca-cert-publisher",
                        rule("create", "update").groups(CORE).resources("configmaps"),
                        eventsRule()),
                role(CONTROLLER + "service-account-controller",
                        rule("create").groups(CORE).resources("serviceaccounts"),
                        eventsRule()),
                role(CONTROLLER + "statefulset-controller",
                        rule("list", "watch").groups(CORE).resources("pods"),
                        rule(READ).groups(APPS).resources("statefulsets"),
                        rule("update").groups(APPS).resources("statefulsets/status"),
                        rule("update").groups(APPS).resources("statefulsets/finalizers"),
                        rule("get", "create", "delete", "update", "patch").groups(CORE).resources("pods"),
                        rule("get", "create", "delete", "update", "patch", "list", "watch").groups(APPS).resources("controllerrevisions"),
                        rule("get", "create", "list", "watch").groups(CORE).resources("persistentvolumeclaims"),
                        rule("update", "delete").groups(CORE).resources("persistentvolumeclaims"),
                        rule("update").groups(CORE).resources("pods/finalizers"),
                        eventsRule()),
                role(CONTROLLER + "ttl-after-finished-controller",
                        rule("get", "list", "watch", "delete").groups(BATCH).resources("jobs"),
                        eventsRule()));
    }

    /** Each controller role bound to the service account kube-system/&lt;controller&gt;. */
    public static List<Binding> controllerRoleBindings() {
        return controllerRoles().stream().map(role -> new Binding(role.name(), List.of(Subject.serviceAccount("kube-system",
                role.name().substring(CONTROLLER.length()))))).toList();
    }

    /** The Roles of namespace_policy.go, in the order of upstream's testdata/namespace-roles.yaml. */
    public static List<NamespacedRole> namespaceRoles() {
        String system = "kube-system";
        String leaseVerbs = "create get list update watch";
        return List.of(
                new NamespacedRole("kube-public", role(CONTROLLER + "bootstrap-signer",
                        rule(READ).groups(CORE).resources("configmaps"),
                        rule("update").groups(CORE).resources("configmaps").names("cluster-info"),
                        eventsRule())),
                new NamespacedRole(system, role("extension-apiserver-authentication-reader",
                        rule(READ).groups(CORE).resources("configmaps").names("extension-apiserver-authentication"))),
                new NamespacedRole(system, role("system::leader-locking-kube-controller-manager",
                        rule(leaseVerbs.split(" ")).groups(COORDINATION).resources("leases"),
                        rule(leaseVerbs.split(" ")).groups(COORDINATION).resources("leasecandidates"))),
                new NamespacedRole(system, role("system::leader-locking-kube-scheduler",
                        rule(leaseVerbs.split(" ")).groups(COORDINATION).resources("leases"),
                        rule(leaseVerbs.split(" ")).groups(COORDINATION).resources("leasecandidates"))),
                new NamespacedRole(system, role(CONTROLLER + "bootstrap-signer",
                        rule(READ).groups(CORE).resources("secrets"))),
                new NamespacedRole(system, role(CONTROLLER + "cloud-provider",
                        rule("create", "get", "list", "watch").groups(CORE).resources("configmaps"))),
                new NamespacedRole(system, role(CONTROLLER + "token-cleaner",
                        rule("get", "list", "watch", "delete").groups(CORE).resources("secrets"),
                        eventsRule())));
    }

    /** The RoleBindings of namespace_policy.go, in the order of upstream's testdata/namespace-role-bindings.yaml. */
    public static List<RoleBinding> namespaceRoleBindings() {
        String system = "kube-system";
        String controllerManager = "system:kube-controller-manager";
        String scheduler = "system:kube-scheduler";
        return List.of(
                new RoleBinding("kube-public", CONTROLLER + "bootstrap-signer", CONTROLLER + "bootstrap-signer",
                        List.of(Subject.serviceAccount(system, "bootstrap-signer"))),
                new RoleBinding(system, "system::extension-apiserver-authentication-reader",
                        "extension-apiserver-authentication-reader",
                        List.of(Subject.user(controllerManager), Subject.user(scheduler))),
                new RoleBinding(system, "system::leader-locking-kube-controller-manager",
                        "system::leader-locking-kube-controller-manager", List.of(Subject.user(controllerManager),
                        Subject.serviceAccount(system, "kube-controller-manager"),
                        Subject.serviceAccount(system, "leader-election-controller"))),
                new RoleBinding(system, "system::leader-locking-kube-scheduler", "system::leader-locking-kube-scheduler",
                        List.of(Subject.user(scheduler), Subject.serviceAccount(system, "kube-scheduler"))),
                new RoleBinding(system, CONTROLLER + "bootstrap-signer", CONTROLLER + "bootstrap-signer",
                        List.of(Subject.serviceAccount(system, "bootstrap-signer"))),
                new RoleBinding(system, CONTROLLER + "cloud-provider", CONTROLLER + "cloud-provider",
                        List.of(Subject.serviceAccount(system, "cloud-provider"))),
                new RoleBinding(system, CONTROLLER + "token-cleaner", CONTROLLER + "token-cleaner",
                        List.of(Subject.serviceAccount(system, "token-cleaner"))));
    }

    /** The service account user name a controller runs as (upstream's --use-service-account-credentials). */
    public static String controllerUser(String serviceAccount) {
        return "system:serviceaccount:kube-system:" + serviceAccount;
    }
}
