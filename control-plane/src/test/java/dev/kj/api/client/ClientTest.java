package dev.kj.api.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.Resources;
import dev.kj.api.objects.Json;
import dev.kj.api.testing.ClusterTest;
import dev.kj.api.testing.TestCluster;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PartialObjectMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The client against the real API server, over both transports: HTTPS with the kubeconfig
 * {@code kj server} writes, and in-process to the same router with a component's identity.
 */
class ClientTest extends ClusterTest {
    /** A fresh namespace per test and transport. */
    private static String namespace(ApiClient client, String test, String transport) {
        return TestCluster.namespace(client, test + "-" + transport);
    }

    private static ConfigMap configMap(String name, Map<String, String> labels, Map<String, String> data) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().withData(data).build();
    }

    @ParameterizedTest
    @MethodSource("transports")
    void createGetUpdatePatchDelete(String transport) {
        ApiClient client = client(transport);
        String ns = namespace(client, "crud", transport);
        ResourceClient<ConfigMap> configMaps = client.typed(Resources.CONFIG_MAPS, ConfigMap.class);

        ConfigMap created = configMaps.create(ns, configMap("settings", Map.of("app", "demo"), Map.of("color", "blue")));
        assertEquals(ns, created.getMetadata().getNamespace());
        assertNotNull(created.getMetadata().getUid());
        ConfigMap got = configMaps.get(ns, "settings");
        assertEquals(created.getMetadata().getResourceVersion(), got.getMetadata().getResourceVersion());

        got.getData().put("color", "green");
        ConfigMap updated = configMaps.update(got);
        assertEquals("green", updated.getData().get("color"));

        // the stale copy carries the old resourceVersion: 409 Conflict with upstream's text
        ApiException conflict = assertThrows(ApiException.class, () -> configMaps.update(created));
        assertTrue(conflict.isConflict());
        assertFalse(conflict.isAlreadyExists());
        assertEquals(409, conflict.code());
        assertEquals("Operation cannot be fulfilled on configmaps \"settings\": the object has been modified; "
                + "please apply your changes to the latest version and try again", conflict.getMessage());
        assertEquals("settings", conflict.status().getDetails().getName());
        assertEquals("configmaps", conflict.status().getDetails().getKind());

        ApiException exists = assertThrows(ApiException.class,
                () -> configMaps.create(ns, configMap("settings", Map.of(), Map.of())));
        assertTrue(exists.isAlreadyExists());
        assertFalse(exists.isConflict());

        ConfigMap merged = configMaps.patch(ns, "settings", PatchType.MERGE, "{\"data\":{\"size\":\"xl\",\"color\":null}}");
        assertEquals(Map.of("size", "xl"), merged.getData());
        ConfigMap patched = configMaps.patch(ns, "settings", PatchType.JSON,
                "[{\"op\":\"add\",\"path\":\"/metadata/labels/tier\",\"value\":\"web\"}]");
        assertEquals(Map.of("app", "demo", "tier", "web"), patched.getMetadata().getLabels());

        assertEquals(Optional.empty(), configMaps.delete(ns, "settings", DeleteOptions.NONE));
        ApiException missing = assertThrows(ApiException.class, () -> configMaps.get(ns, "settings"));
        assertTrue(missing.isNotFound());
        assertEquals("configmaps \"settings\" not found", missing.getMessage());
        ApiException invalid = assertThrows(ApiException.class, () -> configMaps.create(ns, configMap("Not_Valid", Map.of(), Map.of())));
        assertTrue(invalid.isInvalid());
        assertEquals("metadata.name", invalid.causes().getFirst().getField());
    }

    @ParameterizedTest
    @MethodSource("transports")
    void statusSubresourceAndIntOrStringOnTheWire(String transport) {
        ApiClient client = client(transport);
        String ns = namespace(client, "status", transport);
        ResourceClient<Deployment> deployments = client.typed(Resources.DEPLOYMENTS, Deployment.class);
        Deployment deployment = deployments.create(ns, new DeploymentBuilder().withNewMetadata().withName("web").endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "web").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata().withNewSpec()
                .addNewContainer().withName("app").withImage("busybox").endContainer().endSpec().endTemplate()
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate().withMaxSurge(new IntOrString("25%"))
                .withMaxUnavailable(new IntOrString(0)).endRollingUpdate().endStrategy().endSpec().build());
        JsonNode stored = client.generic(Resources.DEPLOYMENTS).get(ns, "web");
        assertTrue(stored.at("/spec/strategy/rollingUpdate/maxSurge").isTextual());
        assertEquals("25%", stored.at("/spec/strategy/rollingUpdate/maxSurge").asText());
        assertTrue(stored.at("/spec/strategy/rollingUpdate/maxUnavailable").isInt());

        deployment.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder().withReplicas(2)
                .withObservedGeneration(1L).build());
        deployment.getSpec().setReplicas(5); // ignored through /status
        Deployment withStatus = deployments.updateStatus(deployment);
        assertEquals(2, withStatus.getStatus().getReplicas());
        assertEquals(2, withStatus.getSpec().getReplicas());
        Deployment patched = deployments.patchStatus(ns, "web", PatchType.MERGE, "{\"status\":{\"readyReplicas\":1}}");
        assertEquals(1, patched.getStatus().getReadyReplicas());
        assertEquals(2, patched.getStatus().getReplicas());
    }

    @ParameterizedTest
    @MethodSource("transports")
    void selectorsAndPages(String transport) {
        ApiClient client = client(transport);
        String ns = namespace(client, "select", transport);
        ResourceClient<ConfigMap> configMaps = client.typed(Resources.CONFIG_MAPS, ConfigMap.class);
        List<String> tiers = List.of("db", "cache", "web", "db", "", "web", "db");
        for (int i = 0; i < tiers.size(); i++) {
            configMaps.create(ns, configMap("cm-" + i, tiers.get(i).isEmpty() ? Map.of() : Map.of("tier", tiers.get(i)), Map.of()));
        }
        assertEquals(List.of("cm-0", "cm-3", "cm-6"), names(configMaps.list(ns, ListOptions.NONE.withLabelSelector("tier=db"))));
        assertEquals(List.of("cm-0", "cm-1", "cm-3", "cm-6"),
                names(configMaps.list(ns, ListOptions.NONE.withLabelSelector("tier in (db,cache)"))));
        assertEquals(List.of("cm-4"), names(configMaps.list(ns, ListOptions.NONE.withLabelSelector("!tier"))));
        assertEquals(List.of("cm-5"), names(configMaps.list(ns,
                ListOptions.NONE.withFieldSelector("metadata.name=cm-5").withLabelSelector("tier=web"))));
        ApiException badField = assertThrows(ApiException.class,
                () -> configMaps.list(ns, ListOptions.NONE.withFieldSelector("data.color=blue")));
        assertEquals(400, badField.code());
        assertEquals("BadRequest", badField.reason());

        ObjectList<ConfigMap> first = configMaps.list(ns, ListOptions.NONE.withLimit(3));
        assertEquals(List.of("cm-0", "cm-1", "cm-2"), names(first));
        assertFalse(first.continueToken().isEmpty());
        ObjectList<ConfigMap> second = configMaps.list(ns, ListOptions.NONE.withLimit(3).withContinue(first.continueToken()));
        assertEquals(List.of("cm-3", "cm-4", "cm-5"), names(second));
        assertEquals(first.resourceVersion(), second.resourceVersion());

        ObjectList<ConfigMap> all = configMaps.listAll(ns, ListOptions.NONE, 2);
        assertEquals(List.of("cm-0", "cm-1", "cm-2", "cm-3", "cm-4", "cm-5", "cm-6"), names(all));
        // a new list reads at the newest revision, which writes elsewhere in the cluster may have moved since the first page
        assertTrue(Long.parseLong(all.resourceVersion()) >= Long.parseLong(first.resourceVersion()));
        assertEquals("", all.continueToken());

        ObjectList<ConfigMap> exact = configMaps.list(ns, ListOptions.NONE.withResourceVersion(first.resourceVersion())
                .withResourceVersionMatch("Exact"));
        assertEquals(7, exact.items().size());
        assertEquals(first.resourceVersion(), exact.resourceVersion());
    }

    @ParameterizedTest
    @MethodSource("transports")
    void deleteOptionsAndCollections(String transport) {
        ApiClient client = client(transport);
        String ns = namespace(client, "delete", transport);
        ResourceClient<ConfigMap> configMaps = client.typed(Resources.CONFIG_MAPS, ConfigMap.class);
        ConfigMap kept = configMaps.create(ns, new ConfigMapBuilder().withNewMetadata().withName("kept")
                .withFinalizers("example.com/hold").endMetadata().build());

        ApiException wrongUid = assertThrows(ApiException.class, () -> configMaps.delete(ns, "kept",
                DeleteOptions.NONE.withPreconditions("not-the-uid", null)));
        assertTrue(wrongUid.isConflict());
        assertEquals("Operation cannot be fulfilled on ConfigMap \"kept\": the UID in the precondition (not-the-uid) does not"
                + " match the UID in record (" + kept.getMetadata().getUid() + "). The object might have been deleted and then"
                + " recreated", wrongUid.getMessage());

        assertTrue(configMaps.delete(ns, "kept", DeleteOptions.NONE.withDryRun(true)).isPresent());
        assertNull(configMaps.get(ns, "kept").getMetadata().getDeletionTimestamp());

        Optional<ConfigMap> terminating = configMaps.delete(ns, "kept", DeleteOptions.NONE
                .withPreconditions(kept.getMetadata().getUid(), kept.getMetadata().getResourceVersion())
                .withPropagationPolicy(DeleteOptions.PropagationPolicy.Background).withGracePeriodSeconds(0));
        assertTrue(terminating.isPresent(), "a finalizer keeps the object");
        assertNotNull(terminating.get().getMetadata().getDeletionTimestamp());
        configMaps.patch(ns, "kept", PatchType.MERGE, "{\"metadata\":{\"finalizers\":null}}");
        assertTrue(assertThrows(ApiException.class, () -> configMaps.get(ns, "kept")).isNotFound());

        for (String name : List.of("a", "b", "c")) {
            configMaps.create(ns, configMap(name, Map.of("batch", name.equals("c") ? "2" : "1"), Map.of()));
        }
        configMaps.deleteCollection(ns, DeleteOptions.NONE, ListOptions.NONE.withLabelSelector("batch=1"));
        assertEquals(List.of("c"), names(configMaps.list(ns, ListOptions.NONE)));
    }

    @ParameterizedTest
    @MethodSource("transports")
    void watchStreamsTypedEvents(String transport) throws Exception {
        ApiClient client = client(transport);
        String ns = namespace(client, "watch", transport);
        ResourceClient<ConfigMap> configMaps = client.typed(Resources.CONFIG_MAPS, ConfigMap.class);
        String from = configMaps.list(ns, ListOptions.NONE).resourceVersion();
        try (Watch<ConfigMap> watch = configMaps.watch(ns, ListOptions.NONE.withResourceVersion(from)
                .withAllowWatchBookmarks(true).withTimeoutSeconds(60))) {
            ConfigMap created = configMaps.create(ns, configMap("w", Map.of(), Map.of("n", "1")));
            configMaps.patch(ns, "w", PatchType.MERGE, "{\"data\":{\"n\":\"2\"}}");
            configMaps.delete(ns, "w", DeleteOptions.NONE);
            List<WatchEvent<ConfigMap>> events = new ArrayList<>();
            while (events.size() < 3) {
                WatchEvent<ConfigMap> event = watch.next();
                assertNotNull(event, "the stream ended early");
                if (!(event instanceof WatchEvent.Bookmark<ConfigMap>)) {
                    events.add(event);
                }
            }
            ConfigMap added = ((WatchEvent.Added<ConfigMap>) assertInstanceOf(WatchEvent.Added.class, events.get(0))).object();
            assertEquals(created.getMetadata().getResourceVersion(), added.getMetadata().getResourceVersion());
            assertEquals("2", ((WatchEvent.Modified<ConfigMap>) events.get(1)).object().getData().get("n"));
            ConfigMap deleted = ((WatchEvent.Deleted<ConfigMap>) events.get(2)).object();
            assertEquals("w", deleted.getMetadata().getName());
            assertTrue(Long.parseLong(deleted.getMetadata().getResourceVersion())
                    > Long.parseLong(((WatchEvent.Modified<ConfigMap>) events.get(1)).object().getMetadata().getResourceVersion()));
        }

        // the server's timeout ends the stream: next() answers null
        try (Watch<ConfigMap> shortWatch = configMaps.watch(ns, ListOptions.NONE.withTimeoutSeconds(1))) {
            long start = System.nanoTime();
            WatchEvent<ConfigMap> event;
            do {
                event = shortWatch.next();
            } while (event instanceof WatchEvent.Bookmark<ConfigMap>);
            assertNull(event);
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30));
        }

        // close() from another thread ends a reader waiting in next()
        Watch<ConfigMap> idle = configMaps.watch(ns, ListOptions.NONE.withResourceVersion(from));
        CompletableFuture<WatchEvent<ConfigMap>> waiting = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                WatchEvent<ConfigMap> event;
                do {
                    event = idle.next();
                } while (event != null);
                waiting.complete(null);
            } catch (RuntimeException e) {
                waiting.completeExceptionally(e);
            }
        });
        Thread.sleep(200);
        idle.close();
        assertNull(waiting.get(20, TimeUnit.SECONDS));
    }

    @ParameterizedTest
    @MethodSource("transports")
    void metadataOnly(String transport) {
        ApiClient client = client(transport);
        String ns = namespace(client, "meta", transport);
        client.typed(Resources.CONFIG_MAPS, ConfigMap.class).create(ns,
                configMap("big", Map.of("app", "x"), Map.of("payload", "x".repeat(10_000))));
        ResourceClient<PartialObjectMetadata> metadata = client.metadata(Resources.CONFIG_MAPS);
        PartialObjectMetadata one = metadata.get(ns, "big");
        assertEquals("big", one.getMetadata().getName());
        assertEquals(Map.of("app", "x"), one.getMetadata().getLabels());
        ObjectList<PartialObjectMetadata> list = metadata.list(ns, ListOptions.NONE);
        assertEquals(1, list.items().size());
        assertFalse(list.resourceVersion().isEmpty());
        try (Watch<PartialObjectMetadata> watch = metadata.watch(ns, ListOptions.NONE.withResourceVersion(list.resourceVersion()))) {
            client.generic(Resources.CONFIG_MAPS).patch(ns, "big", PatchType.MERGE, "{\"metadata\":{\"labels\":{\"app\":\"y\"}}}");
            WatchEvent<PartialObjectMetadata> event = watch.next();
            assertEquals("y", ((WatchEvent.Modified<PartialObjectMetadata>) event).object().getMetadata().getLabels().get("app"));
        }
    }

    /** What the server answers on the wire for metadata Accept headers (client-go's metadata client sends these). */
    @Test
    void partialObjectMetadataOnTheWire() throws Exception {
        String ns = namespace(inProcess, "wire", "in-process");
        ResourceClient<ObjectNode> configMaps = inProcess.generic(Resources.CONFIG_MAPS);
        ObjectNode body = Json.readObject(("{\"metadata\":{\"name\":\"c\",\"annotations\":{\"a\":\"b\"}},\"data\":{\"k\":\"v\"}}")
                .getBytes(StandardCharsets.UTF_8));
        configMaps.create(ns, body);
        String list = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
        String object = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

        JsonNode partialList = raw("GET", "/api/v1/namespaces/" + ns + "/configmaps", list, 200);
        assertEquals("PartialObjectMetadataList", partialList.path("kind").asText());
        assertEquals("meta.k8s.io/v1", partialList.path("apiVersion").asText());
        assertTrue(partialList.path("metadata").has("resourceVersion"));
        JsonNode item = partialList.path("items").get(0);
        assertEquals("PartialObjectMetadata", item.path("kind").asText());
        assertEquals("meta.k8s.io/v1", item.path("apiVersion").asText());
        assertEquals("b", item.at("/metadata/annotations/a").asText());
        assertFalse(item.has("data"));
        // upstream appends items to a nil slice: an empty list answers "items": null
        assertTrue(raw("GET", "/api/v1/namespaces/" + ns + "/secrets", list, 200).path("items").isNull());

        JsonNode partial = raw("GET", "/api/v1/namespaces/" + ns + "/configmaps/c",
                "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1beta1", 200);
        assertEquals("meta.k8s.io/v1beta1", partial.path("apiVersion").asText());
        assertEquals("c", partial.at("/metadata/name").asText());
        assertFalse(partial.has("data"));

        // a list endpoint asked for one PartialObjectMetadata, and the reverse: 406 with upstream's texts
        JsonNode notList = raw("GET", "/api/v1/namespaces/" + ns + "/configmaps",
                "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1", 406);
        assertEquals("you requested PartialObjectMetadata, but the requested object is a list (*core.ConfigMapList)",
                notList.path("message").asText());
        assertEquals("NotAcceptable", notList.path("reason").asText());
        JsonNode notObject = raw("GET", "/apis/apps/v1/namespaces/" + ns + "/deployments/none",
                "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1", 404);
        assertEquals("NotFound", notObject.path("reason").asText(), "a missing object stays a 404 Status");

        // writes answer metadata too (the garbage collector patches owner references through it)
        JsonNode patched = rawPatch("/api/v1/namespaces/" + ns + "/configmaps/c", object, "{\"metadata\":{\"labels\":{\"x\":\"1\"}}}");
        assertEquals("PartialObjectMetadata", patched.path("kind").asText());
        assertEquals("1", patched.at("/metadata/labels/x").asText());
        // a Table is still a Table, and an unknown transformation still 406
        assertEquals("Table", raw("GET", "/api/v1/namespaces/" + ns + "/configmaps",
                "application/json;as=Table;g=meta.k8s.io;v=v1", 200).path("kind").asText());
        raw("GET", "/api/v1/namespaces/" + ns + "/configmaps", "application/json;as=Widget;g=meta.k8s.io;v=v1", 406);
    }

    private JsonNode raw(String method, String path, String accept, int expectedStatus) throws Exception {
        try (Transport.Response response = inProcess.transport().send(new Transport.Request(method, path, Map.of(),
                Map.of("Accept", accept), new byte[0]))) {
            byte[] body = response.body().readAllBytes();
            assertEquals(expectedStatus, response.status(), new String(body, StandardCharsets.UTF_8));
            return Json.readObject(body);
        }
    }

    private JsonNode rawPatch(String path, String accept, String patch) throws Exception {
        try (Transport.Response response = inProcess.transport().send(new Transport.Request("PATCH", path, Map.of(),
                Map.of("Accept", accept, "Content-Type", "application/merge-patch+json"), patch.getBytes(StandardCharsets.UTF_8)))) {
            byte[] body = response.body().readAllBytes();
            assertEquals(200, response.status(), new String(body, StandardCharsets.UTF_8));
            return Json.readObject(body);
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void genericObjectsKeepFieldsTheClientDoesNotKnow(String transport) {
        ApiClient client = client(transport);
        String ns = namespace(client, "generic", transport);
        ResourceClient<ObjectNode> configMaps = client.generic(Resources.CONFIG_MAPS);
        ObjectNode body = Json.readObject("{\"metadata\":{\"name\":\"g\"},\"data\":{\"a\":\"1\"},\"binaryData\":{\"b\":\"AAE=\"}}"
                .getBytes(StandardCharsets.UTF_8));
        ObjectNode created = configMaps.create(ns, body);
        assertEquals("AAE=", created.at("/binaryData/b").asText());
        created.with("data").put("a", "2");
        assertEquals("2", configMaps.update(created).at("/data/a").asText());
    }

    /** An in-process watcher that stops reading is cut off once 32 MiB are queued, as a slow HTTPS client is. */
    @Test
    void inProcessWatchOfAReaderThatStopsIsCutOff() {
        String ns = namespace(inProcess, "slow", "in-process");
        ResourceClient<ObjectNode> configMaps = inProcess.generic(Resources.CONFIG_MAPS);
        String from = configMaps.list(ns, ListOptions.NONE).resourceVersion();
        String payload = "x".repeat(900 * 1024);
        try (Watch<ObjectNode> watch = configMaps.watch(ns, ListOptions.NONE.withResourceVersion(from))) {
            for (int i = 0; i < 40; i++) {
                configMaps.create(ns, Json.readObject(("{\"metadata\":{\"name\":\"big-" + i + "\"},\"data\":{\"p\":\""
                        + payload + "\"}}").getBytes(StandardCharsets.UTF_8)));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            UncheckedIOException cut = null;
            int read = 0;
            while (cut == null && System.nanoTime() < deadline) {
                try {
                    if (watch.next() == null) {
                        break;
                    }
                    read++;
                } catch (UncheckedIOException e) {
                    cut = e;
                }
            }
            assertNotNull(cut, "expected the stream to be cut off, read " + read + " events");
            assertTrue(cut.getMessage().contains("stopped reading"), cut.getMessage());
            assertTrue(read < 40);
        }
    }

    /** The HTTPS transport with the PKI named by relative file paths instead of embedded data. */
    @Test
    void kubeconfigWithFilePaths(@TempDir Path dir) throws Exception {
        Path pki = server.kubeconfig().resolveSibling("pki");
        Files.createDirectories(dir.resolve("certs"));
        for (String file : List.of("ca.crt", "admin.crt", "admin.key")) {
            Files.copy(pki.resolve(file), dir.resolve("certs").resolve(file));
        }
        Path kubeconfig = dir.resolve("config");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: local
                  cluster: {server: "https://127.0.0.1:%d", certificate-authority: certs/ca.crt}
                users:
                - name: admin
                  user: {client-certificate: certs/admin.crt, client-key: certs/admin.key}
                contexts:
                - name: admin@local
                  context: {cluster: local, user: admin}
                current-context: admin@local
                """.formatted(server.address().getPort()));
        try (ApiClient client = ApiClient.fromKubeconfig(kubeconfig)) {
            assertTrue(client.typed(Resources.NAMESPACES, io.fabric8.kubernetes.api.model.Namespace.class)
                    .list(null, ListOptions.NONE).items().stream().anyMatch(n -> n.getMetadata().getName().equals("kube-system")));
        }
        // without a client certificate the request is system:anonymous's, refused with a 403 Status
        Files.writeString(kubeconfig, Files.readString(kubeconfig).replace(
                "{client-certificate: certs/admin.crt, client-key: certs/admin.key}", "{}"));
        try (ApiClient anonymous = ApiClient.fromKubeconfig(kubeconfig)) {
            ApiException denied = assertThrows(ApiException.class, () -> anonymous.generic(Resources.NAMESPACES).list(null, ListOptions.NONE));
            assertEquals(403, denied.code());
            assertEquals("Forbidden", denied.reason());
        }
    }

    private static List<String> names(ObjectList<ConfigMap> list) {
        return list.items().stream().map(c -> c.getMetadata().getName()).toList();
    }
}
