package dev.kj.controllers.serviceaccount;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import dev.kj.api.informers.EventHandler;
import dev.kj.api.informers.Registration;
import dev.kj.api.informers.SharedInformer;
import dev.kj.api.workqueue.WorkQueue;
import dev.kj.controllers.ControllerContext;
import dev.kj.controllers.QueueController;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import java.util.List;

/**
 * Upstream's serviceaccount controller: every active namespace has a {@code default}
 * ServiceAccount. Namespaces are queued when they appear or change and when a service account is
 * deleted from them; the sync creates what is missing (never in a terminating namespace).
 */
public final class ServiceAccountsController extends QueueController {
    public static final String NAME = "serviceaccount-controller";
    /** The service account whose credentials it uses (upstream's --use-service-account-credentials). */
    public static final String IDENTITY = "service-account-controller";
    static final List<String> ENSURED = List.of("default");

    private final ApiClient client;
    private final SharedInformer<Namespace> namespaces;
    private final SharedInformer<ServiceAccount> serviceAccounts;

    public ServiceAccountsController(ControllerContext context) {
        super(NAME);
        this.client = context.client();
        this.namespaces = context.informers().typed(Resources.NAMESPACES, Namespace.class);
        this.serviceAccounts = context.informers().typed(Resources.SERVICE_ACCOUNTS, ServiceAccount.class);
        WorkQueue<String> queue = WorkQueue.create();
        Registration onAccounts = serviceAccounts.addEventHandler(new EventHandler<>() {
            @Override
            public void onDelete(ServiceAccount account, boolean finalStateUnknown) {
                if (ENSURED.contains(account.getMetadata().getName())) {
                    queue.add(account.getMetadata().getNamespace());
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
                queue.add(current.getMetadata().getName());
            }
        });
        runs(queue, this::sync, 1, onAccounts, onNamespaces);
    }

    private void sync(String namespaceName) {
        Namespace namespace = namespaces.indexer().get(namespaceName).orElse(null);
        if (namespace == null || namespace.getStatus() == null || !"Active".equals(namespace.getStatus().getPhase())) {
            return; // gone, or terminating: nothing may be created there
        }
        for (String name : ENSURED) {
            if (serviceAccounts.indexer().get(namespaceName, name).isPresent()) {
                continue;
            }
            try {
                client.typed(Resources.SERVICE_ACCOUNTS, ServiceAccount.class).create(namespaceName,
                        new ServiceAccountBuilder().withNewMetadata().withName(name).endMetadata().build());
            } catch (ApiException e) {
                if (e.isAlreadyExists() || terminating(e)) {
                    continue;
                }
                throw e;
            }
        }
    }

    /** A create refused because the namespace is being deleted is no failure (upstream's NamespaceTerminatingCause). */
    static boolean terminating(ApiException e) {
        return e.isNotFound() || e.causes().stream().anyMatch(cause -> "NamespaceTerminating".equals(cause.getReason()));
    }
}
