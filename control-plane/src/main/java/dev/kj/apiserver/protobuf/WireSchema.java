package dev.kj.apiserver.protobuf;

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
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * kj's Kubernetes wire messages ({@code src/main/kubernetes}), read from the descriptor set the
 * build writes: the kinds a request envelope may name, and for every field the Go JSON rules its
 * options give ({@code json.proto}). Immutable once loaded; one instance serves every request.
 */
final class WireSchema {
    private static final String RESOURCE = "kubernetes.desc";
    private static final String OPTIONS_FILE = "json.proto";
    private static final String DESCRIPTOR_FILE = "google/protobuf/descriptor.proto";
    /** Options types every group version accepts besides its own kinds, as upstream registers them. */
    private static final String META_API_VERSION = "meta.k8s.io/v1";

    /** How upstream's Go field is written in JSON (see json.proto). */
    record Rule(boolean omitEmpty, boolean pointer, boolean inline) {
    }

    private final Descriptor envelope;
    /** "apiVersion/Kind" → message. */
    private final Map<String, Descriptor> kinds;
    private final Map<String, Descriptor> metaKinds;
    private final Set<String> apiVersions;
    private final Map<FieldDescriptor, Rule> rules;
    private final Map<String, Descriptor> messages;

    private WireSchema(Descriptor envelope, Map<String, Descriptor> kinds, Map<String, Descriptor> metaKinds,
                       Map<FieldDescriptor, Rule> rules, Map<String, Descriptor> messages) {
        this.messages = messages;
        this.envelope = envelope;
        this.kinds = kinds;
        this.metaKinds = metaKinds;
        this.apiVersions = kinds.keySet().stream().map(k -> k.substring(0, k.lastIndexOf('/')))
                .collect(Collectors.toUnmodifiableSet());
        this.rules = rules;
    }

    private static final WireSchema INSTANCE = load();

    static WireSchema get() {
        return INSTANCE;
    }

    /** runtime.Unknown, the envelope after the {@code k8s\0} prefix. */
    Descriptor envelope() {
        return envelope;
    }

    /**
     * The message of a kind. Options kinds (DeleteOptions) come under every group version's
     * apiVersion, since clients tag them with the group version they talk to.
     */
    Optional<Descriptor> kind(String apiVersion, String kind) {
        Descriptor own = kinds.get(apiVersion + "/" + kind);
        if (own != null) {
            return Optional.of(own);
        }
        return apiVersions.contains(apiVersion) ? Optional.ofNullable(metaKinds.get(kind)) : Optional.empty();
    }

    /** A message by its full name (kj.kubernetes.…). */
    Optional<Descriptor> message(String fullName) {
        return Optional.ofNullable(messages.get(fullName));
    }

    /** Every "apiVersion/Kind" with a message, sorted. */
    List<String> kinds() {
        return List.copyOf(new TreeSet<>(kinds.keySet()));
    }

    Rule rule(FieldDescriptor field) {
        Rule rule = rules.get(field);
        if (rule == null) {
            throw new IllegalStateException("no JSON rule for " + field.getFullName());
        }
        return rule;
    }

    private static WireSchema load() {
        byte[] bytes;
        try (InputStream in = WireSchema.class.getResourceAsStream(RESOURCE)) {
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
            return index(built, options);
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

    private static WireSchema index(Map<String, FileDescriptor> files, FileDescriptor options) {
        FieldDescriptor apiVersionOption = options.findExtensionByName("api_version");
        FieldDescriptor kindOption = options.findExtensionByName("kind");
        FieldDescriptor omitEmptyOption = options.findExtensionByName("omitempty");
        FieldDescriptor pointerOption = options.findExtensionByName("pointer");
        FieldDescriptor inlineOption = options.findExtensionByName("inline");
        Map<String, Descriptor> kinds = new HashMap<>();
        Map<String, Descriptor> metaKinds = new HashMap<>();
        Map<FieldDescriptor, Rule> rules = new IdentityHashMap<>();
        Map<String, Descriptor> messages = new HashMap<>();
        Descriptor envelope = null;
        for (FileDescriptor file : files.values()) {
            if (file.getPackage().startsWith("google.")) {
                continue;
            }
            String apiVersion = (String) file.getOptions().getField(apiVersionOption);
            for (Descriptor message : file.getMessageTypes()) {
                messages.put(message.getFullName(), message);
                if (message.getFullName().equals("kj.kubernetes.runtime.Unknown")) {
                    envelope = message;
                }
                if ((Boolean) message.getOptions().getField(kindOption)) {
                    kinds.put(apiVersion + "/" + message.getName(), message);
                    if (apiVersion.equals(META_API_VERSION)) {
                        metaKinds.put(message.getName(), message);
                    }
                }
                for (FieldDescriptor field : message.getFields()) {
                    var fieldOptions = field.getOptions();
                    rules.put(field, new Rule((Boolean) fieldOptions.getField(omitEmptyOption),
                            (Boolean) fieldOptions.getField(pointerOption), (Boolean) fieldOptions.getField(inlineOption)));
                }
            }
        }
        if (envelope == null) {
            throw new IllegalStateException(RESOURCE + " has no runtime.Unknown");
        }
        return new WireSchema(envelope, Map.copyOf(kinds), Map.copyOf(metaKinds), rules, Map.copyOf(messages));
    }
}
