package dev.kj.apiserver.schema;

import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.ExtensionRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * kj's one model of the Kubernetes types it serves: kj's definitions of upstream's messages
 * ({@code src/main/kubernetes}, one .proto per group version) read from the descriptor set the
 * build writes. A {@link Type} per Go struct, found by kind or by name; its {@link Field}s with
 * their JSON names, encoding/json rules, and patch and list facts, all options of the .proto
 * files ({@code json.proto} says what each means). Protobuf decoding, strategic merge patch, and
 * what comes after them (OpenAPI, field validation, server-side apply) read this model only.
 * Immutable once loaded; one instance serves every request.
 */
public final class TypeModel {
    private static final String RESOURCE = "kubernetes.desc";
    private static final String OPTIONS_FILE = "json.proto";
    private static final String DESCRIPTOR_FILE = "google/protobuf/descriptor.proto";
    private static final String PACKAGE = "kj.kubernetes.";
    /** Options types every group version accepts besides its own kinds, as upstream registers them. */
    private static final String META_API_VERSION = "meta.k8s.io/v1";
    private static final Set<String> PATCH_STRATEGIES = Set.of("merge", "retainKeys", "replace");

    private static final TypeModel INSTANCE = load();

    private final Descriptor envelope;
    /** "apiVersion/Kind" → type. */
    private final Map<String, Type> kinds;
    private final Map<String, Type> metaKinds;
    private final Set<String> apiVersions;
    private final Map<String, Type> types;
    private final Map<Descriptor, Type> byDescriptor;
    private final Map<FieldDescriptor, Field> fields;

    private TypeModel(Descriptor envelope, Map<String, Type> kinds, Map<String, Type> metaKinds, Map<String, Type> types,
                      Map<Descriptor, Type> byDescriptor, Map<FieldDescriptor, Field> fields) {
        this.envelope = envelope;
        this.kinds = kinds;
        this.metaKinds = metaKinds;
        this.apiVersions = kinds.keySet().stream().map(k -> k.substring(0, k.lastIndexOf('/')))
                .collect(Collectors.toUnmodifiableSet());
        this.types = types;
        this.byDescriptor = byDescriptor;
        this.fields = fields;
    }

    public static TypeModel get() {
        return INSTANCE;
    }

    /**
     * The type of a kind. Options kinds (DeleteOptions) come under every group version's
     * apiVersion, since clients tag them with the group version they talk to.
     */
    public Optional<Type> kind(String apiVersion, String kind) {
        Type own = kinds.get(apiVersion + "/" + kind);
        if (own != null) {
            return Optional.of(own);
        }
        return apiVersions.contains(apiVersion) ? Optional.ofNullable(metaKinds.get(kind)) : Optional.empty();
    }

    /** Every "apiVersion/Kind" with a type, sorted. */
    public List<String> kinds() {
        return List.copyOf(new TreeSet<>(kinds.keySet()));
    }

    /** A type by its name, e.g. "core.v1.PodSpec". */
    public Optional<Type> type(String name) {
        return Optional.ofNullable(types.get(name));
    }

    /** Every type, by name. */
    public Map<String, Type> types() {
        return types;
    }

    /** The type of a wire message. */
    public Type type(Descriptor message) {
        Type type = byDescriptor.get(message);
        if (type == null) {
            throw new IllegalStateException("no type for " + message.getFullName());
        }
        return type;
    }

    /** The field of a wire field. */
    public Field field(FieldDescriptor field) {
        Field known = fields.get(field);
        if (known == null) {
            throw new IllegalStateException("no field for " + field.getFullName());
        }
        return known;
    }

    /** runtime.Unknown, the envelope of protobuf bodies after the {@code k8s\0} prefix. */
    public Descriptor envelope() {
        return envelope;
    }

    private static TypeModel load() {
        byte[] bytes;
        try (InputStream in = TypeModel.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the class path (built from src/main/kubernetes)");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            // Pass one builds json.proto to learn its option extensions; pass two re-reads the set
            // with them registered, so every field's options carry their values.
            Map<String, FileDescriptor> built = new HashMap<>();
            built.put(DESCRIPTOR_FILE, DescriptorProtos.getDescriptor());
            FileDescriptor options = build(OPTIONS_FILE, byName(FileDescriptorSet.parseFrom(bytes)), built);
            ExtensionRegistry registry = ExtensionRegistry.newInstance();
            options.getExtensions().forEach(registry::add);
            Map<String, FileDescriptorProto> files = byName(FileDescriptorSet.parseFrom(bytes, registry));
            for (String name : files.keySet()) {
                build(name, files, built);
            }
            return new Loader(options).index(built.values());
        } catch (IOException | DescriptorValidationException e) {
            throw new IllegalStateException("cannot read " + RESOURCE, e);
        }
    }

    private static Map<String, FileDescriptorProto> byName(FileDescriptorSet set) {
        Map<String, FileDescriptorProto> files = new LinkedHashMap<>();
        set.getFileList().forEach(file -> files.put(file.getName(), file));
        return files;
    }

    private static FileDescriptor build(String name, Map<String, FileDescriptorProto> files,
                                        Map<String, FileDescriptor> built) throws DescriptorValidationException {
        FileDescriptor done = built.get(name);
        if (done != null) {
            return done;
        }
        FileDescriptorProto proto = files.get(name);
        List<FileDescriptor> dependencies = new ArrayList<>();
        for (String dependency : proto.getDependencyList()) {
            dependencies.add(build(dependency, files, built));
        }
        FileDescriptor file = FileDescriptor.buildFrom(proto, dependencies.toArray(FileDescriptor[]::new));
        built.put(name, file);
        return file;
    }

    /** Turns the descriptors and their options into types; refuses options that make no sense where they are. */
    private static final class Loader {
        private final FieldDescriptor apiVersionOption;
        private final FieldDescriptor kindOption;
        private final FieldDescriptor structTypeOption;
        private final FieldDescriptor jsonFormOption;
        private final FieldDescriptor omitEmptyOption;
        private final FieldDescriptor pointerOption;
        private final FieldDescriptor inlineOption;
        private final FieldDescriptor patchStrategyOption;
        private final FieldDescriptor patchMergeKeyOption;
        private final FieldDescriptor listTypeOption;
        private final FieldDescriptor listMapKeysOption;
        private final FieldDescriptor mapTypeOption;
        private final FieldDescriptor requiredOption;
        private final Map<Descriptor, Type> byDescriptor = new IdentityHashMap<>();

        Loader(FileDescriptor options) {
            apiVersionOption = options.findExtensionByName("api_version");
            kindOption = options.findExtensionByName("kind");
            structTypeOption = options.findExtensionByName("struct_type");
            jsonFormOption = options.findExtensionByName("json_form");
            omitEmptyOption = options.findExtensionByName("omitempty");
            pointerOption = options.findExtensionByName("pointer");
            inlineOption = options.findExtensionByName("inline");
            patchStrategyOption = options.findExtensionByName("patch_strategy");
            patchMergeKeyOption = options.findExtensionByName("patch_merge_key");
            listTypeOption = options.findExtensionByName("list_type");
            listMapKeysOption = options.findExtensionByName("list_map_keys");
            mapTypeOption = options.findExtensionByName("map_type");
            requiredOption = options.findExtensionByName("required");
        }

        TypeModel index(Iterable<FileDescriptor> files) {
            Map<String, Type> kinds = new HashMap<>();
            Map<String, Type> metaKinds = new HashMap<>();
            Map<String, Type> types = new HashMap<>();
            Descriptor envelope = null;
            List<FileDescriptor> ours = new ArrayList<>();
            for (FileDescriptor file : files) {
                if (file.getPackage().startsWith(PACKAGE)) {
                    ours.add(file);
                }
            }
            for (FileDescriptor file : ours) {
                String apiVersion = (String) file.getOptions().getField(apiVersionOption);
                for (Descriptor message : file.getMessageTypes()) {
                    Type type = new Type(message.getFullName().substring(PACKAGE.length()), message,
                            enumValue(Field.MapType.class, (String) message.getOptions().getField(structTypeOption), message.getFullName())
                                    .orElse(Field.MapType.GRANULAR),
                            enumValue(JsonForm.class, (String) message.getOptions().getField(jsonFormOption), message.getFullName()));
                    byDescriptor.put(message, type);
                    types.put(type.name(), type);
                    if (message.getFullName().equals(PACKAGE + "runtime.Unknown")) {
                        envelope = message;
                    }
                    if ((Boolean) message.getOptions().getField(kindOption)) {
                        kinds.put(apiVersion + "/" + message.getName(), type);
                        if (apiVersion.equals(META_API_VERSION)) {
                            metaKinds.put(message.getName(), type);
                        }
                    }
                }
            }
            if (envelope == null) {
                throw new IllegalStateException(RESOURCE + " has no runtime.Unknown");
            }
            Map<FieldDescriptor, Field> fields = new IdentityHashMap<>();
            for (Type type : byDescriptor.values()) {
                List<Field> declared = new ArrayList<>();
                for (FieldDescriptor descriptor : type.descriptor().getFields()) {
                    Field field = field(descriptor);
                    declared.add(field);
                    fields.put(descriptor, field);
                }
                type.fields(declared);
            }
            byDescriptor.values().forEach(Type::flatten);
            byDescriptor.values().forEach(Loader::checkMergeKeys);
            return new TypeModel(envelope, Map.copyOf(kinds), Map.copyOf(metaKinds), Map.copyOf(types),
                    Map.copyOf(byDescriptor), fields);
        }

        private Field field(FieldDescriptor descriptor) {
            var options = descriptor.getOptions();
            String where = descriptor.getFullName();
            String strategy = (String) options.getField(patchStrategyOption);
            List<String> strategies = strategy.isEmpty() ? List.of() : Arrays.asList(strategy.split(","));
            for (String each : strategies) {
                if (!PATCH_STRATEGIES.contains(each)) {
                    throw new IllegalStateException(where + ": patch_strategy " + strategy);
                }
            }
            @SuppressWarnings("unchecked")
            List<String> mapKeys = (List<String>) options.getField(listMapKeysOption);
            boolean omitEmpty = (Boolean) options.getField(omitEmptyOption);
            boolean required = options.hasField(requiredOption) ? (Boolean) options.getField(requiredOption) : !omitEmpty;
            Field field = new Field(descriptor.getJsonName(), descriptor, value(descriptor),
                    (Boolean) options.getField(omitEmptyOption), (Boolean) options.getField(pointerOption),
                    (Boolean) options.getField(inlineOption), strategies, (String) options.getField(patchMergeKeyOption),
                    enumValue(Field.ListType.class, (String) options.getField(listTypeOption), where), mapKeys,
                    enumValue(Field.MapType.class, (String) options.getField(mapTypeOption), where), required);
            // a Go []byte is a list to upstream's markers (CSR certificates are +listType=atomic)
            boolean list = field.value() instanceof Field.ListOf
                    || field.value().equals(new Field.Scalar(Field.ScalarKind.BYTES)) && field.patchMergeKey().isEmpty();
            if (!list && (field.listType().isPresent() || !field.patchMergeKey().isEmpty() || field.hasPatchStrategy("merge")
                    && !(field.value() instanceof Field.MapOf))) {
                throw new IllegalStateException(where + ": list facts on a field that is not a list");
            }
            if (field.mapType().isPresent() && !(field.value() instanceof Field.MapOf)) {
                throw new IllegalStateException(where + ": map_type on a field that is not a map");
            }
            if (!mapKeys.isEmpty() != (field.listType().orElse(null) == Field.ListType.MAP)) {
                throw new IllegalStateException(where + ": list_map_keys go with list_type map, and only there");
            }
            if (field.inline() && !(field.value() instanceof Field.Struct)) {
                throw new IllegalStateException(where + ": inline on a field that is not a struct");
            }
            return field;
        }

        /** Merge keys and map keys must be fields of the list's items. */
        private static void checkMergeKeys(Type type) {
            for (Field field : type.fields()) {
                List<String> keys = new ArrayList<>(field.listMapKeys());
                if (!field.patchMergeKey().isEmpty()) {
                    keys.add(field.patchMergeKey());
                }
                for (String key : keys) {
                    if (!(field.value() instanceof Field.ListOf(Field.Struct(Type items))) || items.field(key).isEmpty()) {
                        throw new IllegalStateException(field.descriptor().getFullName() + ": key " + key + " is not a field of its items");
                    }
                }
            }
        }

        private Field.Value value(FieldDescriptor descriptor) {
            if (descriptor.isMapField()) {
                return new Field.MapOf(single(descriptor.getMessageType().findFieldByName("value")));
            }
            Field.Value one = single(descriptor);
            return descriptor.isRepeated() ? new Field.ListOf(one) : one;
        }

        private Field.Value single(FieldDescriptor descriptor) {
            return switch (descriptor.getJavaType()) {
                case MESSAGE -> new Field.Struct(byDescriptor.get(descriptor.getMessageType()));
                case STRING -> new Field.Scalar(Field.ScalarKind.STRING);
                case INT, LONG -> new Field.Scalar(Field.ScalarKind.INTEGER);
                case FLOAT, DOUBLE -> new Field.Scalar(Field.ScalarKind.NUMBER);
                case BOOLEAN -> new Field.Scalar(Field.ScalarKind.BOOLEAN);
                case BYTE_STRING -> new Field.Scalar(Field.ScalarKind.BYTES);
                case ENUM -> throw new IllegalStateException("Kubernetes messages have no enums: " + descriptor.getFullName());
            };
        }

        private static <E extends Enum<E>> Optional<E> enumValue(Class<E> type, String value, String where) {
            if (value.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(Enum.valueOf(type, value.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(where + ": " + value + " is not a " + type.getSimpleName());
            }
        }
    }
}
