package dev.kj.controllers.serviceaccounttoken;

import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ApiException;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.informers.EventHandler;
import dev.kj.api.informers.Registration;
import dev.kj.api.informers.SharedInformer;
import dev.kj.api.workqueue.WorkQueue;
import dev.kj.controllers.ControllerContext;
import dev.kj.controllers.QueueController;
import dev.kj.controllers.LegacyTokenSigner;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Upstream's serviceaccount-token-controller: a Secret of type
 * {@code kubernetes.io/service-account-token} annotated with a service account's name (and
 * optionally uid) gets data {@code token} (a legacy JWT), {@code ca.crt} and {@code namespace},
 * and the uid annotation; such a Secret whose service account is gone, or has another uid, is
 * deleted. Since 1.24 it no longer creates token Secrets for service accounts by itself. A token
 * Secret deleted is removed from its service account's {@code secrets} list.
 */
public final class TokensController extends QueueController {
    public static final String NAME = "serviceaccount-token-controller";
    public static final String TYPE = "kubernetes.io/service-account-token";
    public static final String NAME_ANNOTATION = "kubernetes.io/service-account.name";
    public static final String UID_ANNOTATION = "kubernetes.io/service-account.uid";
    static final String TOKEN = "token";
    static final String CA = "ca.crt";
    static final String NAMESPACE = "namespace";

    /** What a queued item is: a service account (its tokens) or a token Secret, each with the uid seen. */
    sealed interface Key {
    }

    record AccountKey(String namespace, String name, String uid) implements Key {
    }

    record SecretKey(String namespace, String name, String uid, String accountName, String accountUid) implements Key {
    }

    private final ApiClient client;
    private final byte[] rootCa;
    private final LegacyTokenSigner signer;
    private final SharedInformer<ServiceAccount> accounts;
    private final SharedInformer<Secret> secrets;

    public TokensController(ControllerContext context) {
        super(NAME);
        this.client = context.client();
        this.rootCa = context.rootCa().getBytes(StandardCharsets.UTF_8);
        this.signer = context.legacyTokens();
        this.accounts = context.informers().typed(Resources.SERVICE_ACCOUNTS, ServiceAccount.class);
        this.secrets = context.informers().typed(Resources.SECRETS, Secret.class);
        WorkQueue<Key> queue = WorkQueue.create();
        Registration onAccounts = accounts.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(ServiceAccount account, boolean initialList) {
                queue.add(key(account));
            }

            @Override
            public void onUpdate(ServiceAccount old, ServiceAccount current) {
                queue.add(key(current));
            }

            @Override
            public void onDelete(ServiceAccount account, boolean finalStateUnknown) {
                queue.add(key(account));
            }
        });
        Registration onSecrets = secrets.addEventHandler(new EventHandler<>() {
            @Override
            public void onAdd(Secret secret, boolean initialList) {
                key(secret).ifPresent(queue::add);
            }

            @Override
            public void onUpdate(Secret old, Secret current) {
                key(current).ifPresent(queue::add);
            }

            @Override
            public void onDelete(Secret secret, boolean finalStateUnknown) {
                key(secret).ifPresent(queue::add);
            }
        });
        runs(queue, this::sync, 1, onAccounts, onSecrets);
    }

    private static AccountKey key(ServiceAccount account) {
        return new AccountKey(account.getMetadata().getNamespace(), account.getMetadata().getName(),
                account.getMetadata().getUid());
    }

    /** Only token Secrets are the controller's (upstream's informer selects them by type). */
    private static Optional<Key> key(Secret secret) {
        if (!TYPE.equals(secret.getType())) {
            return Optional.empty();
        }
        Map<String, String> annotations = annotations(secret);
        return Optional.of(new SecretKey(secret.getMetadata().getNamespace(), secret.getMetadata().getName(),
                secret.getMetadata().getUid(), annotations.getOrDefault(NAME_ANNOTATION, ""),
                annotations.getOrDefault(UID_ANNOTATION, "")));
    }

    private void sync(Key key) {
        switch (key) {
            case AccountKey account -> syncAccount(account);
            case SecretKey secret -> syncSecret(secret);
        }
    }

    private void syncAccount(AccountKey key) {
        if (cachedAccount(key.namespace(), key.name(), key.uid()).isPresent()) {
            return; // nothing to do for a live service account since upstream stopped auto-creating tokens
        }
        for (Secret secret : secrets.indexer().byNamespace(key.namespace())) {
            if (references(secret, key.name(), key.uid())) {
                deleteToken(secret.getMetadata().getNamespace(), secret.getMetadata().getName(),
                        secret.getMetadata().getUid());
            }
        }
    }

    private void syncSecret(SecretKey key) {
        Optional<Secret> cached = secrets.indexer().get(key.namespace(), key.name())
                .filter(s -> uidMatches(key.uid(), s.getMetadata().getUid()));
        if (cached.isEmpty()) {
            if (cachedAccount(key.namespace(), key.accountName(), key.accountUid()).isPresent()) {
                removeReference(key);
            }
            return;
        }
        Optional<ServiceAccount> account = liveAccount(key.namespace(), key.accountName(), key.accountUid());
        if (account.isEmpty()) {
            deleteToken(key.namespace(), key.name(), key.uid());
            return;
        }
        populate(account.get(), cached.get());
    }

    private Optional<ServiceAccount> cachedAccount(String namespace, String name, String uid) {
        if (name.isEmpty()) {
            return Optional.empty();
        }
        return accounts.indexer().get(namespace, name).filter(a -> uidMatches(uid, a.getMetadata().getUid()));
    }

    /** The cache first, then the API (a service account created a moment ago may not be cached yet). */
    private Optional<ServiceAccount> liveAccount(String namespace, String name, String uid) {
        Optional<ServiceAccount> cached = cachedAccount(namespace, name, uid);
        if (cached.isPresent() || name.isEmpty()) {
            return cached;
        }
        try {
            ServiceAccount live = client.typed(Resources.SERVICE_ACCOUNTS, ServiceAccount.class).get(namespace, name);
            return uidMatches(uid, live.getMetadata().getUid()) ? Optional.of(live) : Optional.empty();
        } catch (ApiException e) {
            if (e.isNotFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private static boolean uidMatches(String wanted, String actual) {
        return wanted == null || wanted.isEmpty() || wanted.equals(actual);
    }

    /** Upstream's IsServiceAccountToken: the type, the name annotation, and the uid annotation when set. */
    private static boolean references(Secret secret, String accountName, String accountUid) {
        if (!TYPE.equals(secret.getType())) {
            return false;
        }
        Map<String, String> annotations = annotations(secret);
        if (!accountName.equals(annotations.get(NAME_ANNOTATION))) {
            return false;
        }
        String uid = annotations.getOrDefault(UID_ANNOTATION, "");
        return uid.isEmpty() || uid.equals(accountUid);
    }

    /** Deletes with a uid precondition: a Secret recreated meanwhile is not ours to delete. */
    private void deleteToken(String namespace, String name, String uid) {
        DeleteOptions options = uid == null || uid.isEmpty() ? DeleteOptions.NONE
                : DeleteOptions.NONE.withPreconditions(uid, null);
        try {
            client.typed(Resources.SECRETS, Secret.class).delete(namespace, name, options);
        } catch (ApiException e) {
            if (!e.isNotFound() && !e.isConflict()) {
                throw e; // retried
            }
        }
    }

    /** Which of a token Secret's data keys are missing (or, for the CA, stale). */
    private record Needs(boolean ca, boolean namespace, boolean token) {
        boolean any() {
            return ca || namespace || token;
        }
    }

    private Needs needs(Secret secret) {
        Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
        return new Needs(rootCa.length > 0 && !Arrays.equals(decoded(data.get(CA)), rootCa),
                decoded(data.get(NAMESPACE)).length == 0, decoded(data.get(TOKEN)).length == 0);
    }

    private void populate(ServiceAccount account, Secret cached) {
        if (!needs(cached).any()) {
            return;
        }
        var typed = client.typed(Resources.SECRETS, Secret.class);
        Secret live;
        try {
            live = typed.get(cached.getMetadata().getNamespace(), cached.getMetadata().getName());
        } catch (ApiException e) {
            if (e.isNotFound()) {
                return;
            }
            throw e;
        }
        if (!Objects.equals(live.getMetadata().getResourceVersion(), cached.getMetadata().getResourceVersion())) {
            return; // the cache is behind: the update event on its way brings the Secret back
        }
        Needs needs = needs(live);
        if (!needs.any()) {
            return;
        }
        Map<String, String> data = new HashMap<>(live.getData() == null ? Map.of() : live.getData());
        String namespace = live.getMetadata().getNamespace();
        if (needs.ca()) {
            data.put(CA, Base64.getEncoder().encodeToString(rootCa));
        }
        if (needs.namespace()) {
            data.put(NAMESPACE, Base64.getEncoder().encodeToString(namespace.getBytes(StandardCharsets.UTF_8)));
        }
        if (needs.token()) {
            String token = signer.sign(namespace, account.getMetadata().getName(), account.getMetadata().getUid(),
                    live.getMetadata().getName());
            data.put(TOKEN, Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8)));
        }
        Map<String, String> annotations = new HashMap<>(annotations(live));
        annotations.put(NAME_ANNOTATION, account.getMetadata().getName());
        annotations.put(UID_ANNOTATION, account.getMetadata().getUid());
        live.getMetadata().setAnnotations(annotations);
        live.setData(data);
        try {
            typed.update(live);
        } catch (ApiException e) {
            if (!e.isConflict() && !e.isNotFound()) {
                throw e; // a conflict or a deletion brings its own event
            }
        }
    }

    /** A deleted token Secret leaves its service account's secrets list. */
    private void removeReference(SecretKey key) {
        var typed = client.typed(Resources.SERVICE_ACCOUNTS, ServiceAccount.class);
        for (int attempt = 0; attempt < 5; attempt++) {
            ServiceAccount live;
            try {
                live = typed.get(key.namespace(), key.accountName());
            } catch (ApiException e) {
                if (e.isNotFound()) {
                    return;
                }
                throw e;
            }
            if (!uidMatches(key.accountUid(), live.getMetadata().getUid()) || live.getSecrets() == null
                    || live.getSecrets().stream().noneMatch(ref -> key.name().equals(ref.getName()))) {
                return;
            }
            List<ObjectReference> kept = live.getSecrets().stream().filter(ref -> !key.name().equals(ref.getName())).toList();
            live.setSecrets(new java.util.ArrayList<>(kept));
            try {
                typed.update(live);
                return;
            } catch (ApiException e) {
                if (e.isNotFound()) {
                    return;
                }
                if (!e.isConflict()) {
                    throw e;
                }
            }
        }
    }

    private static Map<String, String> annotations(Secret secret) {
        Map<String, String> annotations = secret.getMetadata().getAnnotations();
        return annotations == null ? Map.of() : annotations;
    }

    private static byte[] decoded(String value) {
        if (value == null || value.isEmpty()) {
            return new byte[0];
        }
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }
}
