package dev.kj.apiserver.admission.serviceaccount;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.admission.Attributes;
import dev.kj.apiserver.admission.MutatingAdmission;
import dev.kj.apiserver.admission.ValidatingAdmission;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Upstream's ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount) for pod creates:
 * an unset spec.serviceAccountName becomes {@code default}; the account must exist (the default one
 * is looked for about a second and a half, as the serviceaccount controller may be creating it);
 * unless the pod or its account turns automounting off, every container and init container mounts a
 * projected {@code kube-api-access-xxxxx} volume (a bound token, the cluster CA from
 * kube-root-ca.crt and the namespace) read-only at {@value #TOKEN_MOUNT_PATH}; a pod without
 * imagePullSecrets gets its account's; an account annotated
 * {@code kubernetes.io/enforce-mountable-secrets: "true"} refuses pods naming secrets it does not
 * list. Mirror pods are left unchanged but may reference neither accounts, secrets nor tokens.
 */
public final class ServiceAccountAdmission implements MutatingAdmission, ValidatingAdmission {
    public static final String NAME = "ServiceAccount";
    public static final String DEFAULT_SERVICE_ACCOUNT = "default";
    public static final String ENFORCE_MOUNTABLE_SECRETS = "kubernetes.io/enforce-mountable-secrets";
    public static final String VOLUME_PREFIX = "kube-api-access-";
    public static final String TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
    /** upstream's WarnOnlyBoundTokenExpirationSeconds: an hour and seven seconds, so the odd value shows in audits. */
    public static final int TOKEN_EXPIRATION_SECONDS = 3607;
    static final String MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";
    private static final String NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
    /** Lookups of the default account before giving up (the controller creates it in new namespaces). */
    static final int DEFAULT_ACCOUNT_ATTEMPTS = 10;

    /** Reads a service account from storage; empty when it does not exist. */
    @FunctionalInterface
    public interface ServiceAccounts {
        Optional<ObjectNode> get(String namespace, String name);
    }

    /** How the plugin waits between lookups (tests count instead of sleeping). */
    @FunctionalInterface
    interface Pause {
        void pause(long millis);
    }

    private final ServiceAccounts accounts;
    private final Supplier<String> volumeSuffix;
    private final Pause pause;

    public ServiceAccountAdmission(ServiceAccounts accounts) {
        this(accounts, randomSuffix(new SecureRandom()), ServiceAccountAdmission::sleep);
    }

    ServiceAccountAdmission(ServiceAccounts accounts, Supplier<String> volumeSuffix, Pause pause) {
        this.accounts = accounts;
        this.volumeSuffix = volumeSuffix;
        this.pause = pause;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<Attributes.Operation> operations() {
        return Set.of(Attributes.Operation.CREATE);
    }

    @Override
    public void admit(Attributes attributes) {
        if (ignored(attributes)) {
            return;
        }
        ObjectNode pod = attributes.object();
        if (isMirrorPod(pod)) {
            validate(attributes);
            return;
        }
        if (!(pod.get("spec") instanceof ObjectNode spec)) {
            return; // validation refuses a pod without a spec
        }
        if (spec.path("serviceAccountName").asText("").isEmpty()) {
            // the deprecated spec.serviceAccount names the account when serviceAccountName does not (v1 conversion)
            String deprecated = spec.path("serviceAccount").asText("");
            spec.put("serviceAccountName", deprecated.isEmpty() ? DEFAULT_SERVICE_ACCOUNT : deprecated);
        }
        // v1 pods always carry the deprecated alias equal to serviceAccountName, as upstream converts them
        spec.put("serviceAccount", spec.path("serviceAccountName").asText());
        ObjectNode account = lookUp(attributes, spec.path("serviceAccountName").asText());
        if (automount(account, spec)) {
            mountToken(spec);
        }
        if (spec.path("imagePullSecrets").isEmpty() && !account.path("imagePullSecrets").isEmpty()) {
            ArrayNode pullSecrets = spec.putArray("imagePullSecrets");
            for (JsonNode reference : account.path("imagePullSecrets")) {
                pullSecrets.addObject().put("name", reference.path("name").asText(""));
            }
        }
        validate(attributes);
    }

    @Override
    public void validate(Attributes attributes) {
        if (ignored(attributes)) {
            return;
        }
        ObjectNode pod = attributes.object();
        JsonNode spec = pod.path("spec");
        if (isMirrorPod(pod)) {
            if (!spec.path("serviceAccountName").asText("").isEmpty()) {
                throw attributes.forbidden("a mirror pod may not reference service accounts");
            }
            if (!PodSecrets.names(spec).isEmpty()) {
                throw attributes.forbidden("a mirror pod may not reference secrets");
            }
            for (JsonNode volume : spec.path("volumes")) {
                for (JsonNode source : volume.path("projected").path("sources")) {
                    if (source.has("serviceAccountToken")) {
                        throw attributes.forbidden("a mirror pod may not use ServiceAccountToken volume projections");
                    }
                }
            }
            return;
        }
        ObjectNode account = lookUp(attributes, spec.path("serviceAccountName").asText(""));
        if (enforcesMountableSecrets(account)) {
            limitSecretReferences(attributes, account, spec);
        }
    }

    private static boolean ignored(Attributes attributes) {
        return !attributes.isResource("", "pods") || attributes.object() == null;
    }

    private static boolean isMirrorPod(JsonNode pod) {
        return pod.path("metadata").path("annotations").has(MIRROR_POD_ANNOTATION);
    }

    /**
     * The account, looked up live; the default account is looked for several times, 100 to 200 ms
     * apart, since a namespace just created gets it from the controller a moment later.
     */
    private ObjectNode lookUp(Attributes attributes, String name) {
        String namespace = attributes.namespace();
        int attempts = name.equals(DEFAULT_SERVICE_ACCOUNT) ? DEFAULT_ACCOUNT_ATTEMPTS : 1;
        long interval = 100 + ThreadLocalRandom.current().nextLong(100);
        for (int attempt = 0; attempt < attempts; attempt++) {
            if (attempt > 0) {
                pause.pause(interval);
            }
            Optional<ObjectNode> account = accounts.get(namespace, name);
            if (account.isPresent()) {
                return account.get();
            }
        }
        throw attributes.forbidden("error looking up service account " + namespace + "/" + name
                + ": serviceaccount \"" + name + "\" not found");
    }

    /** The pod's automountServiceAccountToken wins, then the account's; true when neither says. */
    private static boolean automount(JsonNode account, JsonNode spec) {
        if (spec.path("automountServiceAccountToken").isBoolean()) {
            return spec.path("automountServiceAccountToken").asBoolean();
        }
        if (account.path("automountServiceAccountToken").isBoolean()) {
            return account.path("automountServiceAccountToken").asBoolean();
        }
        return true;
    }

    private static boolean enforcesMountableSecrets(JsonNode account) {
        JsonNode value = account.path("metadata").path("annotations").path(ENFORCE_MOUNTABLE_SECRETS);
        return value.isTextual() && GoBool.parse(value.asText());
    }

    private static void limitSecretReferences(Attributes attributes, JsonNode account, JsonNode spec) {
        String accountName = account.path("metadata").path("name").asText("");
        Set<String> mountable = names(account.path("secrets"));
        for (JsonNode volume : spec.path("volumes")) {
            JsonNode secret = volume.path("secret");
            if (secret.isObject()) {
                String secretName = secret.path("secretName").asText("");
                if (!mountable.contains(secretName)) {
                    throw attributes.forbidden("volume with secret.secretName=\"" + secretName + "\" is not allowed"
                            + " because service account " + accountName + " does not reference that secret");
                }
            }
        }
        checkEnv(attributes, spec.path("initContainers"), "init container", mountable, accountName);
        checkEnv(attributes, spec.path("containers"), "container", mountable, accountName);
        Set<String> pullSecrets = names(account.path("imagePullSecrets"));
        int i = 0;
        for (JsonNode reference : spec.path("imagePullSecrets")) {
            String pullSecret = reference.path("name").asText("");
            if (!pullSecrets.contains(pullSecret)) {
                throw attributes.forbidden("imagePullSecrets[" + i + "].name=\"" + pullSecret + "\" is not allowed"
                        + " because service account " + accountName + " does not reference that imagePullSecret");
            }
            i++;
        }
    }

    private static void checkEnv(Attributes attributes, JsonNode containers, String what, Set<String> mountable,
                                 String accountName) {
        for (JsonNode container : containers) {
            for (JsonNode env : container.path("env")) {
                JsonNode reference = env.path("valueFrom").path("secretKeyRef");
                if (reference.isObject() && !mountable.contains(reference.path("name").asText(""))) {
                    throw attributes.forbidden(what + " " + container.path("name").asText("") + " with envVar "
                            + env.path("name").asText("") + " referencing secret.secretName=\""
                            + reference.path("name").asText("") + "\" is not allowed because service account "
                            + accountName + " does not reference that secret");
                }
            }
        }
    }

    private static Set<String> names(JsonNode references) {
        Set<String> names = new HashSet<>();
        references.forEach(reference -> names.add(reference.path("name").asText("")));
        return names;
    }

    /**
     * Mounts the token volume in every container (init containers first) that has nothing at the
     * mount path yet, reusing a {@code kube-api-access-} volume the pod already has.
     */
    private void mountToken(ObjectNode spec) {
        String volumeName = null;
        for (JsonNode volume : spec.path("volumes")) {
            if (volume.path("name").asText("").startsWith(VOLUME_PREFIX)) {
                volumeName = volume.path("name").asText();
                break;
            }
        }
        boolean hasVolume = volumeName != null;
        if (volumeName == null) {
            volumeName = VOLUME_PREFIX + volumeSuffix.get();
        }
        boolean needed = false;
        for (String containers : List.of("initContainers", "containers")) {
            for (JsonNode node : spec.path(containers)) {
                ObjectNode container = (ObjectNode) node;
                boolean mounted = false;
                for (JsonNode mount : container.path("volumeMounts")) {
                    if (mount.path("mountPath").asText("").equals(TOKEN_MOUNT_PATH)) {
                        mounted = true;
                        break;
                    }
                }
                if (!mounted) {
                    ObjectNode mount = container.withArrayProperty("volumeMounts").addObject();
                    mount.put("name", volumeName);
                    mount.put("readOnly", true);
                    mount.put("mountPath", TOKEN_MOUNT_PATH);
                    needed = true;
                }
            }
        }
        if (!hasVolume && needed) {
            ObjectNode volume = spec.withArrayProperty("volumes").addObject();
            volume.put("name", volumeName);
            volume.set("projected", tokenVolumeSource(spec));
        }
    }

    /** upstream's TokenVolumeSource: token, ca.crt and namespace, mode 0644 set explicitly. */
    static ObjectNode tokenVolumeSource(ObjectNode anyNode) {
        ObjectNode projected = anyNode.objectNode();
        ArrayNode sources = projected.putArray("sources");
        sources.addObject().putObject("serviceAccountToken")
                .put("expirationSeconds", TOKEN_EXPIRATION_SECONDS).put("path", "token");
        ObjectNode configMap = sources.addObject().putObject("configMap");
        configMap.put("name", "kube-root-ca.crt");
        configMap.putArray("items").addObject().put("key", "ca.crt").put("path", "ca.crt");
        ObjectNode item = sources.addObject().putObject("downwardAPI").putArray("items").addObject();
        item.put("path", "namespace");
        item.putObject("fieldRef").put("apiVersion", "v1").put("fieldPath", "metadata.namespace");
        projected.put("defaultMode", 420);
        return projected;
    }

    private static Supplier<String> randomSuffix(SecureRandom random) {
        return () -> {
            StringBuilder suffix = new StringBuilder(5);
            for (int i = 0; i < 5; i++) {
                suffix.append(NAME_ALPHABET.charAt(random.nextInt(NAME_ALPHABET.length())));
            }
            return suffix.toString();
        };
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a service account", e);
        }
    }
}
