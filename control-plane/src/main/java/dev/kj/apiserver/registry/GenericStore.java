package dev.kj.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.errors.StatusException;
import dev.kj.apiserver.errors.StatusException.Cause;
import dev.kj.apiserver.fieldmanager.FieldManager;
import dev.kj.apiserver.fieldmanager.Versions;
import dev.kj.apiserver.fieldmanager.FieldSet;
import dev.kj.apiserver.fieldmanager.ManagedFields.Manager;
import dev.kj.apiserver.fieldmanager.ManagedFields.Operation;
import dev.kj.apiserver.patch.strategic.StrategicMergePatch;
import dev.kj.apiserver.schema.Type;
import dev.kj.apiserver.schema.TypeModel;
import dev.kj.apiserver.storage.Freshness;
import dev.kj.apiserver.storage.ListPage;
import dev.kj.apiserver.storage.ListRequest;
import dev.kj.apiserver.storage.Selection;
import dev.kj.apiserver.storage.Storage;
import dev.kj.apiserver.storage.StorageEvent;
import dev.kj.apiserver.storage.StorageException;
import dev.kj.apiserver.storage.StoredValue;
import dev.kj.apiserver.storage.Watch;
import dev.kj.apiserver.storage.WatchRequest;
import dev.kj.apiserver.validation.BuiltInRules;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.KindRules;
import dev.kj.apiserver.validation.Metadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The one store every resource goes through (upstream's generic registry Store): keys, system
 * metadata, resourceVersion preconditions, generateName, list paging and watch filtering live here;
 * what differs per resource comes from its {@link ResourceDescription} and {@link Strategy}.
 *
 * <p>Objects are stored as JSON without metadata.resourceVersion; reads fill it in from the key's
 * mod_revision, as upstream's etcd3 store does.
 */
public final class GenericStore {
    /** A generateName that collides is retried with a fresh suffix (upstream's RetryGenerateName). */
    private static final int GENERATE_NAME_ATTEMPTS = 8;
    private static final String NAME_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
    private static final int UNCONDITIONAL_RETRIES = 16;

    private final ResourceDescription resource;
    private final Storage storage;
    private final ObjectMapper json;
    private final Clock clock;
    private final NamespaceLookup namespaces;
    private final SecureRandom random = new SecureRandom();

    /** A namespace as creates see it: no creates in a missing or terminating namespace. */
    public enum NamespaceState { ABSENT, ACTIVE, TERMINATING }

    @FunctionalInterface
    public interface NamespaceLookup {
        NamespaceState state(String namespace);
    }

    /**
     * A delete that begins with a stage of the resource's own, as upstream's namespace REST wraps the
     * generic store's delete: namespaces are first marked Terminating and stay until their
     * spec.finalizers are done.
     */
    @FunctionalInterface
    public interface DeleteStage {
        /** The result when the stage answers the delete itself; empty to go on with the generic delete. */
        Optional<DeleteResult> delete(GenericStore store, String namespace, String name, DeleteOptions options);

        DeleteStage NONE = (store, namespace, name, options) -> Optional.empty();
    }

    /**
     * Work around writes that claims or frees something outside the object (upstream's BeginCreate,
     * BeginUpdate and AfterDelete; a Service's cluster IP and node ports). {@code before*} runs after
     * the strategy prepared the object and may change it; the returned {@link Outcome} hears whether
     * the write was stored, so what was claimed for a failed write is given back.
     */
    public interface WriteHook {
        Outcome beforeCreate(ObjectNode object, boolean dryRun);

        Outcome beforeUpdate(ObjectNode object, ObjectNode old, boolean dryRun);

        /**
         * Before a subresource write (e.g. "status"), with {@code object} as the subresource's
         * strategy made it; throws to refuse. The main object's hooks do not run for these writes.
         */
        default void beforeSubresourceUpdate(String subresource, ObjectNode object, ObjectNode old) {
        }

        /** After the object was removed from storage (not called for dry runs or failed deletes). */
        void afterDelete(ObjectNode object);

        @FunctionalInterface
        interface Outcome {
            void written(boolean stored);

            Outcome NOTHING = stored -> { };
        }

        WriteHook NONE = new WriteHook() {
            @Override
            public Outcome beforeCreate(ObjectNode object, boolean dryRun) {
                return Outcome.NOTHING;
            }

            @Override
            public Outcome beforeUpdate(ObjectNode object, ObjectNode old, boolean dryRun) {
                return Outcome.NOTHING;
            }

            @Override
            public void afterDelete(ObjectNode object) {
            }
        };
    }

    private final DeleteStage deleteStage;
    private final WriteHook writeHook;
    private final boolean garbageCollection;
    private final dev.kj.apiserver.storage.LeaseReuse leases;
    /** The kind in the versions managedFields entries may be in (empty: no field manager). */
    private final Optional<Versions> fieldVersions;
    /** The kind's defaulting and validation (upstream's SetDefaults_* and ValidateX). */
    private final KindRules rules;
    private final dev.kj.apiserver.admission.Admission admission;

    /**
     * Decoded objects of recent watch events: the watch cache gives every watcher the same event
     * and stored value instances, so each is decoded once however many watch it. The objects are
     * shared by the watches' events and never modified.
     */
    private final IdentityMemo<StoredValue, ObjectNode> watchDecoded = new IdentityMemo<>(32);
    private final IdentityMemo<StorageEvent.Delete, ObjectNode> watchDeleted = new IdentityMemo<>(8);

    /** A store that sets the garbage collector's finalizers on deletes (upstream's default) and has no delete stage. */
    public GenericStore(ResourceDescription resource, Storage storage, ObjectMapper json, Clock clock,
                        NamespaceLookup namespaces) {
        this(resource, storage, json, clock, namespaces, DeleteStage.NONE, WriteHook.NONE, true);
    }

    /**
     * @param garbageCollection whether deletes set the {@code orphan} and {@code foregroundDeletion}
     *                          finalizers that carry out propagationPolicy (upstream's
     *                          --enable-garbage-collector): only when a garbage collector removes them
     */
    public GenericStore(ResourceDescription resource, Storage storage, ObjectMapper json, Clock clock,
                        NamespaceLookup namespaces, DeleteStage deleteStage, WriteHook writeHook,
                        boolean garbageCollection) {
        this(resource, storage, json, clock, namespaces, deleteStage, writeHook, garbageCollection,
                dev.kj.apiserver.admission.Admission.NONE);
    }

    /** @param admission the admission chain creates go through (mutating after defaulting, validating before storage) */
    public GenericStore(ResourceDescription resource, Storage storage, ObjectMapper json, Clock clock,
                        NamespaceLookup namespaces, DeleteStage deleteStage, WriteHook writeHook,
                        boolean garbageCollection, dev.kj.apiserver.admission.Admission admission) {
        this.admission = admission;
        this.writeHook = writeHook;
        this.resource = resource;
        this.storage = storage;
        this.json = json;
        this.clock = clock;
        this.namespaces = namespaces;
        this.deleteStage = deleteStage;
        this.garbageCollection = garbageCollection;
        this.leases = new dev.kj.apiserver.storage.LeaseReuse(storage, clock);
        this.rules = BuiltInRules.forKind(resource.group(), resource.kind());
        this.fieldVersions = versionsOf(resource.kind(), resource.apiVersion(), resource.storageVersion());
    }

    /** The lease a write of this resource attaches (0 for resources that live until deleted). */
    private long lease() {
        java.time.Duration ttl = resource.strategy().timeToLive();
        return ttl.isZero() ? 0 : leases.leaseFor(ttl);
    }

    public ResourceDescription resource() {
        return resource;
    }

    public ObjectNode get(String namespace, String name) {
        return decode(read(namespace, name));
    }

    /**
     * A get at {@code resourceVersion}: "0" (any version) is answered from the watch cache when it
     * holds the object, as upstream's; "" and exact versions read etcd (a consistent read is never
     * older than a version asked for).
     */
    public ObjectNode get(String namespace, String name, String resourceVersion) {
        if (resourceVersion.equals("0")) {
            Optional<StoredValue> cached = storage.cached(resource.key(namespace, name));
            if (cached.isPresent()) {
                return decode(cached.get());
            }
        }
        return get(namespace, name);
    }

    /** The stored object in the storage version, as strategies see it (for subresources such as binding). */
    public ObjectNode getStored(String namespace, String name) {
        return load(read(namespace, name));
    }

    // ---- create ----

    public ObjectNode create(String namespace, ObjectNode body, boolean dryRun) {
        return create(namespace, body, dryRun, null);
    }

    /** A create on behalf of {@code requester} (null when unknown), which some strategies record. */
    public ObjectNode create(String namespace, ObjectNode body, boolean dryRun, dev.kj.apiserver.authn.User requester) {
        return create(namespace, body, dryRun, requester, (String) null);
    }

    /** A create recorded in managedFields as an Update by {@code manager} (null: nothing recorded). */
    public ObjectNode create(String namespace, ObjectNode body, boolean dryRun, dev.kj.apiserver.authn.User requester,
                             String manager) {
        return create(namespace, body, dryRun, requester,
                updatedBy(manager, Part.MAIN, body.path("metadata").path("managedFields")));
    }

    private ObjectNode create(String namespace, ObjectNode body, boolean dryRun, dev.kj.apiserver.authn.User requester,
                              Ownership ownership) {
        checkKind(body);
        ObjectNode object = toStorage(body.deepCopy());
        ObjectNode meta = metadata(object);
        String generateName = meta.path("generateName").asText("");
        if (resource.namespaced()) { // upstream's NamespaceLifecycle admission, which runs before the store
            switch (namespaces.state(namespace)) {
                case ABSENT -> throw StatusException.notFound("namespaces", "", "namespaces", namespace);
                case TERMINATING -> {
                    // upstream's NamespaceLifecycle admission: the name (or generateName) the request carries
                    String named = !meta.path("name").asText("").isEmpty() ? meta.path("name").asText()
                            : !generateName.isEmpty() ? generateName : "Unknown";
                    throw StatusException.forbidden(resource.qualifiedResource(), resource.group(), resource.plural(),
                            named, "unable to create new content in namespace " + namespace + " because it is being"
                                    + " terminated", List.of(new Cause("NamespaceTerminating", "namespace " + namespace
                                    + " is being terminated", "metadata.namespace")));
                }
                case ACTIVE -> {
                }
            }
        }
        if (meta.path("name").asText("").isEmpty() && generateName.isEmpty()) {
            throw invalid(object, List.of(required("metadata.name", "name or generateName is required")));
        }
        placeInNamespace(object, namespace);
        meta.put("uid", UUID.randomUUID().toString());
        meta.put("creationTimestamp", now());
        meta.remove(List.of("resourceVersion", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds",
                "managedFields", "generation"));
        if (resource.strategy().tracksGeneration()) {
            meta.put("generation", 1);
        }
        if (resource.statusSubresource()) {
            object.putObject("status"); // status is the controllers' to write, through status
        }
        rules.setDefaults(object);
        dev.kj.apiserver.admission.Attributes admitted = new dev.kj.apiserver.admission.Attributes(
                dev.kj.apiserver.admission.Attributes.Operation.CREATE, resource.group(), resource.plural(), "",
                namespace, meta.path("name").asText(""), object, null, requester, dryRun);
        admission.admit(admitted);
        resource.strategy().prepareForCreate(object, requester);
        setManagedFields(meta, ownership.managedFields(null, object));
        boolean generated = meta.path("name").asText("").isEmpty();
        WriteHook.Outcome outcome = writeHook.beforeCreate(object, dryRun);
        boolean stored = false;
        try {
            ObjectNode created = createNamed(namespace, object, meta, generated, generateName, dryRun, admitted);
            stored = true;
            return created;
        } finally {
            outcome.written(stored);
        }
    }

    private ObjectNode createNamed(String namespace, ObjectNode object, ObjectNode meta, boolean generated,
                                   String generateName, boolean dryRun, dev.kj.apiserver.admission.Attributes admitted) {
        for (int attempt = 1; ; attempt++) {
            if (generated) {
                meta.put("name", generateName + randomSuffix());
            }
            rules.completeCreate(object);
            validate(object, true);
            admission.validate(admitted);
            String name = meta.get("name").asText();
            if (dryRun) {
                if (storage.get(resource.key(namespace, name)).isPresent()) {
                    throw alreadyExists(name);
                }
                return fromStorage(object);
            }
            try {
                long revision = storage.create(resource.key(namespace, name), encode(object), lease());
                meta.put("resourceVersion", Long.toString(revision));
                return fromStorage(object);
            } catch (StorageException e) {
                if (e.kind() == StorageException.Kind.KEY_EXISTS) {
                    if (generated && attempt < GENERATE_NAME_ATTEMPTS) {
                        continue;
                    }
                    throw alreadyExists(name);
                }
                throw translate(e, name);
            }
        }
    }

    // ---- update and patch ----

    /** Which part of an object a write addresses: the resource itself or one of its subresources. */
    public enum Part {
        MAIN(null), STATUS(Subresource.STATUS), APPROVAL(Subresource.APPROVAL), FINALIZE(Subresource.FINALIZE);

        private final Subresource subresource;

        Part(Subresource subresource) {
            this.subresource = subresource;
        }
    }

    /** A PUT: replaces the object, guarded by its resourceVersion when the body carries one. */
    public ObjectNode update(String namespace, String name, ObjectNode body, boolean dryRun) {
        return update(namespace, name, Part.MAIN, body, dryRun);
    }

    public ObjectNode update(String namespace, String name, Part part, ObjectNode body, boolean dryRun) {
        return update(namespace, name, part, body, dryRun, (String) null);
    }

    /** An update recorded in managedFields as an Update by {@code manager} (null: nothing recorded). */
    public ObjectNode update(String namespace, String name, Part part, ObjectNode body, boolean dryRun, String manager) {
        return update(namespace, name, part, body, dryRun,
                updatedBy(manager, part, subresourceName(part), body.path("metadata").path("managedFields")));
    }

    /**
     * An update made through {@code <name>/scale} (the object with the Scale's spec.replicas put in):
     * the main resource's rules, the Update recorded with subresource "scale" as upstream's scale
     * handler records it (its fields are the object's, spec.replicas).
     */
    public ObjectNode updateThroughScale(String namespace, String name, ObjectNode body, boolean dryRun, String manager) {
        return update(namespace, name, Part.MAIN, body, dryRun, updatedBy(manager, Part.MAIN,
                Subresource.SCALE.path(), body.path("metadata").path("managedFields")));
    }

    private ObjectNode update(String namespace, String name, Part part, ObjectNode body, boolean dryRun,
                              Ownership ownership) {
        checkKind(body);
        ObjectNode object = toStorage(body.deepCopy());
        ObjectNode meta = metadata(object);
        String bodyName = meta.path("name").asText("");
        if (!bodyName.equals(name)) {
            throw StatusException.badRequest("the name of the object (" + bodyName
                    + ") does not match the name on the URL (" + name + ")");
        }
        placeInNamespace(object, namespace);
        Optional<StoredValue> cached = dryRun ? Optional.empty() : storage.cached(resource.key(namespace, name));
        if (cached.isPresent()) {
            try {
                return fromStorage(update(namespace, name, cached.get(), object, part, false, ownership, false));
            } catch (StaleRead | StatusException e) {
                // refused or not written on a cached value, which may be behind etcd's (a conflict, or
                // a decision on an old state): decide again on etcd's value, as upstream does, from the
                // body again (the attempt changed its copy)
                object = toStorage(body.deepCopy());
                placeInNamespace(object, namespace);
            }
        }
        return fromStorage(update(namespace, name, read(namespace, name), object, part, dryRun, ownership, true));
    }

    /** An update's own precondition and write over {@code current}; {@code verified}: current was read from etcd. */
    private ObjectNode update(String namespace, String name, StoredValue current, ObjectNode object, Part part,
                              boolean dryRun, Ownership ownership, boolean verified) {
        String requested = metadata(object).path("resourceVersion").asText("");
        if (!requested.isEmpty() && !requested.equals(Long.toString(current.modRevision()))) {
            throw StatusException.conflict(resource.qualifiedResource(), resource.group(), resource.plural(), name,
                    StatusException.MODIFIED);
        }
        return write(namespace, name, current, object, part, dryRun, ownership, verified);
    }

    /** An update decided on a cached value that etcd must confirm: it would have changed nothing. */
    private static final class StaleRead extends RuntimeException {
        StaleRead() {
            super(null, null, false, false);
        }
    }

    /** The patch types served so far (server-side apply is not yet), by their media types. */
    public enum PatchType {
        JSON_PATCH("application/json-patch+json"),
        MERGE_PATCH("application/merge-patch+json"),
        STRATEGIC_MERGE_PATCH("application/strategic-merge-patch+json");

        private final String mediaType;

        PatchType(String mediaType) {
            this.mediaType = mediaType;
        }

        public String mediaType() {
            return mediaType;
        }

        /** What a patch of this type makes of {@code target}, an object of {@code type} when the kind has one. */
        public JsonNode apply(ObjectNode target, JsonNode patch, Optional<Type> type) {
            return switch (this) {
                case JSON_PATCH -> dev.kj.apiserver.patch.JsonPatch.apply(target, patch);
                case MERGE_PATCH -> dev.kj.apiserver.patch.MergePatch.apply(target, patch);
                case STRATEGIC_MERGE_PATCH -> StrategicMergePatch.apply(target, patch,
                        type.orElseThrow(() -> new IllegalStateException("strategic merge patch of a kind without a type")));
            };
        }

        /**
         * The patch types of an endpoint whose kind has {@code type}: strategic merge needs the
         * kind's patch facts, so kinds without a type in kj's model (upstream: without a Go type,
         * as custom resources) take JSON and merge patches only.
         */
        public static List<PatchType> acceptedFor(Optional<Type> type) {
            return type.isPresent() ? List.of(values()) : List.of(JSON_PATCH, MERGE_PATCH);
        }
    }

    /** The kind's type in kj's model (the served version's), when it has one. */
    public Optional<Type> type() {
        return TypeModel.get().kind(resource.apiVersion(), resource.kind());
    }

    public ObjectNode patch(String namespace, String name, PatchType type, JsonNode patch, boolean dryRun) {
        return patch(namespace, name, Part.MAIN, type, patch, dryRun);
    }

    public ObjectNode patch(String namespace, String name, Part part, PatchType type, JsonNode patch, boolean dryRun) {
        return patch(namespace, name, part, type, patch, dryRun, UnaryOperator.identity());
    }

    /**
     * A patch whose result first goes through {@code decode}, as upstream decodes the patched JSON
     * into its Go type (dropping unknown fields, or refusing them under fieldValidation=Strict).
     */
    public ObjectNode patch(String namespace, String name, Part part, PatchType type, JsonNode patch, boolean dryRun,
                            UnaryOperator<ObjectNode> decode) {
        return patch(namespace, name, part, type, patch, dryRun, decode, null);
    }

    /** A patch recorded in managedFields as an Update by {@code manager} (null: nothing recorded). */
    public ObjectNode patch(String namespace, String name, Part part, PatchType type, JsonNode patch, boolean dryRun,
                            UnaryOperator<ObjectNode> decode, String manager) {
        // the first attempt starts from the watch cache's copy, as updates do (see update)
        StoredValue hint = dryRun ? null : storage.cached(resource.key(namespace, name)).orElse(null);
        for (int attempt = 0; ; attempt++) {
            boolean verified = hint == null;
            StoredValue current = verified ? read(namespace, name) : hint;
            hint = null;
            boolean preconditionFailed = false;
            try {
                ObjectNode old = decode(current);
                JsonNode patched = type.apply(old, patch, type());
                if (!(patched instanceof ObjectNode patchedObject)) {
                    throw StatusException.badRequest("the patch does not leave an object");
                }
                ObjectNode object = decode.apply(patchedObject);
                checkKind(object);
                String patchedName = metadata(object).path("name").asText("");
                if (!patchedName.equals(name)) {
                    throw StatusException.badRequest("the name of the object (" + patchedName
                            + ") does not match the name on the URL (" + name + ")");
                }
                placeInNamespace(object, namespace);
                // A patch that sets resourceVersion asks for that precondition; otherwise it applies to
                // whatever is current, retrying when another write slips in.
                String requested = metadata(object).path("resourceVersion").asText("");
                boolean conditional = !requested.equals(Long.toString(current.modRevision()));
                if (conditional && !requested.isEmpty()) {
                    preconditionFailed = true;
                    throw StatusException.conflict(resource.qualifiedResource(), resource.group(), resource.plural(), name,
                            StatusException.MODIFIED);
                }
                return fromStorage(write(namespace, name, current, toStorage(object), part, dryRun,
                        updatedBy(manager, part, object.path("metadata").path("managedFields")), verified));
            } catch (StaleRead | StatusException e) {
                if (!verified) {
                    continue; // refused or unchanged on the cache's copy, which may be behind: decide on etcd's
                }
                if (e instanceof StatusException status && !preconditionFailed && status.code() == 409
                        && "Conflict".equals(status.reason()) && attempt < UNCONDITIONAL_RETRIES
                        && patch.path("metadata").path("resourceVersion").isMissingNode()) {
                    continue;
                }
                throw e;
            }
        }
    }

    // ---- server-side apply and managedFields ----

    /** What an apply did: the object (served version) and whether the apply created it (201). */
    public record Applied(ObjectNode object, boolean created) {
    }

    /**
     * A server-side apply of {@code config} (the served version, already decoded) by
     * {@code manager}: creates the object when it does not exist (the main resource only), else
     * merges it into the stored one, 409 on conflicts with other managers unless {@code force}.
     */
    public Applied apply(String namespace, String name, Part part, ObjectNode config, String manager, boolean force,
                         boolean dryRun) {
        checkKind(config);
        JsonNode configMeta = config.path("metadata");
        if (configMeta.has("managedFields") && !configMeta.get("managedFields").isNull()) {
            throw StatusException.badRequest("metadata.managedFields must be nil");
        }
        String configName = configMeta.path("name").asText("");
        if (!configName.equals(name)) {
            throw StatusException.badRequest("the name of the object (" + configName
                    + ") does not match the name on the URL (" + name + ")");
        }
        placeInNamespace(config, namespace);
        Optional<FieldManager> fields = fieldManager(part);
        if (fields.isEmpty()) {
            throw StatusException.unsupportedMediaType("application/json-patch+json, application/merge-patch+json");
        }
        Manager applier = new Manager(manager, Operation.Apply, "", subresourceName(part));
        for (int attempt = 0; ; attempt++) {
            Optional<StoredValue> current;
            try {
                current = storage.get(resource.key(namespace, name));
            } catch (StorageException e) {
                throw translate(e, name);
            }
            if (current.isEmpty()) {
                if (part != Part.MAIN) {
                    throw StatusException.notFound(resource.qualifiedResource(), resource.group(), resource.plural(), name);
                }
                ObjectNode merged = applied(fields.get().apply(null, config, applier, force, now()));
                JsonNode managedFields = merged.path("metadata").path("managedFields");
                try {
                    return new Applied(create(namespace, fromStorage(merged), dryRun, null,
                            (old, object) -> managedFields), true);
                } catch (StatusException e) {
                    if (e.code() == 409 && "AlreadyExists".equals(e.reason()) && attempt < UNCONDITIONAL_RETRIES) {
                        continue; // created meanwhile: apply to it
                    }
                    throw e;
                }
            }
            ObjectNode live = load(current.get());
            ObjectNode merged = applied(fields.get().apply(live, config, applier, force, now()));
            JsonNode managedFields = merged.path("metadata").path("managedFields");
            try {
                return new Applied(fromStorage(write(namespace, name, current.get(), merged, part, dryRun,
                        (old, object) -> managedFields)), false);
            } catch (StatusException e) {
                if (e.code() == 409 && "Conflict".equals(e.reason()) && attempt < UNCONDITIONAL_RETRIES) {
                    continue;
                }
                throw e;
            }
        }
    }

    private ObjectNode applied(FieldManager.Applied outcome) {
        return switch (outcome) {
            case FieldManager.Merged(ObjectNode object) -> object;
            case FieldManager.Conflicts conflicts -> throw StatusException.applyConflict(conflicts.message(),
                    conflicts.conflicts().stream().map(c -> new Cause("FieldManagerConflict",
                            "conflict with " + c.manager().describe(), FieldSet.print(c.path()))).toList());
        };
    }

    /** How a write's managedFields come about: computed from the old (null on create) and new object; null keeps the old ones. */
    @FunctionalInterface
    private interface Ownership {
        JsonNode managedFields(ObjectNode old, ObjectNode object);

        Ownership KEEP = (old, object) -> null;
    }

    /** An Update by {@code manager} (nothing recorded when null or the kind is not in the type model). */
    private Ownership updatedBy(String manager, Part part, JsonNode sent) {
        return updatedBy(manager, part, subresourceName(part), sent);
    }

    /** {@code subresource}: what the entry records (a scale write goes through the main part). */
    private Ownership updatedBy(String manager, Part part, String subresource, JsonNode sent) {
        if (manager == null) {
            return Ownership.KEEP;
        }
        return (old, object) -> fieldManager(part)
                .<JsonNode>map(fields -> fields.update(old, object, sent, new Manager(manager, Operation.Update,
                        fields.apiVersion(), subresource), now()))
                .orElse(null);
    }

    /**
     * The field manager of this store's requests: entries record the served version, and the
     * kind is seen in every version the store converts between (served, storage and those it
     * reads), status left to /status where that exists. Empty when the type model lacks the kind.
     */
    private Optional<FieldManager> fieldManager(Part part) {
        FieldSet ignored = part == Part.MAIN && resource.statusSubresource()
                ? FieldSet.of(List.of(List.of("f:status"))) : FieldSet.EMPTY;
        return fieldVersions.map(versions -> new FieldManager(versions, resource.apiVersion(), ignored));
    }


    /** A kind's versions as its storage version sees them; empty when the type model lacks the served one. */
    static Optional<Versions> versionsOf(String kind, String served, StorageVersion storedAs) {
        Optional<Type> servedType = TypeModel.get().kind(served, kind);
        if (servedType.isEmpty()) {
            return Optional.empty();
        }
        if (storedAs == null) {
            return Optional.of(Versions.single(served, servedType.get()));
        }
        Optional<Type> storedType = TypeModel.get().kind(storedAs.apiVersion(), kind);
        if (storedType.isEmpty()) {
            return Optional.empty(); // stored objects the model cannot walk: no ownership recorded
        }
        Map<String, Versions.View> views = new java.util.HashMap<>();
        views.put(storedAs.apiVersion(), Versions.View.identity(storedAs.apiVersion(), storedType.get()));
        storedAs.readable().forEach((version, converter) -> TypeModel.get().kind(version, kind).ifPresent(type ->
                views.put(version, view(version, type, converter))));
        views.put(served, served.equals(storedAs.apiVersion()) ? Versions.View.identity(served, servedType.get())
                : view(served, servedType.get(), storedAs.converter()));
        return Optional.of(new Versions(storedAs.apiVersion(), views));
    }

    private static Versions.View view(String version, Type type, StorageVersion.Converter converter) {
        return new Versions.View(version, type, converter::fromStorage, converter::toStorage);
    }

    private static String subresourceName(Part part) {
        return part.subresource == null ? "" : part.subresource.path();
    }

    private static void setManagedFields(ObjectNode meta, JsonNode managedFields) {
        meta.remove("managedFields");
        if (managedFields != null && managedFields.isArray() && !managedFields.isEmpty()) {
            meta.set("managedFields", managedFields);
        }
    }

    /** Writes {@code written} (storage version) over {@code current}; returns the stored object in the storage version. */
    private ObjectNode write(String namespace, String name, StoredValue current, ObjectNode written, Part part,
                             boolean dryRun) {
        return write(namespace, name, current, written, part, dryRun, Ownership.KEEP);
    }

    private ObjectNode write(String namespace, String name, StoredValue current, ObjectNode written, Part part,
                             boolean dryRun, Ownership ownership) {
        return write(namespace, name, current, written, part, dryRun, ownership, true);
    }

    private ObjectNode write(String namespace, String name, StoredValue current, ObjectNode written, Part part,
                             boolean dryRun, Ownership ownership, boolean verified) {
        ObjectNode old = load(current);
        ObjectNode object = written;
        if (part != Part.MAIN) {
            // a subresource write changes only its part (upstream's status strategies keep spec and metadata)
            object = resource.strategy().prepareForSubresourceUpdate(part.subresource, written, old);
            writeHook.beforeSubresourceUpdate(part.subresource.path(), object, old);
        } else if (resource.statusSubresource()) {
            setOrRemove(object, "status", old.get("status"));
        }
        ObjectNode meta = metadata(object);
        ObjectNode oldMeta = metadata(old);
        String uid = meta.path("uid").asText("");
        if (!uid.isEmpty() && !uid.equals(oldMeta.path("uid").asText())) {
            throw StatusException.conflict(resource.qualifiedResource(), resource.group(), resource.plural(), name,
                    "Precondition failed: UID in precondition: " + uid + ", UID in object meta: " + oldMeta.path("uid").asText());
        }
        for (String systemField : List.of("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                "generation")) {
            meta.remove(systemField);
            if (oldMeta.has(systemField)) {
                meta.set(systemField, oldMeta.get(systemField));
            }
        }
        meta.remove(List.of("selfLink", "managedFields"));
        if (part == Part.MAIN) {
            rules.setDefaults(object);
            resource.strategy().prepareForUpdate(object, old);
        }
        JsonNode managedFields = ownership.managedFields(old, object);
        setManagedFields(meta, managedFields != null ? managedFields : oldMeta.get("managedFields"));
        WriteHook.Outcome outcome = part == Part.MAIN ? writeHook.beforeUpdate(object, old, dryRun) : WriteHook.Outcome.NOTHING;
        boolean stored = false;
        try {
            ObjectNode result = writePrepared(current, name, object, old, part, dryRun, verified);
            stored = true;
            return result;
        } finally {
            outcome.written(stored);
        }
    }

    private ObjectNode writePrepared(StoredValue current, String name, ObjectNode object, ObjectNode old, Part part,
                                     boolean dryRun, boolean verified) {
        ObjectNode meta = metadata(object);
        ObjectNode oldMeta = metadata(old);
        ObjectNode updated = object;
        if (resource.strategy().tracksGeneration() && resource.strategy().generationFields().stream()
                .anyMatch(field -> !updated.path(field).equals(old.path(field)))) {
            meta.put("generation", oldMeta.path("generation").asLong(0) + 1);
        }
        // kinds whose update (or status) rules are not their create rules plus extras say so (CRDs)
        java.util.Optional<List<FieldError>> own = part == Part.MAIN ? rules.validateAsUpdate(object, old)
                : rules.validateStatusUpdate(object, old);
        validate(object, false, own.orElseGet(() -> rules.validateOnUpdate(object, old)));
        List<Cause> updateProblems = new ArrayList<>(FieldError.causes(own.isPresent() ? List.of()
                : rules.validateUpdate(object, old)));
        updateProblems.addAll(resource.strategy().validateUpdate(object, old));
        if (!updateProblems.isEmpty()) {
            throw invalid(object, updateProblems);
        }
        meta.put("resourceVersion", Long.toString(current.modRevision()));
        try {
            if (finishesDeletion(object, old)) {
                // the last finalizer is gone from an object being deleted: it is deleted instead of
                // stored, so watchers see only the deletion (upstream's deleteWithoutFinalizers)
                if (!dryRun) {
                    remove(current.key(), current.modRevision());
                }
                return object;
            }
            if (object.equals(old) && !current.stale()) {
                if (!verified) {
                    throw new StaleRead(); // unchanged from a cached value, which etcd may have moved past
                }
                // a no-op update is not written, so watchers see nothing (as upstream); one stored
                // with an older encryption key is, so that rewriting every object rotates keys
                return old;
            }
            if (dryRun) {
                return object;
            }
            long revision = storage.update(current.key(), encode(object), current.modRevision(), lease());
            meta.put("resourceVersion", Long.toString(revision));
            return object;
        } catch (StorageException e) {
            throw translate(e, name);
        }
    }

    /**
     * Upstream's ShouldDeleteDuringUpdate: no finalizers left on an object whose deletion was asked
     * for and whose grace period (if any) is over; a graceful deletion still running keeps it, and
     * so does what the strategy says holds it (a namespace's spec.finalizers).
     */
    private boolean finishesDeletion(ObjectNode object, ObjectNode old) {
        JsonNode oldMeta = old.path("metadata");
        return !hasFinalizers(object) && !resource.strategy().holdsDeletion(object) && oldMeta.hasNonNull("deletionTimestamp")
                && oldMeta.path("deletionGracePeriodSeconds").asLong(0) == 0;
    }

    /**
     * Upstream's GuaranteedUpdate: applies {@code change} to the stored object (storage version) and
     * writes the result guarded by the revision it read, re-reading and retrying when another write
     * came between. No strategy runs: this is for REST handlers with rules of their own (pod binding,
     * a namespace's first delete). {@code change} may throw a StatusException to refuse. Returns the
     * written object, served version.
     */
    public ObjectNode guaranteedUpdate(String namespace, String name, java.util.function.UnaryOperator<ObjectNode> change,
                                       boolean dryRun) {
        for (int attempt = 0; ; attempt++) {
            StoredValue current = read(namespace, name);
            ObjectNode object = change.apply(load(current));
            if (dryRun) {
                return fromStorage(object);
            }
            try {
                long revision = storage.update(current.key(), encode(object), current.modRevision(), lease());
                metadata(object).put("resourceVersion", Long.toString(revision));
                return fromStorage(object);
            } catch (StorageException e) {
                if (e.kind() == StorageException.Kind.CONFLICT && attempt < UNCONDITIONAL_RETRIES) {
                    continue;
                }
                throw translate(e, name);
            }
        }
    }

    // ---- delete ----

    /**
     * What a delete did: the answer's body (the object, or a Success Status for resources that do
     * not return deleted objects) and whether the object is gone, rather than marked for deletion
     * (graceful deletion pending, or finalizers holding it).
     */
    public record DeleteResult(ObjectNode body, boolean deleted) {
    }

    /**
     * Deletes the object (upstream's Store.Delete): preconditions; graceful deletion for resources
     * whose strategy opts in (deletionTimestamp = now + grace, deleted once the grace is 0 or a
     * later delete shortens it to 0); finalizers keep an object, marked with deletionTimestamp,
     * until updates remove them all. Options must have been {@link DeleteOptions#validated()}.
     */
    public DeleteResult delete(String namespace, String name, DeleteOptions options) {
        Optional<DeleteResult> staged = deleteStage.delete(this, namespace, name, options);
        if (staged.isPresent()) {
            return staged.get();
        }
        for (int attempt = 0; ; attempt++) {
            StoredValue current = read(namespace, name);
            try {
                return delete(current, load(current), options);
            } catch (StorageException e) {
                // changed or removed meanwhile: decide again on what is there now (upstream's GuaranteedUpdate)
                if (e.kind() == StorageException.Kind.CONFLICT && attempt < UNCONDITIONAL_RETRIES) {
                    continue;
                }
                throw translate(e, name);
            }
        }
    }

    private DeleteResult delete(StoredValue current, ObjectNode existing, DeleteOptions options) {
        checkDeletePreconditions(existing, options);
        ObjectNode object = existing.deepCopy();
        Grace grace = beforeDelete(object, options);
        if (grace == Grace.PENDING) {
            return new DeleteResult(finalized(existing), false); // only a shorter grace period changes anything
        }
        // the garbage collector's finalizers as the options, the object's own or the resource's default say;
        // a graceful deletion already under way (PENDING above) keeps them as they are
        List<String> present = finalizers(object);
        List<String> wanted = garbageCollection
                ? options.garbageCollectionFinalizers(resource.strategy().defaultGarbageCollectionPolicy(), present)
                : present;
        if (wanted != present) {
            if (wanted.isEmpty()) {
                metadata(object).remove("finalizers");
            } else {
                ArrayNode list = metadata(object).putArray("finalizers");
                wanted.forEach(list::add);
            }
        }
        boolean finalizers = !wanted.isEmpty();
        if (grace == Grace.IMMEDIATE && !finalizers) {
            return new DeleteResult(finalized(options.isDryRun() ? existing
                    : remove(current.key(), current.modRevision())), true);
        }
        if (grace == Grace.IMMEDIATE) {
            markAsDeleting(object);
        }
        ObjectNode meta = metadata(object);
        long revision = current.modRevision();
        if (!object.equals(existing) && !options.isDryRun()) { // as upstream, an unchanged object is not written
            revision = storage.update(current.key(), encode(object), revision, lease());
            meta.put("resourceVersion", Long.toString(revision));
        }
        if (finalizers || meta.path("deletionGracePeriodSeconds").asLong(0) > 0) {
            return new DeleteResult(fromStorage(object), false);
        }
        if (options.isDryRun()) {
            return new DeleteResult(fromStorage(object), true);
        }
        // a grace period of 0: watchers saw the deletionTimestamp; now the object goes
        try {
            return new DeleteResult(finalized(remove(current.key(), revision)), true);
        } catch (StorageException e) {
            if (e.kind() == StorageException.Kind.KEY_NOT_FOUND) {
                return new DeleteResult(finalized(object), true); // someone else finished it: fine (kubernetes#19403)
            }
            throw e;
        }
    }

    /** Where a delete stands after upstream's BeforeDelete. */
    private enum Grace {
        /** No graceful deletion: delete now, or mark for finalizers. */
        IMMEDIATE,
        /** deletionTimestamp and deletionGracePeriodSeconds were set or shortened on the object. */
        GRACEFUL,
        /** A graceful deletion with at most this grace is already under way. */
        PENDING
    }

    /** Upstream's rest.BeforeDelete, graceful part: sets deletionTimestamp and the grace on {@code object}. */
    private Grace beforeDelete(ObjectNode object, DeleteOptions options) {
        ObjectNode meta = metadata(object);
        if (options.gracePeriodSeconds().isPresent() && options.gracePeriodSeconds().getAsLong() < 0) {
            options = options.withGracePeriod(1); // negative means the shortest grace, as upstream
        }
        if (meta.hasNonNull("deletionTimestamp")) {
            long stored = meta.path("deletionGracePeriodSeconds").asLong(0);
            if (stored < 0) {
                stored = 1;
            }
            if (stored == 0) {
                return Grace.IMMEDIATE; // also finishes a deletion whose final step failed before
            }
            if (options.gracePeriodSeconds().isEmpty() || options.gracePeriodSeconds().getAsLong() >= stored) {
                return Grace.PENDING; // a grace period may only be shortened
            }
            long period = options.gracePeriodSeconds().getAsLong();
            java.time.Instant now = clock.instant();
            java.time.Instant deadline = java.time.Instant.parse(meta.get("deletionTimestamp").asText())
                    .minusSeconds(stored).plusSeconds(period);
            if (deadline.isBefore(now)) {
                deadline = now;
                if (period != 0) {
                    period = 1; // the grace has run out, but someone else still does the final delete
                }
            }
            meta.put("deletionTimestamp", timestamp(deadline));
            meta.put("deletionGracePeriodSeconds", period);
            return Grace.GRACEFUL;
        }
        java.util.OptionalLong grace = resource.strategy().checkGracefulDelete(object, options);
        if (grace.isEmpty()) {
            return Grace.IMMEDIATE;
        }
        meta.put("deletionTimestamp", timestamp(clock.instant().plusSeconds(grace.getAsLong())));
        meta.put("deletionGracePeriodSeconds", grace.getAsLong());
        if (meta.path("generation").asLong(0) > 0) {
            meta.put("generation", meta.path("generation").asLong() + 1); // controllers see the deletion begin
        }
        return Grace.GRACEFUL;
    }

    /** Upstream's markAsDeleting: finalizers will finish the deletion; no grace is left. */
    private void markAsDeleting(ObjectNode object) {
        ObjectNode meta = metadata(object);
        java.time.Instant now = clock.instant();
        if (!meta.hasNonNull("deletionTimestamp")) {
            if (meta.path("generation").asLong(0) > 0) {
                meta.put("generation", meta.path("generation").asLong() + 1);
            }
            meta.put("deletionTimestamp", timestamp(now));
        } else if (java.time.Instant.parse(meta.get("deletionTimestamp").asText()).isAfter(now)) {
            meta.put("deletionTimestamp", timestamp(now));
        }
        meta.put("deletionGracePeriodSeconds", 0);
    }

    /** The checks upstream's BeforeDelete makes first, with its texts (the resource named by its Kind). */
    private void checkDeletePreconditions(ObjectNode object, DeleteOptions options) {
        ObjectNode meta = metadata(object);
        String name = meta.path("name").asText();
        String kindResource = resource.group().isEmpty() ? resource.kind() : resource.kind() + "." + resource.group();
        String uid = meta.path("uid").asText();
        if (options.preconditionUid() != null && !options.preconditionUid().equals(uid)) {
            throw StatusException.conflict(kindResource, resource.group(), resource.kind(), name,
                    "the UID in the precondition (" + options.preconditionUid() + ") does not match the UID in record ("
                            + uid + "). The object might have been deleted and then recreated");
        }
        String version = meta.path("resourceVersion").asText();
        if (options.preconditionResourceVersion() != null && !options.preconditionResourceVersion().equals(version)) {
            throw StatusException.conflict(kindResource, resource.group(), resource.kind(), name,
                    "the ResourceVersion in the precondition (" + options.preconditionResourceVersion()
                            + ") does not match the ResourceVersion in record (" + version
                            + "). The object might have been modified");
        }
    }

    /** Removes the stored object if it is still at {@code revision}; returns its last state. */
    private ObjectNode remove(String key, long revision) {
        ObjectNode removed = load(storage.delete(key, revision).previous());
        writeHook.afterDelete(removed);
        return removed;
    }

    /** The answer for a deleted object: the object itself, or upstream's Success Status (without a code). */
    private ObjectNode finalized(ObjectNode object) {
        if (resource.strategy().returnsDeletedObject()) {
            return fromStorage(object);
        }
        JsonNode meta = object.path("metadata");
        return StatusException.status("Success", 0, null, null, new StatusException.Details(meta.path("name").asText(),
                resource.group(), resource.plural(), meta.path("uid").asText(), List.of()));
    }

    /**
     * Deletes every object the selection picks (one page when it has a limit), each with the same
     * options; objects already gone are skipped. Returns the list as it was read, as upstream does.
     */
    public ObjectNode deleteCollection(String namespace, ListOptions selection, DeleteOptions options) {
        ListOptions pages = selection.limit() > 0 ? selection
                : new ListOptions(selection.labels(), selection.fields(), "", "", 0, "");
        ObjectNode list = list(namespace, pages);
        for (JsonNode item : list.path("items")) {
            String itemNamespace = item.path("metadata").path("namespace").asText(null);
            String name = item.path("metadata").path("name").asText();
            try {
                delete(itemNamespace, name, options);
            } catch (StatusException e) {
                if (e.code() != 404) { // gone meanwhile: nothing left to do
                    throw e;
                }
            }
        }
        return list;
    }

    // ---- list ----

    /** A {@code <Kind>List} of the objects the options select, one page when a limit is given. */
    public ObjectNode list(String namespace, ListOptions options) {
        Selection selection = selection(options);
        Predicate<ObjectNode> selected = selection == Selection.EVERYTHING ? object -> true : selector(options);
        String prefix = resource.keyPrefix(namespace);
        long revision = 0;
        String start = null;
        Freshness freshness;
        long wanted = 0;
        if (!options.continueToken().isEmpty()) {
            ContinueToken token = ContinueToken.decode(options.continueToken());
            revision = token.revision();
            start = prefix + token.start();
            freshness = Freshness.EXACT;
            wanted = revision;
        } else if ("Exact".equals(options.resourceVersionMatch())) {
            revision = parseResourceVersion(options.resourceVersion());
            freshness = Freshness.EXACT;
            wanted = revision;
        } else if (options.resourceVersion().isEmpty()) {
            freshness = Freshness.CONSISTENT;
        } else if (options.resourceVersion().equals("0")) {
            freshness = Freshness.ANY;
        } else {
            freshness = Freshness.NOT_OLDER_THAN;
            wanted = parseResourceVersion(options.resourceVersion());
        }
        List<ObjectNode> items = new ArrayList<>();
        long limit = options.limit();
        String lastKey = null;
        boolean more = false;
        long readAt = revision;
        // Pinned to one name by metadata.name=…: read just that key.
        Optional<String> pinnedName = options.fields().pinned("metadata.name");
        if (pinnedName.isPresent() && (namespace != null || !resource.namespaced()) && start == null) {
            ListPage page = tryList(resource.key(namespace, pinnedName.get()),
                    new ListRequest(null, 1, freshness, wanted, selection), revision, options);
            readAt = readAt > 0 ? readAt : page.revision(); // etcd's header names the newest revision, not the one read at
            for (StoredValue value : page.items()) {
                if (value.key().equals(resource.key(namespace, pinnedName.get()))) {
                    ObjectNode object = decode(value);
                    if (selected.test(object)) {
                        items.add(object);
                    }
                }
            }
        } else {
            while (true) {
                long pageSize = limit <= 0 ? 0 : limit - items.size();
                ListRequest request = readAt > 0
                        ? new ListRequest(start, pageSize, Freshness.EXACT, readAt, selection) // later pages: the first one's revision
                        : new ListRequest(start, pageSize, freshness, wanted, selection);
                ListPage page = tryList(prefix, request, readAt, options);
                readAt = readAt > 0 ? readAt : page.revision(); // etcd's header names the newest revision, not the one read at
                for (StoredValue value : page.items()) {
                    ObjectNode object = decode(value);
                    lastKey = value.key();
                    if (selected.test(object)) {
                        items.add(object);
                    }
                }
                more = page.more();
                if (!more || limit <= 0 || items.size() >= limit) {
                    break;
                }
                start = lastKey + "\u0000";
            }
        }
        String requested = options.resourceVersion();
        if (options.continueToken().isEmpty() && !requested.isEmpty() && !requested.equals("0")
                && !"Exact".equals(options.resourceVersionMatch()) && parseResourceVersion(requested) > readAt) {
            // NotOlderThan a revision the store has not reached: upstream's answer once its wait runs out
            throw tooLargeResourceVersion(parseResourceVersion(requested), readAt);
        }
        ObjectNode list = json.createObjectNode();
        list.put("kind", resource.kind() + "List");
        list.put("apiVersion", resource.apiVersion());
        ObjectNode meta = list.putObject("metadata");
        meta.put("resourceVersion", Long.toString(readAt));
        if (more && lastKey != null) {
            meta.put("continue", new ContinueToken(readAt, lastKey.substring(prefix.length()) + "\u0000").encode());
        }
        ArrayNode array = list.putArray("items");
        for (ObjectNode item : items) {
            // list items carry no kind/apiVersion of their own, as upstream's typed lists (two
            // single removes: Jackson's remove(Collection) showed in a 10,000-item list's profile)
            item.remove("kind");
            item.remove("apiVersion");
            array.add(item);
        }
        return list;
    }

    private static StatusException tooLargeResourceVersion(long requested, long current) {
        return new StatusException(504, "Timeout", "Too large resource version: " + requested + ", current: " + current,
                new StatusException.Details(null, null, null, null, List.of(
                        new StatusException.Cause("ResourceVersionTooLarge", "Too large resource version", null))));
    }

    private ListPage tryList(String prefix, ListRequest request, long revision, ListOptions options) {
        try {
            return storage.list(prefix, request);
        } catch (StorageException e) {
            if (e.kind() == StorageException.Kind.COMPACTED) {
                if (!options.continueToken().isEmpty()) {
                    throw StatusException.resourceExpired("The provided continue parameter is too old to display a"
                            + " consistent list result. You can start a new list without the continue parameter.");
                }
                throw StatusException.resourceExpired("too old resource version: " + revision);
            }
            throw translate(e, null);
        }
    }

    // ---- watch ----

    /**
     * Streams changes to the objects the options select. Without sendInitialEvents, resourceVersion
     * "" or "0" starts the stream with an ADDED event per existing object (upstream's behaviour for
     * watches without a version) and a version starts it after that version; sendInitialEvents=true
     * always starts with the state (at least as recent as the version), followed by a bookmark
     * marking its end when bookmarks are allowed; sendInitialEvents=false never does.
     */
    public Watch watch(String namespace, ListOptions options, Consumer<WatchEvent> events) {
        Predicate<ObjectNode> selected = selector(options);
        String version = options.resourceVersion();
        boolean unversioned = version.isEmpty() || version.equals("0");
        long revision = unversioned ? 0 : parseResourceVersion(version);
        Freshness freshness = version.isEmpty() ? Freshness.CONSISTENT
                : version.equals("0") ? Freshness.ANY : Freshness.NOT_OLDER_THAN;
        Boolean initialEvents = options.sendInitialEvents();
        WatchRequest.Start start;
        if (initialEvents == null) {
            start = unversioned ? WatchRequest.Start.STATE : WatchRequest.Start.AFTER;
        } else if (initialEvents) {
            start = WatchRequest.Start.STATE;
        } else {
            start = unversioned ? WatchRequest.Start.NOW : WatchRequest.Start.AFTER;
        }
        Selection selection = selection(options);
        WatchRequest request = new WatchRequest(start, revision, freshness, Boolean.TRUE.equals(initialEvents),
                options.allowWatchBookmarks(), selection);
        boolean everything = selection == Selection.EVERYTHING;
        try {
            return storage.watch(resource.keyPrefix(namespace), request, event -> {
                switch (event) {
                    case StorageEvent.Put put -> {
                        ObjectNode current = watchDecoded.get(put.current(), this::decode);
                        boolean now = everything || selected.test(current);
                        boolean before = put.previous() != null
                                && (everything || selected.test(watchDecoded.get(put.previous(), this::decode)));
                        if (now && before) {
                            events.accept(new WatchEvent.Modified(current));
                        } else if (now) {
                            events.accept(new WatchEvent.Added(current));
                        } else if (before) {
                            events.accept(new WatchEvent.Deleted(current));
                        }
                    }
                    case StorageEvent.Delete delete -> {
                        ObjectNode last = watchDeleted.get(delete, this::lastState);
                        if (everything || selected.test(last)) {
                            events.accept(new WatchEvent.Deleted(last));
                        }
                    }
                    case StorageEvent.Bookmark bookmark -> {
                        if (options.allowWatchBookmarks()) {
                            events.accept(new WatchEvent.Bookmark(bookmark(bookmark)));
                        }
                    }
                    case StorageEvent.Expired expired -> events.accept(new WatchEvent.Error(StatusException.resourceExpired(
                            "too old resource version: " + (expired.requestedRevision() - 1) + " ("
                                    + expired.compactRevision() + ")").toStatus()));
                    case StorageEvent.TooLargeResourceVersion tooLarge -> events.accept(new WatchEvent.Error(
                            tooLargeResourceVersion(tooLarge.requested(), tooLarge.current()).toStatus()));
                    case StorageEvent.Failed failed -> events.accept(new WatchEvent.Error(
                            StatusException.internal(failed.reason()).toStatus()));
                    case StorageEvent.Terminated terminated -> events.accept(new WatchEvent.End());
                }
            });
        } catch (StorageException e) {
            throw translate(e, null);
        }
    }

    /** A deleted object's last state as its DELETED event carries it: at the deletion's revision. */
    private ObjectNode lastState(StorageEvent.Delete delete) {
        ObjectNode last = decode(delete.previous());
        metadata(last).put("resourceVersion", Long.toString(delete.revision()));
        return last;
    }

    /** A bookmark's object: the resource's kind with only metadata.resourceVersion (and the end-of-initial-events annotation). */
    private ObjectNode bookmark(StorageEvent.Bookmark bookmark) {
        ObjectNode object = json.createObjectNode();
        object.put("kind", resource.kind());
        object.put("apiVersion", resource.apiVersion());
        ObjectNode meta = object.putObject("metadata");
        meta.put("resourceVersion", Long.toString(bookmark.revision()));
        meta.putNull("creationTimestamp");
        if (bookmark.initialEventsEnd()) {
            meta.putObject("annotations").put(WatchEvent.INITIAL_EVENTS_END_ANNOTATION, "true");
        }
        return object;
    }

    /** The labels and selectable fields of a stored object, which the watch cache keeps beside it. */
    public Selection.Attributes attributes(StoredValue value) {
        ObjectNode object = watchDecoded.get(value, this::decode); // the cache's watchers then decode it no more
        return new Selection.Attributes(labelsOf(object), fieldsOf(object));
    }

    private Selection selection(ListOptions options) {
        if (options.labels().equals(dev.kj.apiserver.selection.LabelSelector.EVERYTHING)
                && options.fields().equals(dev.kj.apiserver.selection.FieldSelector.EVERYTHING)) {
            return Selection.EVERYTHING;
        }
        var fields = options.fields().checkedAgainst(selectableFields());
        return attributes -> options.labels().matches(attributes.labels()) && fields.matches(attributes.fields());
    }

    private static Map<String, String> labelsOf(ObjectNode object) {
        JsonNode labels = object.path("metadata").path("labels");
        if (!labels.isObject()) {
            return Map.of();
        }
        Map<String, String> labelMap = new HashMap<>();
        labels.fields().forEachRemaining(e -> labelMap.put(e.getKey(), e.getValue().asText()));
        return labelMap;
    }

    // ---- helpers ----

    private Predicate<ObjectNode> selector(ListOptions options) {
        var fields = options.fields().checkedAgainst(selectableFields());
        return object -> options.labels().matches(labelsOf(object)) && fields.matches(fieldsOf(object));
    }

    /** Refuses a field selector on fields this resource does not export (400, as upstream). */
    public void checkSelectable(dev.kj.apiserver.selection.FieldSelector fields) {
        fields.checkedAgainst(selectableFields());
    }

    private java.util.Set<String> selectableFields() {
        java.util.Set<String> fields = new java.util.HashSet<>(resource.selectableFields());
        fields.add("metadata.name");
        if (resource.namespaced()) {
            fields.add("metadata.namespace");
        }
        return fields;
    }

    /** Each selectable field with its path, worked out once (the watch cache asks on every event). */
    private Map<String, String[]> selectablePaths() {
        Map<String, String[]> paths = selectablePaths;
        if (paths == null) {
            paths = new java.util.LinkedHashMap<>();
            for (String field : selectableFields()) {
                paths.put(field, field.split("\\."));
            }
            selectablePaths = paths = java.util.Collections.unmodifiableMap(paths);
        }
        return paths;
    }

    private volatile Map<String, String[]> selectablePaths;

    private Map<String, String> fieldsOf(ObjectNode object) {
        Map<String, String> fields = new HashMap<>();
        for (Map.Entry<String, String[]> selectable : selectablePaths().entrySet()) {
            String field = selectable.getKey();
            JsonNode node = object;
            for (String part : selectable.getValue()) {
                node = node.path(part);
            }
            fields.put(field, resource.strategy().selectableFieldValue(object, field, node.isValueNode() ? node.asText() : ""));
        }
        return fields;
    }

    private StoredValue read(String namespace, String name) {
        try {
            return storage.get(resource.key(namespace, name))
                    .orElseThrow(() -> StatusException.notFound(resource.qualifiedResource(), resource.group(),
                            resource.plural(), name));
        } catch (StorageException e) {
            throw translate(e, name);
        }
    }

    private void checkKind(ObjectNode body) {
        String kind = body.path("kind").asText("");
        String apiVersion = body.path("apiVersion").asText("");
        if ((!kind.isEmpty() && !kind.equals(resource.kind()))
                || (!apiVersion.isEmpty() && !apiVersion.equals(resource.apiVersion()))) {
            throw StatusException.badRequest("the body's " + (apiVersion + ", Kind=" + kind) + " does not match the"
                    + " resource's " + resource.apiVersion() + ", Kind=" + resource.kind());
        }
        // apiVersion and kind first, as upstream writes objects (the other fields move, not copied)
        List<Map.Entry<String, JsonNode>> rest = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            if (!field.getKey().equals("apiVersion") && !field.getKey().equals("kind")) {
                rest.add(Map.entry(field.getKey(), field.getValue()));
            }
        }
        body.removeAll();
        body.put("apiVersion", resource.apiVersion());
        body.put("kind", resource.kind());
        rest.forEach(field -> body.set(field.getKey(), field.getValue()));
    }

    private void placeInNamespace(ObjectNode object, String namespace) {
        ObjectNode meta = metadata(object);
        if (resource.namespaced()) {
            String given = meta.path("namespace").asText("");
            if (!given.isEmpty() && !given.equals(namespace)) {
                throw StatusException.badRequest("the namespace of the provided object does not match the namespace"
                        + " sent on the request");
            }
            meta.put("namespace", namespace);
        } else {
            meta.remove("namespace");
        }
    }

    private void validate(ObjectNode object, boolean create) {
        validate(object, create, rules.validate(object));
    }

    private void validate(ObjectNode object, boolean create, List<FieldError> kindProblems) {
        List<Cause> causes = new ArrayList<>();
        String name = metadata(object).path("name").asText("");
        for (String problem : resource.nameRule().problems(name)) {
            causes.add(new Cause("FieldValueInvalid", "metadata.name: Invalid value: \"" + name + "\": " + problem,
                    "metadata.name"));
        }
        ObjectNode meta = metadata(object);
        List<FieldError> errors = new ArrayList<>(Metadata.labelsAndAnnotations(meta, FieldPath.root("metadata")));
        causes.addAll(FieldError.causes(errors));
        causes.addAll(finalizerProblems(object));
        causes.addAll(FieldError.causes(kindProblems));
        if (create) {
            causes.addAll(FieldError.causes(rules.validateCreate(object)));
        }
        causes.addAll(resource.strategy().validate(object));
        if (!causes.isEmpty()) {
            throw invalid(object, causes);
        }
    }

    /** Upstream's ValidateFinalizers: qualified names, and never both of the garbage collector's. */
    private static List<Cause> finalizerProblems(ObjectNode object) {
        List<Cause> causes = new ArrayList<>();
        List<String> finalizers = finalizers(object);
        for (String finalizer : finalizers) {
            for (String problem : FinalizerNames.problems(finalizer)) {
                causes.add(new Cause("FieldValueInvalid", "metadata.finalizers: Invalid value: \"" + finalizer + "\": "
                        + problem, "metadata.finalizers"));
            }
        }
        if (finalizers.contains(GarbageCollectionPolicy.ORPHAN_FINALIZER)
                && finalizers.contains(GarbageCollectionPolicy.FOREGROUND_FINALIZER)) {
            String value = "[]string{" + String.join(", ", finalizers.stream().map(f -> "\"" + f + "\"").toList()) + "}";
            causes.add(new Cause("FieldValueInvalid", "metadata.finalizers: Invalid value: " + value + ": finalizer "
                    + GarbageCollectionPolicy.ORPHAN_FINALIZER + " and " + GarbageCollectionPolicy.FOREGROUND_FINALIZER
                    + " cannot be both set", "metadata.finalizers"));
        }
        return causes;
    }

    private StatusException invalid(ObjectNode object, List<Cause> causes) {
        String name = object.path("metadata").path("name").asText("");
        return StatusException.invalid(resource.kind(), resource.group(), name, causes);
    }

    private static Cause required(String field, String detail) {
        return new Cause("FieldValueRequired", field + ": Required value: " + detail, field);
    }

    private StatusException alreadyExists(String name) {
        return StatusException.alreadyExists(resource.qualifiedResource(), resource.group(), resource.plural(), name);
    }

    private StatusException translate(StorageException e, String name) {
        return switch (e.kind()) {
            case KEY_EXISTS -> alreadyExists(name);
            case KEY_NOT_FOUND -> StatusException.notFound(resource.qualifiedResource(), resource.group(), resource.plural(), name);
            case CONFLICT -> StatusException.conflict(resource.qualifiedResource(), resource.group(), resource.plural(),
                    name, StatusException.MODIFIED);
            case COMPACTED -> StatusException.resourceExpired(e.getMessage());
            case UNAVAILABLE, INTERNAL -> StatusException.internal(e.getMessage());
        };
    }

    private static void setOrRemove(ObjectNode object, String field, JsonNode value) {
        if (value == null) {
            object.remove(field);
        } else {
            object.set(field, value.deepCopy());
        }
    }

    private static List<String> finalizers(ObjectNode object) {
        List<String> finalizers = new ArrayList<>();
        object.path("metadata").path("finalizers").forEach(f -> finalizers.add(f.asText()));
        return finalizers;
    }

    private static boolean hasFinalizers(ObjectNode object) {
        JsonNode finalizers = object.path("metadata").path("finalizers");
        return finalizers.isArray() && !finalizers.isEmpty();
    }

    private static ObjectNode metadata(ObjectNode object) {
        JsonNode meta = object.get("metadata");
        if (meta == null || meta.isNull()) {
            return object.putObject("metadata");
        }
        if (!(meta instanceof ObjectNode objectMeta)) {
            throw StatusException.badRequest("metadata must be an object");
        }
        return objectMeta;
    }

    private static long parseResourceVersion(String version) {
        try {
            long parsed = Long.parseLong(version);
            if (parsed < 0) {
                throw new NumberFormatException();
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw StatusException.badRequest("invalid resource version \"" + version + "\"");
        }
    }

    private String now() {
        return timestamp(clock.instant());
    }

    /** metav1.Time on the wire: RFC 3339 in UTC, whole seconds. */
    private static String timestamp(java.time.Instant instant) {
        // every write stamps the current second (creationTimestamp, managedFields' time): format it once
        Stamp last = lastStamp;
        long second = instant.getEpochSecond();
        if (last.second() == second) {
            return last.text();
        }
        String text = DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
        lastStamp = new Stamp(second, text);
        return text;
    }

    private record Stamp(long second, String text) {}

    /** The last second formatted (shared by all stores; a race only formats a second twice). */
    private static volatile Stamp lastStamp = new Stamp(Long.MIN_VALUE, "");

    private String randomSuffix() {
        StringBuilder suffix = new StringBuilder(5);
        for (int i = 0; i < 5; i++) {
            suffix.append(NAME_SUFFIX_ALPHABET.charAt(random.nextInt(NAME_SUFFIX_ALPHABET.length())));
        }
        return suffix.toString();
    }

    private byte[] encode(ObjectNode object) {
        // etcd's mod_revision is the resourceVersion, so it is not stored: written from a copy of the
        // top level and metadata only (the rest is shared, only read), not of the whole tree
        ObjectNode stored = object.objectNode();
        object.properties().forEach(field -> stored.set(field.getKey(), field.getValue()));
        if (object.get("metadata") instanceof ObjectNode meta) {
            ObjectNode storedMeta = stored.putObject("metadata");
            meta.properties().forEach(field -> {
                if (!field.getKey().equals("resourceVersion")) {
                    storedMeta.set(field.getKey(), field.getValue());
                }
            });
        }
        try {
            return json.writeValueAsBytes(stored);
        } catch (IOException e) {
            throw StatusException.internal(e.getMessage());
        }
    }

    /** A stored object in the served version: what answers, lists and watch events carry. */
    private ObjectNode decode(StoredValue value) {
        return fromStorage(load(value));
    }

    /** Request bodies (served version) in the storage version; the same object when there is no conversion. */
    private ObjectNode toStorage(ObjectNode served) {
        StorageVersion version = resource.storageVersion();
        if (version == null || !served.path("apiVersion").asText().equals(resource.apiVersion())) {
            return served;
        }
        return version.converter().toStorage(served);
    }

    /** A storage-version object in the served version. */
    private ObjectNode fromStorage(ObjectNode stored) {
        StorageVersion version = resource.storageVersion();
        if (version == null || !stored.path("apiVersion").asText().equals(version.apiVersion())) {
            return stored;
        }
        return version.converter().fromStorage(stored);
    }

    /**
     * A stored object in the storage version, with resourceVersion from the key's mod_revision.
     * Objects an older server stored in another version it can read are converted up.
     */
    private ObjectNode load(StoredValue value) {
        try {
            JsonNode node = json.readTree(value.value());
            if (!(node instanceof ObjectNode object)) {
                throw StatusException.internal("stored value of " + value.key() + " is not a JSON object");
            }
            metadata(object).put("resourceVersion", Long.toString(value.modRevision()));
            StorageVersion version = resource.storageVersion();
            String stored = object.path("apiVersion").asText();
            if (version != null && !stored.equals(version.apiVersion()) && version.readable().containsKey(stored)) {
                return version.readable().get(stored).toStorage(object);
            }
            return object;
        } catch (IOException e) {
            throw StatusException.internal("cannot decode " + value.key() + ": " + e.getMessage());
        }
    }

    /** Upstream's continue token: base64url of {"v":"meta.k8s.io/v1","rv":N,"start":"<key after prefix>"}. */
    record ContinueToken(long revision, String start) {
        private static final ObjectMapper TOKEN_READER = new ObjectMapper();

        String encode() {
            ObjectNode token = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            token.put("v", "meta.k8s.io/v1");
            token.put("rv", revision);
            token.put("start", start);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(token.toString().getBytes(StandardCharsets.UTF_8));
        }

        static ContinueToken decode(String encoded) {
            try {
                JsonNode token = TOKEN_READER.readTree(Base64.getUrlDecoder().decode(encoded));
                if (!"meta.k8s.io/v1".equals(token.path("v").asText()) || !token.path("rv").canConvertToLong()
                        || token.path("rv").asLong() <= 0 || !token.path("start").isTextual()
                        || token.path("start").asText().contains("..") || token.path("start").asText().startsWith("/")) {
                    throw new IllegalArgumentException("bad token");
                }
                return new ContinueToken(token.path("rv").asLong(), token.path("start").asText());
            } catch (IOException | IllegalArgumentException e) {
                throw StatusException.badRequest("continue key is not valid: " + e.getMessage());
            }
        }
    }
}
