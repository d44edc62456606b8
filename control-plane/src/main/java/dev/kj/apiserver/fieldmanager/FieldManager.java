package dev.kj.apiserver.fieldmanager;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.fieldmanager.ManagedFields.Entry;
import dev.kj.apiserver.fieldmanager.ManagedFields.Manager;
import dev.kj.apiserver.fieldmanager.ManagedFields.Operation;
import dev.kj.apiserver.fieldmanager.Versions.View;
import dev.kj.apiserver.schema.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Field ownership as upstream's field manager keeps it (structured-merge-diff's Updater): an
 * Update takes the fields it changed from everyone; an Apply owns exactly the fields of its
 * configuration, removes the ones it stopped applying unless someone else owns them, and
 * conflicts with the managers of the fields whose values it changes unless forced.
 *
 * <p>Each entry keeps the apiVersion its manager wrote in and field paths of that version; what
 * a write changed is worked out per version, by converting the (storage version) objects to each
 * entry's version, so an autoscaling/v1 updater and an autoscaling/v2 applier conflict over the
 * fields one version maps onto the other.
 *
 * @param versions   the kind in every version the store converts to
 * @param apiVersion the version of this request, which the writer's entry records
 * @param ignored    paths whose subtrees nobody owns through this endpoint (status on the main resource)
 */
public record FieldManager(Versions versions, String apiVersion, FieldSet ignored) {
    /** Fields upstream never records (its stripMeta manager): removed as exact paths only. */
    private static final FieldSet SYSTEM = FieldSet.of(List.of(List.of("f:apiVersion"), List.of("f:kind"),
            List.of("f:metadata"), List.of("f:metadata", "f:name"), List.of("f:metadata", "f:namespace"),
            List.of("f:metadata", "f:creationTimestamp"), List.of("f:metadata", "f:selfLink"),
            List.of("f:metadata", "f:uid"), List.of("f:metadata", "f:clusterName"),
            List.of("f:metadata", "f:generation"), List.of("f:metadata", "f:managedFields"),
            List.of("f:metadata", "f:resourceVersion")));
    /** The Update manager upstream gives the fields of an object first applied without managedFields. */
    public static final String BEFORE_FIRST_APPLY = "before-first-apply";

    /** A kind served and stored in one version. */
    public FieldManager(Type kind, String apiVersion, FieldSet ignored) {
        this(Versions.single(apiVersion, kind), apiVersion, ignored);
    }

    /** The fields of {@code object}, an object of this request's version, that can be owned. */
    public FieldSet fields(JsonNode object) {
        return fields(versions.view(apiVersion), object);
    }

    private FieldSet fields(View view, JsonNode object) {
        if (object == null) {
            return FieldSet.EMPTY;
        }
        ObjectNode withoutManaged = ((ObjectNode) object).deepCopy();
        if (withoutManaged.path("metadata") instanceof ObjectNode meta) {
            meta.remove("managedFields");
        }
        return TypedFields.of(view.type(), withoutManaged).difference(SYSTEM).withoutPrefixes(ignored);
    }

    /** A storage-version object (null stays null) seen in {@code view}'s version. */
    private static JsonNode in(View view, JsonNode stored) {
        if (stored == null || view.isIdentity()) {
            return stored;
        }
        return view.fromStorage().apply(((ObjectNode) stored).deepCopy());
    }

    /** What a write changed (set or modified, or made appear) and removed, in one version. */
    private record Change(FieldSet changed, FieldSet removed) {
    }

    /**
     * The change from {@code before} (null: nothing) to {@code after}, both in the storage
     * version, seen in {@code view}'s version. An Update compares a create with the zero object
     * and owns the parents its fields made appear, as upstream's comparison adds them.
     */
    private Change change(View view, JsonNode before, JsonNode after, boolean update) {
        JsonNode previous = before != null ? in(view, before) : update ? TypedFields.zero(view.type()) : null;
        JsonNode next = in(view, after);
        FieldSet from = fields(view, previous);
        FieldSet to = fields(view, next);
        FieldSet changed = to.difference(from).union(modified(from.intersection(to), previous, next));
        if (update) {
            changed = changed.union(appeared(to, previous));
        }
        return new Change(changed, from.difference(to));
    }

    /** {@link #change} once per version the entries are in. */
    private java.util.function.Function<String, Change> changes(JsonNode before, JsonNode after, boolean update) {
        Map<String, Change> byVersion = new java.util.HashMap<>();
        return version -> {
            View view = versions.view(version);
            return byVersion.computeIfAbsent(view.apiVersion(), v -> change(view, before, after, update));
        };
    }

    /**
     * The managedFields after an Update by {@code manager} turned {@code live} (null on create)
     * into {@code updated}, both in the storage version. {@code sent} is the managedFields the
     * request carried: when they read as a non-empty list, they replace the live ones (how clients
     * such as kubectl's client-side-to-server-side upgrade rewrite ownership); subresource writes
     * never do.
     */
    public ArrayNode update(JsonNode live, ObjectNode updated, JsonNode sent, Manager manager, String now) {
        ManagedFields managed = ManagedFields.decode(sent).filter(m -> !m.entries().isEmpty()
                && manager.subresource().isEmpty()).orElseGet(() -> current(live));
        var changes = changes(live, updated, true);
        Map<Manager, Entry> entries = managed.entries();
        entries.replaceAll((who, entry) -> {
            Change change = changes.apply(entry.apiVersion());
            return new Entry(who, entry.apiVersion(), entry.time(),
                    entry.fields().difference(change.changed()).difference(change.removed()));
        });
        FieldSet changed = changes.apply(apiVersion).changed();
        if (!changed.isEmpty()) {
            Entry earlier = entries.get(manager);
            // an updater's entries are per version (the version is part of its identity)
            FieldSet owned = earlier == null ? changed : earlier.fields().union(changed);
            entries.put(manager, new Entry(manager, apiVersion, now, owned));
        }
        entries.values().removeIf(entry -> entry.fields().isEmpty());
        capUpdateManagers(entries);
        return managed.encode();
    }

    /** Upstream's DefaultMaxUpdateManagers: more Update entries than this are merged, oldest first. */
    public static final int MAX_UPDATE_MANAGERS = 10;
    /** The manager the merged entries are recorded under, one per apiVersion. */
    public static final String ANCIENT_CHANGES = "ancient-changes";

    /**
     * Upstream's capManagersManager: while there are more than {@link #MAX_UPDATE_MANAGERS} Update
     * entries, the oldest (by time to the second, then by manager) are folded into an
     * "ancient-changes" Update entry of their apiVersion. The first entry seen of a version waits; the
     * second of that version turns it into the bucket (unless a bucket exists already) and joins it,
     * the bucket taking the later one's time.
     */
    static void capUpdateManagers(Map<Manager, Entry> entries) {
        List<Manager> updaters = new ArrayList<>(entries.keySet().stream()
                .filter(m -> m.operation() == Operation.Update).toList());
        if (updaters.size() <= MAX_UPDATE_MANAGERS) {
            return;
        }
        updaters.sort(Comparator.comparing((Manager m) -> seconds(entries.get(m).time()))
                .thenComparing(Manager::name).thenComparing(Manager::apiVersion).thenComparing(Manager::subresource));
        Map<String, Manager> firstOfVersion = new java.util.HashMap<>();
        int length = updaters.size();
        for (int i = 0; i < updaters.size() && length > MAX_UPDATE_MANAGERS; i++) {
            Manager manager = updaters.get(i);
            Entry entry = entries.get(manager);
            String version = entry.apiVersion();
            Manager bucket = new Manager(ANCIENT_CHANGES, Operation.Update, version, "");
            Manager first = firstOfVersion.get(version);
            if (first == null) {
                firstOfVersion.put(version, manager);
                continue;
            }
            if (!entries.containsKey(bucket)) {
                Entry moved = entries.remove(first);
                entries.put(bucket, new Entry(bucket, version, moved.time(), moved.fields()));
            }
            Entry merged = entries.get(bucket);
            entries.put(bucket, new Entry(bucket, version, entry.time(), entry.fields().union(merged.fields())));
            entries.remove(manager);
            length--;
        }
    }

    /** An entry's time as comparable seconds (RFC 3339 in UTC, as kj writes them); none sorts first. */
    private static long seconds(String time) {
        try {
            return java.time.Instant.parse(time).getEpochSecond();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** The outcome of an apply: the merged object (managedFields set) or the conflicts that refused it. */
    public sealed interface Applied {
    }

    public record Merged(ObjectNode object) implements Applied {
    }

    /** A conflict: a path another manager owns and the apply would change. */
    public record Conflict(Manager manager, List<String> path) {
    }

    public record Conflicts(List<Conflict> conflicts) implements Applied {
        /** Upstream's 409 message. */
        public String message() {
            if (conflicts.size() == 1) {
                Conflict only = conflicts.get(0);
                return "Apply failed with 1 conflict: conflict with " + only.manager().describe() + ": "
                        + FieldSet.print(only.path());
            }
            Map<String, List<String>> byManager = new java.util.TreeMap<>();
            for (Conflict conflict : conflicts) {
                byManager.computeIfAbsent(conflict.manager().describe(), m -> new ArrayList<>())
                        .add(FieldSet.print(conflict.path()));
            }
            List<String> lines = new ArrayList<>();
            byManager.forEach((manager, paths) -> {
                lines.add("conflicts with " + manager + ":");
                paths.forEach(path -> lines.add("- " + path));
            });
            return "Apply failed with " + conflicts.size() + " conflicts: " + String.join("\n", lines);
        }
    }

    /**
     * {@code config}, in this request's version, applied by {@code manager} to {@code live} (the
     * storage version; null when the apply creates the object); the merged object is in the
     * storage version. The configuration carries no managedFields (the caller refuses those).
     */
    public Applied apply(JsonNode live, ObjectNode config, Manager manager, boolean force, String now) {
        View request = versions.view(apiVersion);
        ManagedFields managed = current(live);
        JsonNode seen = in(request, live);
        if (live != null && !live.path("metadata").has("managedFields")) {
            // an object written before fields were tracked: its fields so far belong to one Update manager
            Manager before = new Manager(BEFORE_FIRST_APPLY, Operation.Update, apiVersion, "");
            FieldSet existing = fields(request, seen);
            if (!existing.isEmpty()) {
                managed.entries().put(before, new Entry(before, apiVersion, now, existing));
            }
        }
        ObjectNode base = seen == null ? JsonNodeFactory.instance.objectNode() : ((ObjectNode) seen).deepCopy();
        ObjectNode merged = request.toStorage().apply(TypedFields.merge(request.type(), base, config));
        FieldSet applied = fields(request, config);
        Entry last = managed.entries().get(manager);
        Map<Manager, Entry> entries = managed.entries();
        entries.put(manager, new Entry(manager, apiVersion, now, applied));
        if (last != null) {
            merged = prune(merged, last, entries);
        }
        var changes = changes(live, merged, false);
        List<Conflict> conflicts = new ArrayList<>();
        Map<Manager, FieldSet> taken = new LinkedHashMap<>();
        for (Entry entry : entries.values()) {
            if (entry.manager().equals(manager)) {
                continue;
            }
            FieldSet conflicting = entry.fields().intersection(changes.apply(entry.apiVersion()).changed());
            if (!conflicting.isEmpty()) {
                taken.put(entry.manager(), conflicting);
                conflicting.paths().forEach(path -> conflicts.add(new Conflict(entry.manager(), path)));
            }
        }
        if (!force && !conflicts.isEmpty() && !upgradesClientSideApply(seen, manager, conflicts)) {
            conflicts.sort(Comparator.comparing((Conflict c) -> c.manager().describe())
                    .thenComparing(Conflict::path, FieldSet.PATH_ORDER));
            return new Conflicts(List.copyOf(conflicts));
        }
        entries.replaceAll((who, entry) -> new Entry(who, entry.apiVersion(), entry.time(), entry.fields()
                .difference(taken.getOrDefault(who, FieldSet.EMPTY))
                .difference(changes.apply(entry.apiVersion()).removed())));
        entries.values().removeIf(entry -> entry.fields().isEmpty() && !entry.manager().equals(manager));
        capUpdateManagers(entries);
        ObjectNode meta = merged.with("metadata");
        meta.set("managedFields", managed.encode());
        keepLastAppliedInStep(live, config, manager, meta);
        return new Merged(merged);
    }

    /**
     * kubectl's first server-side apply over a client-side applied object: conflicts are forgiven
     * when kubectl applies and every conflicting field is one the object's
     * last-applied-configuration sets to the value the object still has (upstream's
     * lastAppliedManager), so ownership moves to the applier as if forced.
     */
    private boolean upgradesClientSideApply(JsonNode live, Manager manager, List<Conflict> conflicts) {
        if (live == null || !manager.name().equals("kubectl")) {
            return false;
        }
        String lastApplied = live.path("metadata").path("annotations").path(LAST_APPLIED).asText("");
        if (lastApplied.isEmpty()) {
            return false;
        }
        JsonNode configuration;
        try {
            configuration = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lastApplied);
        } catch (java.io.IOException e) {
            return false;
        }
        if (!(configuration instanceof ObjectNode)) {
            return false;
        }
        FieldSet applied = fields(configuration);
        FieldSet allowed = applied.difference(modified(applied.intersection(fields(live)), configuration, live));
        return conflicts.stream().allMatch(conflict -> allowed.contains(conflict.path()));
    }

    private static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

    /**
     * While an object still carries kubectl's last-applied-configuration, kubectl's server-side
     * applies rewrite it to the configuration applied (upstream's lastAppliedUpdater), so a later
     * client-side apply computes its three-way patch from what was really applied.
     */
    private static void keepLastAppliedInStep(JsonNode live, ObjectNode config, Manager manager, ObjectNode meta) {
        if (live == null || !manager.name().equals("kubectl")
                || !live.path("metadata").path("annotations").has(LAST_APPLIED)
                || config.path("metadata").path("annotations").has(LAST_APPLIED)) {
            return;
        }
        if (meta.path("annotations") instanceof ObjectNode annotations && annotations.has(LAST_APPLIED)) {
            String applied = config.toString();
            if (applied.length() > LAST_APPLIED_LIMIT) {
                annotations.remove(LAST_APPLIED);
            } else {
                annotations.put(LAST_APPLIED, applied);
            }
        }
    }

    /** Upstream's cap on the rewritten annotation (its total annotation size limit). */
    private static final int LAST_APPLIED_LIMIT = 256 * 1024;

    /**
     * {@code merged} (storage version) without what the applier stopped applying, unless someone
     * still owns it or something below it (upstream's prune): removed in the version of the
     * applier's previous entry, then whatever that removed is given back in each other version
     * its owners there still own.
     */
    private ObjectNode prune(ObjectNode merged, Entry last, Map<Manager, Entry> entries) {
        Map<String, FieldSet> owned = new LinkedHashMap<>();
        View first = versions.view(last.apiVersion());
        owned.put(first.apiVersion(), FieldSet.EMPTY);
        for (Entry entry : entries.values()) {
            owned.merge(versions.view(entry.apiVersion()).apiVersion(), entry.fields(), FieldSet::union);
        }
        ObjectNode pruned = (ObjectNode) in(first, merged).deepCopy();
        removeUnowned(pruned, last.fields(), owned.get(first.apiVersion()));
        ObjectNode result = first.toStorage().apply(pruned);
        for (Map.Entry<String, FieldSet> version : owned.entrySet()) {
            View view = versions.view(version.getKey());
            if (view == first) {
                continue;
            }
            ObjectNode whole = (ObjectNode) in(view, merged).deepCopy();
            FieldSet removed = fields(view, whole).difference(fields(view, in(view, result)));
            removeUnowned(whole, removed, version.getValue());
            result = view.toStorage().apply(whole);
        }
        return result;
    }

    /** Removes each of {@code dropped}, deepest first, unless {@code owned} has it or something below it. */
    private static void removeUnowned(ObjectNode object, FieldSet dropped, FieldSet owned) {
        List<List<String>> paths = new ArrayList<>(dropped.paths());
        paths.sort(Comparator.comparingInt((List<String> p) -> -p.size()));
        for (List<String> path : paths) {
            if (!owned.hasAtOrBelow(path)) {
                TypedFields.remove(object, path);
            }
        }
    }

    /** The leaves present in both whose values differ (members with fields below them are compared through those). */
    private static FieldSet modified(FieldSet both, JsonNode before, JsonNode after) {
        List<List<String>> out = new ArrayList<>();
        List<List<String>> paths = both.paths();
        for (int i = 0; i < paths.size(); i++) {
            List<String> path = paths.get(i);
            boolean hasChildren = i + 1 < paths.size() && paths.get(i + 1).size() > path.size()
                    && paths.get(i + 1).subList(0, path.size()).equals(path);
            if (hasChildren) {
                continue;
            }
            if (!TypedFields.at(before, path).equals(TypedFields.at(after, path))) {
                out.add(path);
            }
        }
        return FieldSet.of(out);
    }

    /**
     * The maps, lists and structs that hold fields of {@code after} and were absent before: the
     * Update owns them too (fieldsV1's {@code "."}), as upstream's comparison adds them.
     */
    private FieldSet appeared(FieldSet after, JsonNode before) {
        List<List<String>> out = new ArrayList<>();
        for (List<String> path : after.paths()) {
            for (int length = 1; length < path.size(); length++) {
                List<String> prefix = path.subList(0, length);
                if (TypedFields.at(before, prefix).isEmpty()) {
                    out.add(List.copyOf(prefix));
                }
            }
        }
        return FieldSet.of(out).difference(SYSTEM).withoutPrefixes(ignored);
    }

    private static ManagedFields current(JsonNode live) {
        if (live == null) {
            return ManagedFields.empty();
        }
        return ManagedFields.decode(live.path("metadata").path("managedFields")).orElseGet(ManagedFields::empty)
                .copy();
    }
}
