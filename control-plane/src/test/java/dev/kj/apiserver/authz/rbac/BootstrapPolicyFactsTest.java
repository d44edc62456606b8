package dev.kj.apiserver.authz.rbac;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * kj's bootstrap policy against upstream's, as read from kubernetes/kubernetes:
 * plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata/cluster-roles.yaml (commit 025f2834),
 * controller_policy.go (commit 003e3121) and policy.go's clusterRoleBindings. Each fact line is
 * {@code role | verbs | apiGroups | resources | resourceNames | nonResourceURLs}, lists sorted as
 * upstream's RuleOrDie sorts them, rules in upstream's order.
 */
class BootstrapPolicyFactsTest {
    private static final String UPSTREAM_RULES = """
            cluster-admin | * | * | * | |
            cluster-admin | * | | | | *
            system:discovery | get | | | | /api /api/* /apis /apis/* /healthz /livez /openapi /openapi/* /readyz /version /version/
            system:public-info-viewer | get | | | | /healthz /livez /readyz /version /version/
            system:monitoring | get | | | | /healthz /healthz/* /livez /livez/* /metrics /metrics/slis /readyz /readyz/*
            system:basic-user | create | authorization.k8s.io | selfsubjectaccessreviews selfsubjectrulesreviews | |
            system:basic-user | create | authentication.k8s.io | selfsubjectreviews | |
            system:aggregate-to-admin | create | authorization.k8s.io | localsubjectaccessreviews | |
            system:aggregate-to-admin | create delete deletecollection get list patch update watch | rbac.authorization.k8s.io | rolebindings roles | |
            system:aggregate-to-view | get list watch | "" | configmaps endpoints persistentvolumeclaims persistentvolumeclaims/status pods replicationcontrollers replicationcontrollers/scale serviceaccounts services services/status | |
            system:aggregate-to-view | get list watch | "" | bindings events limitranges namespaces/status pods/log pods/status replicationcontrollers/status resourcequotas resourcequotas/status | |
            system:aggregate-to-view | get list watch | "" | namespaces | |
            system:aggregate-to-view | get list watch | discovery.k8s.io | endpointslices | |
            system:aggregate-to-view | get list watch | apps | controllerrevisions daemonsets daemonsets/status deployments deployments/scale deployments/status replicasets replicasets/scale replicasets/status statefulsets statefulsets/scale statefulsets/status | |
            system:aggregate-to-view | get list watch | autoscaling | horizontalpodautoscalers horizontalpodautoscalers/status | |
            system:aggregate-to-view | get list watch | batch | cronjobs cronjobs/status jobs jobs/status | |
            system:aggregate-to-view | get list watch | extensions | daemonsets daemonsets/status deployments deployments/scale deployments/status ingresses ingresses/status networkpolicies replicasets replicasets/scale replicasets/status replicationcontrollers/scale | |
            system:aggregate-to-view | get list watch | policy | poddisruptionbudgets poddisruptionbudgets/status | |
            system:aggregate-to-view | get list watch | networking.k8s.io | ingresses ingresses/status networkpolicies | |
            system:aggregate-to-edit | get list watch | "" | pods/attach pods/exec pods/portforward pods/proxy secrets services/proxy | |
            system:aggregate-to-edit | impersonate | "" | serviceaccounts | |
            system:aggregate-to-edit | create delete deletecollection patch update | "" | pods pods/attach pods/exec pods/portforward pods/proxy | |
            system:aggregate-to-edit | create | "" | pods/eviction | |
            system:aggregate-to-edit | create delete deletecollection patch update | "" | configmaps events persistentvolumeclaims replicationcontrollers replicationcontrollers/scale secrets serviceaccounts services services/proxy | |
            system:aggregate-to-edit | create | "" | serviceaccounts/token | |
            system:aggregate-to-edit | create delete deletecollection patch update | apps | daemonsets deployments deployments/rollback deployments/scale replicasets replicasets/scale statefulsets statefulsets/scale | |
            system:aggregate-to-edit | create delete deletecollection patch update | autoscaling | horizontalpodautoscalers | |
            system:aggregate-to-edit | create delete deletecollection patch update | batch | cronjobs jobs | |
            system:aggregate-to-edit | create delete deletecollection patch update | extensions | daemonsets deployments deployments/rollback deployments/scale ingresses networkpolicies replicasets replicasets/scale replicationcontrollers/scale | |
            system:aggregate-to-edit | create delete deletecollection patch update | policy | poddisruptionbudgets | |
            system:aggregate-to-edit | create delete deletecollection patch update | networking.k8s.io | ingresses networkpolicies | |
            system:aggregate-to-edit | create delete deletecollection get list patch update watch | coordination.k8s.io | leases | |
            system:auth-delegator | create | authentication.k8s.io | tokenreviews | |
            system:auth-delegator | create | authorization.k8s.io | subjectaccessreviews | |
            system:node-proxier | list watch | "" | endpoints services | |
            system:node-proxier | get list watch | "" | nodes | |
            system:node-proxier | create patch update | "" events.k8s.io | events | |
            system:node-proxier | list watch | discovery.k8s.io | endpointslices | |
            system:kube-dns | list watch | "" | endpoints services | |
            system:volume-scheduler | get list patch update watch | "" | persistentvolumes | |
            system:volume-scheduler | get list watch | storage.k8s.io | storageclasses | |
            system:volume-scheduler | get list patch update watch | "" | persistentvolumeclaims | |
            system:node-bootstrapper | create get list watch | certificates.k8s.io | certificatesigningrequests | |
            system:service-account-issuer-discovery | get | | | | /.well-known/openid-configuration /openid/v1/jwks
            system:certificates.k8s.io:kube-apiserver-client-approver | approve | certificates.k8s.io | signers | kubernetes.io/kube-apiserver-client |
            system:certificates.k8s.io:kube-apiserver-client-kubelet-approver | approve | certificates.k8s.io | signers | kubernetes.io/kube-apiserver-client-kubelet |
            system:certificates.k8s.io:kubelet-serving-approver | approve | certificates.k8s.io | signers | kubernetes.io/kubelet-serving |
            system:certificates.k8s.io:legacy-unknown-approver | approve | certificates.k8s.io | signers | kubernetes.io/legacy-unknown |
            system:certificates.k8s.io:certificatesigningrequests:nodeclient | create | certificates.k8s.io | certificatesigningrequests/nodeclient | |
            system:certificates.k8s.io:certificatesigningrequests:selfnodeclient | create | certificates.k8s.io | certificatesigningrequests/selfnodeclient | |
            system:kube-controller-manager | create patch update | "" events.k8s.io | events | |
            system:kube-controller-manager | create | coordination.k8s.io | leases | |
            system:kube-controller-manager | get update | coordination.k8s.io | leases | kube-controller-manager |
            system:kube-controller-manager | create | "" | secrets serviceaccounts | |
            system:kube-controller-manager | delete | "" | secrets | |
            system:kube-controller-manager | get | "" | configmaps namespaces secrets serviceaccounts | |
            system:kube-controller-manager | update | "" | secrets serviceaccounts | |
            system:kube-controller-manager | create | authentication.k8s.io | tokenreviews | |
            system:kube-controller-manager | create | authorization.k8s.io | subjectaccessreviews | |
            system:kube-controller-manager | list watch | * | * | |
            system:kube-controller-manager | create | "" | serviceaccounts/token | |
            system:node | create | authentication.k8s.io | tokenreviews | |
            system:node | create | authorization.k8s.io | localsubjectaccessreviews subjectaccessreviews | |
            system:node | get list watch | "" | services | |
            system:node | create get list watch | "" | nodes | |
            system:node | patch update | "" | nodes/status | |
            system:node | patch update | "" | nodes | |
            system:node | create patch update | "" | events | |
            system:node | get list watch | "" | pods | |
            system:node | create delete | "" | pods | |
            system:node | patch update | "" | pods/status | |
            system:node | create | "" | pods/eviction | |
            system:node | get list watch | "" | configmaps secrets | |
            system:node | get | "" | persistentvolumeclaims persistentvolumes | |
            system:node | get | "" | endpoints | |
            system:node | create get list watch | certificates.k8s.io | certificatesigningrequests | |
            system:node | create delete get patch update | coordination.k8s.io | leases | |
            system:node | get | storage.k8s.io | volumeattachments | |
            system:node | create | "" | serviceaccounts/token | |
            system:node | get patch update | "" | persistentvolumeclaims/status | |
            system:node | get list watch | storage.k8s.io | csidrivers | |
            system:node | create delete get patch update | storage.k8s.io | csinodes | |
            system:node | get list watch | node.k8s.io | runtimeclasses | |
            system:controller:clusterrole-aggregation-controller | escalate get list patch update watch | rbac.authorization.k8s.io | clusterroles | |
            system:controller:generic-garbage-collector | delete get list patch update watch | * | * | |
            system:controller:generic-garbage-collector | create patch update | "" events.k8s.io | events | |
            system:controller:namespace-controller | delete get list watch | "" | namespaces | |
            system:controller:namespace-controller | update | "" | namespaces/finalize namespaces/status | |
            system:controller:namespace-controller | delete deletecollection get list watch | * | * | |
            system:controller:root-ca-cert-publisher | create update | "" | configmaps | |
            system:controller:root-ca-cert-publisher | create patch update | "" events.k8s.io | events | |
            system:controller:service-account-controller | create | "" | serviceaccounts | |
            system:controller:service-account-controller | create patch update | "" events.k8s.io | events | |
            system:controller:replicaset-controller | get list update watch | apps extensions | replicasets | |
            system:controller:replicaset-controller | update | apps extensions | replicasets/status | |
            system:controller:replicaset-controller | update | apps extensions | replicasets/finalizers | |
            system:controller:replicaset-controller | create delete list patch watch | "" | pods | |
            system:controller:replicaset-controller | create patch update | "" events.k8s.io | events | |
            system:controller:job-controller | get list patch update watch | batch | jobs | |
            system:controller:job-controller | update | batch | jobs/status | |
            system:controller:job-controller | update | batch | jobs/finalizers | |
            system:controller:job-controller | create delete list patch watch | "" | pods | |
            system:controller:job-controller | create patch update | "" events.k8s.io | events | |
            system:controller:ttl-after-finished-controller | delete get list watch | batch | jobs | |
            system:controller:ttl-after-finished-controller | create patch update | "" events.k8s.io | events | |
            system:controller:pod-garbage-collector | delete list watch | "" | pods | |
            system:controller:pod-garbage-collector | get list | "" | nodes | |
            system:controller:pod-garbage-collector | patch | "" | pods/status | |
            system:controller:replication-controller | get list update watch | "" | replicationcontrollers | |
            system:controller:replication-controller | update | "" | replicationcontrollers/status | |
            system:controller:replication-controller | update | "" | replicationcontrollers/finalizers | |
            system:controller:replication-controller | create delete list patch watch | "" | pods | |
            system:controller:replication-controller | create patch update | "" events.k8s.io | events | |
            system:controller:cronjob-controller | get list update watch | batch | cronjobs | |
            system:controller:cronjob-controller | create delete get list patch update watch | batch | jobs | |
            system:controller:cronjob-controller | update | batch | cronjobs/status | |
            system:controller:cronjob-controller | update | batch | cronjobs/finalizers | |
            system:controller:cronjob-controller | delete list watch | "" | pods | |
            system:controller:cronjob-controller | create patch update | "" events.k8s.io | events | |
            system:controller:disruption-controller | get list watch | apps extensions | deployments | |
            system:controller:disruption-controller | get list watch | apps extensions | replicasets | |
            system:controller:disruption-controller | get list watch | "" | replicationcontrollers | |
            system:controller:disruption-controller | get list watch | policy | poddisruptionbudgets | |
            system:controller:disruption-controller | get list watch | apps | statefulsets | |
            system:controller:disruption-controller | update | policy | poddisruptionbudgets/status | |
            system:controller:disruption-controller | patch update | "" | pods/status | |
            system:controller:disruption-controller | get | * | */scale | |
            system:controller:disruption-controller | create patch update | "" events.k8s.io | events | |
            """;

    /** policy.go's clusterRoleBindings: binding (= role) name → subjects as kind:name or kind:namespace/name. */
    private static final String UPSTREAM_BINDINGS = """
            cluster-admin | Group:system:masters
            system:monitoring | Group:system:monitoring
            system:discovery | Group:system:authenticated
            system:basic-user | Group:system:authenticated
            system:public-info-viewer | Group:system:authenticated Group:system:unauthenticated
            system:node-proxier | User:system:kube-proxy
            system:kube-controller-manager | User:system:kube-controller-manager
            system:kube-dns | ServiceAccount:kube-system/kube-dns
            system:kube-scheduler | User:system:kube-scheduler
            system:volume-scheduler | User:system:kube-scheduler
            system:node |
            system:service-account-issuer-discovery | Group:system:serviceaccounts
            system:controller:generic-garbage-collector | ServiceAccount:kube-system/generic-garbage-collector
            system:controller:namespace-controller | ServiceAccount:kube-system/namespace-controller
            system:controller:clusterrole-aggregation-controller | ServiceAccount:kube-system/clusterrole-aggregation-controller
            system:controller:replication-controller | ServiceAccount:kube-system/replication-controller
            system:controller:cronjob-controller | ServiceAccount:kube-system/cronjob-controller
            system:controller:disruption-controller | ServiceAccount:kube-system/disruption-controller
            """;

    /**
     * testdata/namespace-roles.yaml (commit 008b3652): {@code namespace/role | verbs | apiGroups |
     * resources | resourceNames | nonResourceURLs}, in the file's order.
     */
    private static final String UPSTREAM_NAMESPACE_RULES = """
            kube-public/system:controller:bootstrap-signer | get list watch | "" | configmaps | |
            kube-public/system:controller:bootstrap-signer | update | "" | configmaps | cluster-info |
            kube-public/system:controller:bootstrap-signer | create patch update | "" events.k8s.io | events | |
            kube-system/extension-apiserver-authentication-reader | get list watch | "" | configmaps | extension-apiserver-authentication |
            kube-system/system::leader-locking-kube-controller-manager | create get list update watch | coordination.k8s.io | leases | |
            kube-system/system::leader-locking-kube-controller-manager | create get list update watch | coordination.k8s.io | leasecandidates | |
            kube-system/system::leader-locking-kube-scheduler | create get list update watch | coordination.k8s.io | leases | |
            kube-system/system::leader-locking-kube-scheduler | create get list update watch | coordination.k8s.io | leasecandidates | |
            kube-system/system:controller:bootstrap-signer | get list watch | "" | secrets | |
            kube-system/system:controller:cloud-provider | create get list watch | "" | configmaps | |
            kube-system/system:controller:token-cleaner | delete get list watch | "" | secrets | |
            kube-system/system:controller:token-cleaner | create patch update | "" events.k8s.io | events | |
            """;

    /**
     * testdata/namespace-role-bindings.yaml (commit 008b3652): {@code namespace/binding | role |
     * subjects as kind:name or kind:namespace/name}, in the file's order.
     */
    private static final String UPSTREAM_NAMESPACE_BINDINGS = """
            kube-public/system:controller:bootstrap-signer | system:controller:bootstrap-signer | ServiceAccount:kube-system/bootstrap-signer
            kube-system/system::extension-apiserver-authentication-reader | extension-apiserver-authentication-reader | User:system:kube-controller-manager User:system:kube-scheduler
            kube-system/system::leader-locking-kube-controller-manager | system::leader-locking-kube-controller-manager | User:system:kube-controller-manager ServiceAccount:kube-system/kube-controller-manager ServiceAccount:kube-system/leader-election-controller
            kube-system/system::leader-locking-kube-scheduler | system::leader-locking-kube-scheduler | User:system:kube-scheduler ServiceAccount:kube-system/kube-scheduler
            kube-system/system:controller:bootstrap-signer | system:controller:bootstrap-signer | ServiceAccount:kube-system/bootstrap-signer
            kube-system/system:controller:cloud-provider | system:controller:cloud-provider | ServiceAccount:kube-system/cloud-provider
            kube-system/system:controller:token-cleaner | system:controller:token-cleaner | ServiceAccount:kube-system/token-cleaner
            """;

    private static List<String> list(String field) {
        String trimmed = field.trim();
        if (trimmed.isEmpty()) {
            return List.of();
        }
        return Arrays.stream(trimmed.split(" +")).map(s -> s.equals("\"\"") ? "" : s).toList();
    }

    @Test
    void rulesMatchUpstreams() {
        Map<String, List<PolicyRule>> upstream = new LinkedHashMap<>();
        for (String line : UPSTREAM_RULES.strip().split("\n")) {
            String[] fields = (line + " ").split("\\|", -1);
            upstream.computeIfAbsent(fields[0].trim(), k -> new ArrayList<>()).add(new PolicyRule(list(fields[1]),
                    list(fields[2]), list(fields[3]), list(fields[4]), list(fields[5])));
        }
        Map<String, BootstrapPolicy.Role> ours = new LinkedHashMap<>();
        BootstrapPolicy.clusterRoles().forEach(role -> ours.put(role.name(), role));
        BootstrapPolicy.controllerRoles().forEach(role -> ours.put(role.name(), role));
        for (Map.Entry<String, List<PolicyRule>> role : upstream.entrySet()) {
            assertNotNull(ours.get(role.getKey()), role.getKey() + " is missing");
            assertEquals(role.getValue(), ours.get(role.getKey()).rules(), role.getKey());
        }
    }

    @Test
    void aggregatedRolesAndLabelsMatchUpstreams() {
        Map<String, BootstrapPolicy.Role> ours = BootstrapPolicy.clusterRoles().stream()
                .collect(Collectors.toMap(BootstrapPolicy.Role::name, role -> role));
        // admin ← edit ← view: each aggregates its own label and carries the next one's
        assertEquals(List.of(), ours.get("admin").rules());
        JsonNode admin = ours.get("admin").toJson();
        assertEquals("{\"clusterRoleSelectors\":[{\"matchLabels\":{\"rbac.authorization.k8s.io/aggregate-to-admin\":\"true\"}}]}",
                admin.path("aggregationRule").toString());
        assertEquals("{\"kubernetes.io/bootstrapping\":\"rbac-defaults\"}", admin.path("metadata").path("labels").toString());
        assertEquals("{\"rbac.authorization.kubernetes.io/autoupdate\":\"true\"}", admin.path("metadata").path("annotations").toString());
        assertEquals("{\"kubernetes.io/bootstrapping\":\"rbac-defaults\",\"rbac.authorization.k8s.io/aggregate-to-admin\":\"true\"}",
                ours.get("edit").toJson().path("metadata").path("labels").toString());
        assertEquals("{\"kubernetes.io/bootstrapping\":\"rbac-defaults\",\"rbac.authorization.k8s.io/aggregate-to-edit\":\"true\"}",
                ours.get("view").toJson().path("metadata").path("labels").toString());
        assertEquals("true", ours.get("system:aggregate-to-view").toJson().path("metadata").path("labels")
                .path("rbac.authorization.k8s.io/aggregate-to-view").asText());
        assertNull(ours.get("cluster-admin").aggregationSelector());
        // the roles the issue names all exist
        for (String name : List.of("cluster-admin", "admin", "edit", "view", "system:basic-user", "system:discovery",
                "system:public-info-viewer", "system:node", "system:node-proxier", "system:kube-scheduler",
                "system:kube-controller-manager", "system:kube-dns", "system:volume-scheduler", "system:node-bootstrapper")) {
            assertTrue(ours.containsKey(name), name);
        }
    }

    @Test
    void bindingsMatchUpstreams() {
        Map<String, BootstrapPolicy.Binding> ours = new LinkedHashMap<>();
        BootstrapPolicy.clusterRoleBindings().forEach(b -> ours.put(b.name(), b));
        BootstrapPolicy.controllerRoleBindings().forEach(b -> ours.put(b.name(), b));
        for (String line : UPSTREAM_BINDINGS.strip().split("\n")) {
            String[] fields = (line + " ").split("\\|", -1);
            String name = fields[0].trim();
            assertNotNull(ours.get(name), name + " is missing");
            List<String> subjects = ours.get(name).subjects().stream().map(s -> s.kind() + ":"
                    + (s.namespace() == null ? "" : s.namespace() + "/") + s.name()).toList();
            assertEquals(list(fields[1]), subjects, name);
            JsonNode json = ours.get(name).toJson();
            assertEquals(name, json.path("roleRef").path("name").asText());
            assertEquals("rbac-defaults", json.path("metadata").path("labels").path("kubernetes.io/bootstrapping").asText());
        }
    }

    @Test
    void namespaceRolesMatchUpstreams() {
        Map<String, List<PolicyRule>> upstream = new LinkedHashMap<>();
        for (String line : UPSTREAM_NAMESPACE_RULES.strip().split("\n")) {
            String[] fields = (line + " ").split("\\|", -1);
            upstream.computeIfAbsent(fields[0].trim(), k -> new ArrayList<>()).add(new PolicyRule(list(fields[1]),
                    list(fields[2]), list(fields[3]), list(fields[4]), list(fields[5])));
        }
        Map<String, BootstrapPolicy.NamespacedRole> ours = new LinkedHashMap<>();
        BootstrapPolicy.namespaceRoles().forEach(r -> ours.put(r.namespace() + "/" + r.role().name(), r));
        assertEquals(List.copyOf(upstream.keySet()), List.copyOf(ours.keySet()), "the same roles, in the same order");
        for (Map.Entry<String, List<PolicyRule>> role : upstream.entrySet()) {
            assertEquals(role.getValue(), ours.get(role.getKey()).role().rules(), role.getKey());
            JsonNode json = ours.get(role.getKey()).toJson();
            assertEquals("Role", json.path("kind").asText());
            assertEquals(role.getKey(), json.path("metadata").path("namespace").asText() + "/"
                    + json.path("metadata").path("name").asText());
            assertEquals("{\"kubernetes.io/bootstrapping\":\"rbac-defaults\"}", json.path("metadata").path("labels").toString());
            assertEquals("{\"rbac.authorization.kubernetes.io/autoupdate\":\"true\"}",
                    json.path("metadata").path("annotations").toString());
        }
    }

    @Test
    void namespaceRoleBindingsMatchUpstreams() {
        Map<String, BootstrapPolicy.RoleBinding> ours = new LinkedHashMap<>();
        BootstrapPolicy.namespaceRoleBindings().forEach(b -> ours.put(b.namespace() + "/" + b.name(), b));
        List<String> names = new ArrayList<>();
        for (String line : UPSTREAM_NAMESPACE_BINDINGS.strip().split("\n")) {
            String[] fields = line.split("\\|", -1);
            String key = fields[0].trim();
            names.add(key);
            BootstrapPolicy.RoleBinding binding = ours.get(key);
            assertNotNull(binding, key + " is missing");
            assertEquals(fields[1].trim(), binding.roleName(), key);
            assertEquals(list(fields[2]), binding.subjects().stream().map(s -> s.kind() + ":"
                    + (s.namespace() == null ? "" : s.namespace() + "/") + s.name()).toList(), key);
            JsonNode json = binding.toJson();
            assertEquals("RoleBinding", json.path("kind").asText());
            assertEquals("{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":\"" + fields[1].trim() + "\"}",
                    json.path("roleRef").toString());
            assertEquals("rbac-defaults", json.path("metadata").path("labels").path("kubernetes.io/bootstrapping").asText());
            assertEquals("true", json.path("metadata").path("annotations").path("rbac.authorization.kubernetes.io/autoupdate").asText());
        }
        assertEquals(names, List.copyOf(ours.keySet()), "the same bindings, in the same order");
    }
}
