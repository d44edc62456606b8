package dev.kj.controllers.rootcacertpublisher;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import dev.kj.api.informers.EventHandler;
import dev.kj.api.informers.Registration;
import dev.kj.api.informers.SharedInformer;
import dev.kj.api.workqueue.WorkQueue;
import dev.kj.controllers.ControllerContext;
import dev.kj.controllers.QueueController;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import java.util.HashMap;
import java.util.Map;

/**
 * Upstream's root-ca-cert-publisher: every namespace has a ConfigMap {@code kube-root-ca.crt} whose
 * {@code ca.crt} is the cluster CA, with a description annotation; one edited or deleted is put
 * back. Pods read it through the projected token volume the ServiceAccount admission adds.
 */
public final class RootCaCertPublisher extends QueueController {
    public static final String NAME = "root-ca-certificate-publisher-controller";
    /** The service account whose credentials it uses (upstream's --use-service-account-credentials). */
    public static final String IDENTITY = "root-ca-cert-publisher";
    public static final String CONFIG_MAP = "kube-root-ca.crt";
    static final String DESCRIPTION_ANNOTATION = "kubernetes.io/description";
    static final String DESCRIPTION = "Contains a CA bundle that can be used to verify the kube-apiserver when using"
            + " internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is"
            + " guaranteed across distributions of Kubernetes clusters.";

    private final ApiClient client;
    private final String rootCa;
    private final SharedInformer<ConfigMap> configMaps;

    public RootCaCertPublisher(ControllerContext context) {
        super(NAME);
        this.client = context.client();
        this.rootCa = context.rootCa();
        this.configMaps = context.informers().typed(Resources.CONFIG_MAPS, ConfigMap.class);
        SharedInformer<Namespace> namespaces = context.informers().typed(Resources.NAMESPACES, Namespace.class);
        WorkQueue<String> queue = WorkQueue.create();
        Registration onConfigMaps = configMaps.addEventHandler(new EventHandler<>() {
            @Override
            public void onUpdate(ConfigMap old, ConfigMap current) {
                if (CONFIG_MAP.equals(current.getMetadata().getName())) {
                    queue.add(current.getMetadata().getNamespace());
                }
            }

            @Override
            public void onDelete(ConfigMap configMap, boolean finalStateUnknown) {
                if (CONFIG_MAP.equals(configMap.getMetadata().getName())) {
                    queue.add(configMap.getMetadata().getNamespace());
                }
            }
        });
        Registration onNamespaces = namespaces.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(Namespace namespace, boolean initialList) {
                queue.add(namespace.getMetadata().getName());
            }

            @Override
            public void onUpdate(Namespace old, Namespace current) {
                if (current.getStatus() != null && "Active".equals(current.getStatus().getPhase())) {
                    queue.add(current.getMetadata().getName());
                }
            }
        });
        runs(queue, this::sync, 1, onConfigMaps, onNamespaces);
    }

    private void sync(String namespace) {
        Map<String, String> data = Map.of("ca.crt", rootCa);
        ConfigMap current = configMaps.indexer().get(namespace, CONFIG_MAP).orElse(null);
        var typed = client.typed(Resources.CONFIG_MAPS, ConfigMap.class);
        if (current == null) {
            try {
                typed.create(namespace, new ConfigMapBuilder().withNewMetadata().withName(CONFIG_MAP)
                        .withAnnotations(Map.of(DESCRIPTION_ANNOTATION, DESCRIPTION)).endMetadata().withData(data).build());
            } catch (ApiException e) {
                // no retry when the namespace is gone or terminating
                if (e.isNotFound() || e.causes().stream().anyMatch(c -> "NamespaceTerminating".equals(c.getReason()))) {
                    return;
                }
                throw e;
            }
            return;
        }
        Map<String, String> annotations = current.getMetadata().getAnnotations();
        if (data.equals(current.getData()) && annotations != null
                && !annotations.getOrDefault(DESCRIPTION_ANNOTATION, "").isEmpty()) {
            return;
        }
        Map<String, String> updatedAnnotations = new HashMap<>(annotations == null ? Map.of() : annotations);
        updatedAnnotations.put(DESCRIPTION_ANNOTATION, DESCRIPTION);
        typed.update(new ConfigMapBuilder(current).editMetadata().withAnnotations(updatedAnnotations).endMetadata()
                .withData(data).build());
    }
}
