package dev.kj.kubelet.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A single-layer OCI image made from files kj has at hand (its pause program, a host's static
 * busybox), written as an OCI image layout directory (what skopeo copies from) or as the tar of
 * one (what {@code ctr images import} reads). Layers are uncompressed: they never leave the machine.
 */
public final class OciImage {
    public static final String MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";
    public static final String CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json";
    public static final String LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Map<String, byte[]> blobs;
    private final Blob manifest;

    private record Blob(String digest, byte[] content) {
    }

    private OciImage(String name, Map<String, byte[]> blobs, Blob manifest) {
        this.name = name;
        this.blobs = blobs;
        this.manifest = manifest;
    }

    /** Starts an image named {@code name} (registry/repository:tag) for {@code architecture} (amd64, arm64). */
    public static Builder builder(String name, String architecture) {
        return new Builder(name, architecture);
    }

    public String name() {
        return name;
    }

    /** The manifest's digest, the image's identity in a registry (sha256:...). */
    public String manifestDigest() {
        return manifest.digest();
    }

    /** The tag part of the name, what the layout's index names the manifest by. */
    String tag() {
        int slash = name.lastIndexOf('/');
        int colon = name.lastIndexOf(':');
        return colon > slash ? name.substring(colon + 1) : "latest";
    }

    /** Writes an OCI image layout into {@code dir} (created if absent). */
    public void writeLayout(Path dir) {
        try {
            Files.createDirectories(dir.resolve("blobs/sha256"));
            Files.write(dir.resolve("oci-layout"), layoutMarker());
            Files.write(dir.resolve("index.json"), index());
            for (var blob : blobs.entrySet()) {
                Files.write(dir.resolve("blobs/sha256").resolve(blob.getKey().substring("sha256:".length())), blob.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The same layout as one tar archive. */
    public byte[] archive() {
        List<Tar.Entry> entries = new ArrayList<>();
        entries.add(new Tar.File("oci-layout", 0644, layoutMarker()));
        entries.add(new Tar.File("index.json", 0644, index()));
        entries.add(new Tar.Directory("blobs", 0755));
        entries.add(new Tar.Directory("blobs/sha256", 0755));
        for (var blob : blobs.entrySet()) {
            entries.add(new Tar.File("blobs/sha256/" + blob.getKey().substring("sha256:".length()), 0644, blob.getValue()));
        }
        return Tar.write(entries);
    }

    private static byte[] layoutMarker() {
        return "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private byte[] index() {
        ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2);
        ObjectNode descriptor = index.putArray("manifests").addObject()
                .put("mediaType", MANIFEST_MEDIA_TYPE)
                .put("digest", manifest.digest())
                .put("size", manifest.content().length);
        // containerd's importer takes the full name from its own annotation, other tools the tag.
        descriptor.putObject("annotations")
                .put("io.containerd.image.name", name)
                .put("org.opencontainers.image.ref.name", tag());
        return bytes(index);
    }

    private static byte[] bytes(ObjectNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sha256(byte[] content) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Collects the layer's files and the runtime config, then computes the blobs. */
    public static final class Builder {
        private final String name;
        private final String architecture;
        private final List<Tar.Entry> files = new ArrayList<>();
        private final List<String> entrypoint = new ArrayList<>();
        private final List<String> env = new ArrayList<>();
        private final Map<String, String> labels = new LinkedHashMap<>();

        private Builder(String name, String architecture) {
            this.name = name;
            this.architecture = architecture;
        }

        public Builder directory(String path) {
            files.add(new Tar.Directory(path, 0755));
            return this;
        }

        public Builder file(String path, int mode, byte[] content) {
            files.add(new Tar.File(path, mode, content));
            return this;
        }

        public Builder symlink(String path, String target) {
            files.add(new Tar.Symlink(path, target));
            return this;
        }

        public Builder entrypoint(String... command) {
            entrypoint.addAll(List.of(command));
            return this;
        }

        public Builder env(String variable) {
            env.add(variable);
            return this;
        }

        public Builder label(String key, String value) {
            labels.put(key, value);
            return this;
        }

        public OciImage build() {
            Map<String, byte[]> blobs = new LinkedHashMap<>();
            byte[] layer = Tar.write(files);
            String layerDigest = sha256(layer);
            blobs.put(layerDigest, layer);

            ObjectNode config = JSON.createObjectNode()
                    .put("architecture", architecture)
                    .put("os", "linux");
            ObjectNode runtime = config.putObject("config");
            if (!env.isEmpty()) {
                ArrayNode envs = runtime.putArray("Env");
                env.forEach(envs::add);
            }
            if (!entrypoint.isEmpty()) {
                ArrayNode command = runtime.putArray("Entrypoint");
                entrypoint.forEach(command::add);
            }
            if (!labels.isEmpty()) {
                ObjectNode labelNode = runtime.putObject("Labels");
                labels.forEach(labelNode::put);
            }
            config.putObject("rootfs").put("type", "layers").putArray("diff_ids").add(layerDigest);
            byte[] configBytes = bytes(config);
            String configDigest = sha256(configBytes);
            blobs.put(configDigest, configBytes);

            ObjectNode manifest = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", MANIFEST_MEDIA_TYPE);
            manifest.putObject("config").put("mediaType", CONFIG_MEDIA_TYPE).put("digest", configDigest).put("size", configBytes.length);
            manifest.putArray("layers").addObject().put("mediaType", LAYER_MEDIA_TYPE).put("digest", layerDigest).put("size", layer.length);
            byte[] manifestBytes = bytes(manifest);
            String manifestDigest = sha256(manifestBytes);
            blobs.put(manifestDigest, manifestBytes);
            return new OciImage(name, Map.copyOf(blobs), new Blob(manifestDigest, manifestBytes));
        }
    }
}
