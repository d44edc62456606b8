package dev.kj.apiserver.patch.strategic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.schema.Type;
import dev.kj.apiserver.schema.TypeModel;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Strategic merge on kj's real types: the examples of upstream's documentation (kubernetes.io
 * "Update API Objects in Place Using kubectl patch" and the strategic-merge-patch design doc in
 * kubernetes/community), each directive, the merge keys and strategies of built-in fields, list
 * order as upstream's patch tests give it, and the errors upstream answers for malformed patches.
 */
class StrategicMergePatchTest {
    private static final YAMLMapper YAML = new YAMLMapper();

    /** One patch applied to one object of {@code kind} ("apps/v1 Deployment"). */
    record Case(String name, String kind, String original, String patch, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                // kubernetes.io, "Update API Objects in Place Using kubectl patch"
                new Case("docs: a container is added to the list merged by name, ahead of the old one", "apps/v1 Deployment", """
                        spec:
                          template:
                            spec:
                              containers:
                              - {name: patch-demo-ctr, image: nginx}
                              tolerations:
                              - {effect: NoSchedule, key: dedicated, value: test-team}
                        """, """
                        spec:
                          template:
                            spec:
                              containers:
                              - {name: patch-demo-ctr-2, image: redis}
                        """, """
                        spec:
                          template:
                            spec:
                              containers:
                              - {name: patch-demo-ctr-2, image: redis}
                              - {name: patch-demo-ctr, image: nginx}
                              tolerations:
                              - {effect: NoSchedule, key: dedicated, value: test-team}
                        """),
                new Case("docs: tolerations have no patch strategy and are replaced", "apps/v1 Deployment", """
                        spec:
                          template:
                            spec:
                              tolerations:
                              - {effect: NoSchedule, key: dedicated, value: test-team}
                        """, """
                        spec:
                          template:
                            spec:
                              tolerations:
                              - {effect: NoSchedule, key: disktype, value: ssd}
                        """, """
                        spec:
                          template:
                            spec:
                              tolerations:
                              - {effect: NoSchedule, key: disktype, value: ssd}
                        """),
                new Case("docs: without $retainKeys the strategy's rollingUpdate stays", "apps/v1 Deployment", """
                        spec:
                          strategy:
                            type: RollingUpdate
                            rollingUpdate: {maxSurge: 30%, maxUnavailable: 30%}
                        """, """
                        spec:
                          strategy: {type: Recreate}
                        """, """
                        spec:
                          strategy:
                            type: Recreate
                            rollingUpdate: {maxSurge: 30%, maxUnavailable: 30%}
                        """),
                new Case("docs: $retainKeys clears the strategy's other keys", "apps/v1 Deployment", """
                        spec:
                          strategy:
                            type: RollingUpdate
                            rollingUpdate: {maxSurge: 30%, maxUnavailable: 30%}
                        """, """
                        spec:
                          strategy:
                            $retainKeys: [type]
                            type: Recreate
                        """, """
                        spec:
                          strategy: {type: Recreate}
                        """),
                // the strategic-merge-patch design doc
                new Case("design: $patch: replace takes a map literally", "v1 Pod", """
                        spec:
                          containers:
                          - {name: nginx, image: nginx-0.9}
                          - {name: log-tailer, image: log-tailer-1.0}
                          restartPolicy: Always
                        """, """
                        spec:
                          $patch: replace
                          containers:
                          - {name: nginx, image: nginx-1.0}
                        """, """
                        spec:
                          containers:
                          - {name: nginx, image: nginx-1.0}
                        """),
                new Case("design: a $patch: replace item replaces the whole merged list", "v1 Pod", """
                        spec:
                          containers:
                          - {name: nginx, image: nginx-0.9}
                          - {name: log-tailer, image: log-tailer-1.0}
                        """, """
                        spec:
                          containers:
                          - {name: nginx, image: nginx-1.0}
                          - {$patch: replace}
                        """, """
                        spec:
                          containers:
                          - {name: nginx, image: nginx-1.0}
                        """),
                new Case("design: a $patch: delete item removes every item with its merge key", "v1 Pod", """
                        spec:
                          containers:
                          - {name: nginx, image: nginx-0.9}
                          - {name: log-tailer, image: log-tailer-1.0}
                          - {name: log-tailer, image: log-tailer-0.1}
                        """, """
                        spec:
                          containers:
                          - {name: nginx, image: nginx-1.0}
                          - {$patch: delete, name: log-tailer}
                        """, """
                        spec:
                          containers:
                          - {name: nginx, image: nginx-1.0}
                        """),
                new Case("design: $patch: delete on a map leaves it empty", "apps/v1 Deployment", """
                        spec:
                          strategy:
                            type: RollingUpdate
                            rollingUpdate: {maxSurge: 1}
                        """, """
                        spec:
                          strategy:
                            rollingUpdate: {$patch: delete}
                        """, """
                        spec:
                          strategy:
                            type: RollingUpdate
                            rollingUpdate: {}
                        """),
                new Case("design: null deletes a map", "apps/v1 Deployment", """
                        spec:
                          strategy:
                            type: RollingUpdate
                            rollingUpdate: {maxSurge: 1}
                        """, """
                        spec:
                          strategy: {rollingUpdate: null}
                        """, """
                        spec:
                          strategy: {type: RollingUpdate}
                        """),
                new Case("design: $deleteFromPrimitiveList removes finalizers", "v1 ConfigMap", """
                        metadata: {finalizers: [a, b, c]}
                        """, """
                        metadata:
                          $deleteFromPrimitiveList/finalizers: [b, c]
                        """, """
                        metadata: {finalizers: [a]}
                        """),
                new Case("design: $setElementOrder orders a primitive list", "v1 ConfigMap", """
                        metadata: {finalizers: [a, b, c]}
                        """, """
                        metadata:
                          $setElementOrder/finalizers: [b, c, a]
                        """, """
                        metadata: {finalizers: [b, c, a]}
                        """),
                new Case("design: $setElementOrder orders containers by merge key", "v1 Pod", """
                        spec:
                          containers:
                          - {name: a, image: ia}
                          - {name: b, image: ib}
                          - {name: c, image: ic}
                        """, """
                        spec:
                          $setElementOrder/containers:
                          - {name: b}
                          - {name: c}
                          - {name: a}
                        """, """
                        spec:
                          containers:
                          - {name: b, image: ib}
                          - {name: c, image: ic}
                          - {name: a, image: ia}
                        """),
                new Case("design: $retainKeys in a volume (merge,retainKeys) clears its old source", "v1 Pod", """
                        spec:
                          volumes:
                          - {name: data, hostPath: {path: /srv}}
                          - {name: cache, emptyDir: {}}
                        """, """
                        spec:
                          volumes:
                          - name: data
                            $retainKeys: [emptyDir, name]
                            emptyDir: {medium: Memory}
                        """, """
                        spec:
                          volumes:
                          - name: data
                            emptyDir: {medium: Memory}
                          - {name: cache, emptyDir: {}}
                        """),
                // merge keys and strategies of built-in fields
                new Case("finalizers merge as a set: duplicates dropped, new ones placed by the patch", "v1 ConfigMap", """
                        metadata: {finalizers: [a, b, c]}
                        """, """
                        metadata: {finalizers: [b, d, b]}
                        """, """
                        metadata: {finalizers: [a, b, d, c]}
                        """),
                new Case("container ports merge by containerPort", "v1 Pod", """
                        spec:
                          containers:
                          - name: web
                            image: nginx
                            ports:
                            - {containerPort: 80, protocol: TCP}
                        """, """
                        spec:
                          containers:
                          - name: web
                            ports:
                            - {containerPort: 80, name: http}
                            - {containerPort: 443, name: https}
                        """, """
                        spec:
                          containers:
                          - name: web
                            image: nginx
                            ports:
                            - {containerPort: 80, protocol: TCP, name: http}
                            - {containerPort: 443, name: https}
                        """),
                new Case("env merges by name: a value changes, a $patch: delete item goes, order kept", "apps/v1 Deployment", """
                        spec:
                          template:
                            spec:
                              containers:
                              - name: app
                                image: app:1
                                env:
                                - {name: A, value: "1"}
                                - {name: B, value: "2"}
                                - {name: C, value: "3"}
                        """, """
                        spec:
                          template:
                            spec:
                              $setElementOrder/containers: [{name: app}]
                              containers:
                              - name: app
                                image: app:2
                                $setElementOrder/env: [{name: A}, {name: C}]
                                env:
                                - {name: C, value: "33"}
                                - {$patch: delete, name: B}
                        """, """
                        spec:
                          template:
                            spec:
                              containers:
                              - name: app
                                image: app:2
                                env:
                                - {name: A, value: "1"}
                                - {name: C, value: "33"}
                        """),
                new Case("volumeMounts merge by mountPath", "v1 Pod", """
                        spec:
                          containers:
                          - name: app
                            volumeMounts:
                            - {name: data, mountPath: /data}
                        """, """
                        spec:
                          containers:
                          - name: app
                            volumeMounts:
                            - {mountPath: /data, readOnly: true}
                            - {name: logs, mountPath: /logs}
                        """, """
                        spec:
                          containers:
                          - name: app
                            volumeMounts:
                            - {name: data, mountPath: /data, readOnly: true}
                            - {mountPath: /logs, name: logs}
                        """),
                new Case("service ports merge by port", "v1 Service", """
                        spec:
                          ports:
                          - {name: http, port: 80, targetPort: 8080}
                        """, """
                        spec:
                          ports:
                          - {port: 80, targetPort: 9090}
                        """, """
                        spec:
                          ports:
                          - {name: http, port: 80, targetPort: 9090}
                        """),
                new Case("ownerReferences merge by uid", "v1 ConfigMap", """
                        metadata:
                          ownerReferences:
                          - {apiVersion: v1, kind: Pod, name: p, uid: u1}
                        """, """
                        metadata:
                          ownerReferences:
                          - {uid: u1, controller: true}
                          - {apiVersion: v1, kind: Pod, name: q, uid: u2}
                        """, """
                        metadata:
                          ownerReferences:
                          - {apiVersion: v1, kind: Pod, name: p, uid: u1, controller: true}
                          - {apiVersion: v1, kind: Pod, name: q, uid: u2}
                        """),
                new Case("args (no strategy) are replaced", "v1 Pod", """
                        spec:
                          containers:
                          - {name: app, args: [a, b]}
                        """, """
                        spec:
                          containers:
                          - {name: app, args: [c]}
                        """, """
                        spec:
                          containers:
                          - {name: app, args: [c]}
                        """),
                new Case("maps merge; null deletes a key; nulls under a new key are dropped", "v1 ConfigMap", """
                        metadata:
                          labels: {a: "1", b: "2"}
                        data: {x: "1"}
                        """, """
                        metadata:
                          labels: {a: null, c: "3"}
                          annotations: {n: "1", gone: null}
                        data: {y: "2"}
                        """, """
                        metadata:
                          labels: {b: "2", c: "3"}
                          annotations: {n: "1"}
                        data: {x: "1", y: "2"}
                        """),
                new Case("a new list item keeps no directives", "v1 Pod", """
                        spec:
                          volumes:
                          - {name: a, emptyDir: {}}
                        """, """
                        spec:
                          volumes:
                          - name: b
                            $retainKeys: [configMap, name]
                            configMap: {name: cm}
                        """, """
                        spec:
                          volumes:
                          - name: b
                            configMap: {name: cm}
                          - {name: a, emptyDir: {}}
                        """),
                new Case("a merged list only in the patch is taken without its directive items", "v1 Pod", """
                        spec: {}
                        """, """
                        spec:
                          containers:
                          - {name: app, image: x}
                          - {$patch: delete, name: old}
                        """, """
                        spec:
                          containers:
                          - {name: app, image: x}
                        """),
                new Case("upstream: the patch's order wins for its items, the others keep their place", "v1 Pod", """
                        spec:
                          containers:
                          - {name: "1"}
                          - {name: "2", image: b}
                          - {name: "3"}
                        """, """
                        spec:
                          containers:
                          - {name: "3", image: c}
                          - {name: "1", image: a}
                        """, """
                        spec:
                          containers:
                          - {name: "2", image: b}
                          - {name: "3", image: c}
                          - {name: "1", image: a}
                        """),
                new Case("upstream: $setElementOrder with server-only items", "v1 ConfigMap", """
                        metadata: {finalizers: [a, b, c, d]}
                        """, """
                        metadata:
                          $setElementOrder/finalizers: [d, e, a]
                          finalizers: [e]
                        """, """
                        metadata: {finalizers: [b, c, d, e, a]}
                        """),
                // upstream's patch tests (mergingList → containers: value → image, other → workingDir), current + three-way patch
                new Case("upstream: add multiple items in a list and preserve order", "v1 Pod", """
                        spec:
                          containers: [{name: "1", workingDir: a}, {name: "2", image: "2", workingDir: b}]
                        """, """
                        spec:
                          $setElementOrder/containers: [{name: "1"}, {name: "4"}, {name: "2"}, {name: "3"}]
                          containers: [{name: "4", image: "4"}, {name: "3", image: "3"}]
                        """, """
                        spec:
                          containers:
                          - {name: "1", workingDir: a}
                          - {name: "4", image: "4"}
                          - {name: "2", image: "2", workingDir: b}
                          - {name: "3", image: "3"}
                        """),
                new Case("upstream: add and delete an item in a list and preserve order", "v1 Pod", """
                        spec:
                          containers: [{name: "1", workingDir: a}, {name: "2", image: "2", workingDir: b}, {name: "3", image: "3"}]
                        """, """
                        spec:
                          $setElementOrder/containers: [{name: "4"}, {name: "2"}, {name: "1"}]
                          containers: [{name: "4", image: "4"}, {name: "3", $patch: delete}]
                        """, """
                        spec:
                          containers:
                          - {name: "4", image: "4"}
                          - {name: "2", image: "2", workingDir: b}
                          - {name: "1", workingDir: a}
                        """),
                new Case("upstream: set elements order in a list with server-only items 2", "v1 Pod", """
                        spec:
                          containers: [{name: "1", workingDir: a}, {name: "2", image: "2"}, {name: "9"}, {name: "3", image: "3"},
                                       {name: "4", image: "4"}]
                        """, """
                        spec:
                          $setElementOrder/containers: [{name: "2"}, {name: "1"}, {name: "4"}, {name: "3"}]
                        """, """
                        spec:
                          containers:
                          - {name: "2", image: "2"}
                          - {name: "1", workingDir: a}
                          - {name: "9"}
                          - {name: "4", image: "4"}
                          - {name: "3", image: "3"}
                        """),
                new Case("upstream: set elements order in a list with server-only items 3", "v1 Pod", """
                        spec:
                          containers: [{name: "1", workingDir: a}, {name: "2", image: "2"}, {name: "7"}, {name: "9"}, {name: "8"},
                                       {name: "3", image: "3"}, {name: "4", image: "4"}]
                        """, """
                        spec:
                          $setElementOrder/containers: [{name: "2"}, {name: "1"}, {name: "4"}, {name: "3"}]
                        """, """
                        spec:
                          containers:
                          - {name: "2", image: "2"}
                          - {name: "1", workingDir: a}
                          - {name: "7"}
                          - {name: "9"}
                          - {name: "8"}
                          - {name: "4", image: "4"}
                          - {name: "3", image: "3"}
                        """),
                new Case("upstream: behavior of set element order for a merging list with duplicate", "v1 Pod", """
                        spec:
                          containers: [{name: "1"}, {name: "2", image: dup1}, {name: "3"}, {name: "2", image: dup2}, {name: "4"}]
                        """, """
                        spec:
                          $setElementOrder/containers: [{name: "2"}, {name: "1"}, {name: "4"}, {name: "3"}, {name: "2"}]
                        """, """
                        spec:
                          containers:
                          - {name: "2", image: dup1}
                          - {name: "2", image: dup2}
                          - {name: "1"}
                          - {name: "4"}
                          - {name: "3"}
                        """),
                new Case("upstream: set elements order in a int list with server-only items", "v1 ConfigMap", """
                        metadata: {finalizers: ["1", "3", "4", "2", "9"]}
                        """, """
                        metadata:
                          $setElementOrder/finalizers: ["4", "2", "3", "1"]
                        """, """
                        metadata: {finalizers: ["4", "2", "3", "1", "9"]}
                        """),
                new Case("$deleteFromPrimitiveList works on a list without merge strategy", "v1 Pod", """
                        spec:
                          containers:
                          - {name: app, command: [sh, -c, "true"]}
                        """, """
                        spec:
                          containers:
                          - name: app
                            $deleteFromPrimitiveList/command: [-c]
                        """, """
                        spec:
                          containers:
                          - {name: app, command: [sh, "true"]}
                        """),
                new Case("fields the model does not know merge as plain maps", "apps/v1 Deployment", """
                        spec:
                          extra: {a: 1}
                        """, """
                        spec:
                          extra: {b: 2}
                        """, """
                        spec:
                          extra: {a: 1, b: 2}
                        """),
                new Case("a map of named string lists (a CSR's extra): lists replaced", "certificates.k8s.io/v1 CertificateSigningRequest", """
                        spec:
                          extra: {scopes: [a, b], other: [c]}
                        """, """
                        spec:
                          extra: {scopes: [z]}
                        """, """
                        spec:
                          extra: {scopes: [z], other: [c]}
                        """),
                new Case("the Scale subresource's kind", "autoscaling/v1 Scale", """
                        spec: {replicas: 1}
                        """, """
                        spec: {replicas: 3}
                        """, """
                        spec: {replicas: 3}
                        """));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void appliesAsUpstream(Case c) throws Exception {
        ObjectNode original = (ObjectNode) YAML.readTree(c.original());
        JsonNode patch = YAML.readTree(c.patch());
        ObjectNode result = StrategicMergePatch.apply(original, patch, type(c.kind()));
        assertEquals(YAML.readTree(c.expected()), result, () -> "got " + result);
        assertEquals(YAML.readTree(c.original()), original, "the original is untouched");
    }

    /** A malformed patch and upstream's answer. */
    record Failure(String name, String kind, String original, String patch, int code, String reason, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Failure> failures() {
        String pod = "{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"a\"},{\"name\":\"b\"}]}}";
        return Stream.of(
                new Failure("a list item without its merge key", "v1 Pod", pod,
                        "{\"spec\":{\"containers\":[{\"image\":\"x\",\"ports\":[{\"containerPort\":80}]}]}}", 500, null,
                        "map: map[image:x ports:[map[containerPort:80]]] does not contain declared merge key: name"),
                new Failure("a deletion without its merge key", "v1 Pod", pod,
                        "{\"spec\":{\"containers\":[{\"$patch\":\"delete\"}]}}", 500, null,
                        "map: map[$patch:delete] does not contain declared merge key: name"),
                new Failure("$patch: merge as a list item", "v1 Pod", pod,
                        "{\"spec\":{\"containers\":[{\"$patch\":\"merge\"}]}}", 500, null,
                        "merging lists cannot yet be specified in the patch"),
                new Failure("$patch: merge on a map (a struct-tag strategy only)", "apps/v1 Deployment", "{\"spec\":{}}",
                        "{\"spec\":{\"$patch\":\"merge\",\"replicas\":2}}", 500, null,
                        "unknown patch type: merge in map: map[$patch:merge replicas:2]"),
                new Failure("an unknown $patch value", "apps/v1 Deployment", "{\"spec\":{}}",
                        "{\"spec\":{\"$patch\":5}}", 500, null,
                        "unknown patch type: %!s(int64=5) in map: map[$patch:5]"),
                new Failure("$retainKeys not a list", "apps/v1 Deployment", "{\"spec\":{\"strategy\":{}}}",
                        "{\"spec\":{\"strategy\":{\"$retainKeys\":\"type\"}}}", 400, "BadRequest",
                        "invalid patch format of retainKeys"),
                new Failure("a patched key missing from $retainKeys", "apps/v1 Deployment", "{\"spec\":{\"strategy\":{}}}",
                        "{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],\"type\":\"Recreate\",\"rollingUpdate\":{}}}}",
                        400, "BadRequest", "invalid patch format of retainKeys"),
                new Failure("$setElementOrder without a list name", "v1 ConfigMap", "{\"metadata\":{}}",
                        "{\"metadata\":{\"$setElementOrder\":[\"a\"]}}", 400, "BadRequest",
                        "invalid patch format of setElementOrder list"),
                new Failure("$deleteFromPrimitiveList without a list name", "v1 ConfigMap", "{\"metadata\":{}}",
                        "{\"metadata\":{\"$deleteFromPrimitiveListfinalizers\":[\"a\"]}}", 400, "BadRequest",
                        "invalid patch format of primitive list"),
                new Failure("$setElementOrder not a list", "v1 ConfigMap", "{\"metadata\":{\"finalizers\":[\"a\"]}}",
                        "{\"metadata\":{\"$setElementOrder/finalizers\":\"a\"}}", 500, null,
                        "expected a []interface {}, but received a string"),
                new Failure("a patch list out of the $setElementOrder order", "v1 ConfigMap", "{\"metadata\":{\"finalizers\":[\"a\",\"c\",\"b\"]}}",
                        "{\"metadata\":{\"$setElementOrder/finalizers\":[\"a\",\"b\",\"c\"],\"finalizers\":[\"c\",\"a\"]}}", 500, null,
                        "The order in patch list:\n[c a]\n doesn't match $setElementOrder list:\n[a b c]\n"),
                new Failure("items of different types", "v1 ConfigMap", "{\"metadata\":{\"finalizers\":[\"a\"]}}",
                        "{\"metadata\":{\"finalizers\":[1]}}", 500, null,
                        "list element types are not identical: [[a] [1]]"),
                new Failure("a list of lists", "v1 ConfigMap", "{\"metadata\":{\"finalizers\":[]}}",
                        "{\"metadata\":{\"finalizers\":[[\"a\"]]}}", 422, "Invalid",
                        "the server rejected our request due to an error in our request"),
                new Failure("a field of raw JSON merged as an object", "apps/v1 ControllerRevision", "{\"data\":{\"spec\":{\"a\":{}}}}",
                        "{\"data\":{\"spec\":{\"a\":{\"b\":1}}}}", 500, null,
                        "unable to find api field in struct RawExtension for the json field \"spec\""),
                new Failure("a patch that is not an object", "v1 ConfigMap", "{}", "[]", 400, "BadRequest",
                        "json: cannot unmarshal array into Go value of type map[string]interface {}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void refusesAsUpstream(Failure f) throws Exception {
        ObjectNode original = (ObjectNode) YAML.readTree(f.original());
        JsonNode patch = YAML.readTree(f.patch());
        StatusException e = assertThrows(StatusException.class, () -> StrategicMergePatch.apply(original, patch, type(f.kind())));
        assertEquals(f.code(), e.code());
        assertEquals(f.reason(), e.reason());
        assertEquals(f.message(), e.getMessage());
    }

    @Test
    void aNullPatchChangesNothingAndFloatsPrintAsGo() throws Exception {
        ObjectNode original = (ObjectNode) YAML.readTree("data: {a: b}");
        assertEquals(original, StrategicMergePatch.apply(original, YAML.readTree("null"), type("v1 ConfigMap")));
        StatusException e = assertThrows(StatusException.class, () -> StrategicMergePatch.apply(
                (ObjectNode) YAML.readTree("{spec: {containers: []}}"),
                YAML.readTree("{spec: {containers: [{image: x, cpu: 0.5, big: 1.5e7, on: true, none: null}]}}"), type("v1 Pod")));
        assertEquals("map: map[big:1.5e+07 cpu:0.5 image:x none:<nil> on:true] does not contain declared merge key: name",
                e.getMessage());
        assertNull(e.details());
    }

    private static Type type(String kind) {
        String[] parts = kind.split(" ");
        return TypeModel.get().kind(parts[0], parts[1]).orElseThrow(() -> new AssertionError("no type for " + kind));
    }
}
