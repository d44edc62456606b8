package dev.kj.kubelet.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciImageTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode blob(Path layout, String digest) throws Exception {
        byte[] bytes = Files.readAllBytes(layout.resolve("blobs/sha256").resolve(digest.substring(7)));
        assertEquals(digest, OciImage.sha256(bytes), "blob content matches its digest");
        return JSON.readTree(bytes);
    }

    @Test
    void layoutIndexManifestConfigAndLayerAreConsistent(@TempDir Path dir) throws Exception {
        OciImage image = OciImage.builder("127.0.0.1:5000/kj/tool:v2", "amd64")
                .directory("bin")
                .file("bin/tool", 0755, "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8))
                .symlink("bin/alias", "tool")
                .env("PATH=/bin")
                .entrypoint("/bin/tool")
                .build();
        image.writeLayout(dir);

        JsonNode index = JSON.readTree(dir.resolve("index.json").toFile());
        JsonNode descriptor = index.path("manifests").get(0);
        assertEquals(image.manifestDigest(), descriptor.path("digest").asText());
        assertEquals("v2", descriptor.path("annotations").path("org.opencontainers.image.ref.name").asText());
        assertEquals("127.0.0.1:5000/kj/tool:v2", descriptor.path("annotations").path("io.containerd.image.name").asText());

        JsonNode manifest = blob(dir, image.manifestDigest());
        assertEquals(OciImage.MANIFEST_MEDIA_TYPE, manifest.path("mediaType").asText());
        JsonNode config = blob(dir, manifest.path("config").path("digest").asText());
        assertEquals("amd64", config.path("architecture").asText());
        assertEquals("[\"/bin/tool\"]", config.path("config").path("Entrypoint").toString());
        String layerDigest = manifest.path("layers").get(0).path("digest").asText();
        assertEquals(layerDigest, config.path("rootfs").path("diff_ids").get(0).asText(), "uncompressed: diff id = layer digest");

        // The layer is a tar that GNU tar reads back with the same names, modes and link.
        Path layer = dir.resolve("blobs/sha256").resolve(layerDigest.substring(7));
        Process tar = new ProcessBuilder("tar", "-tvf", layer.toString()).redirectErrorStream(true).start();
        List<String> listing = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertEquals(0, tar.waitFor());
        assertEquals(3, listing.size(), listing.toString());
        assertEquals(true, listing.get(1).startsWith("-rwxr-xr-x root/root") && listing.get(1).endsWith("bin/tool"), listing.get(1));
        assertEquals(true, listing.get(2).endsWith("bin/alias -> tool"), listing.get(2));
    }

    @Test
    void archiveHoldsTheSameLayout(@TempDir Path dir) throws Exception {
        OciImage image = OciImage.builder("localhost/x:1", "amd64").file("x", 0644, new byte[] {1, 2, 3}).build();
        Files.write(dir.resolve("image.tar"), image.archive());
        Files.createDirectories(dir.resolve("out"));
        Process tar = new ProcessBuilder("tar", "-xf", dir.resolve("image.tar").toString(), "-C", dir.resolve("out").toString())
                .redirectErrorStream(true).start();
        assertEquals(0, tar.waitFor(), new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        image.writeLayout(dir.resolve("layout"));
        assertArrayEquals(Files.readAllBytes(dir.resolve("layout/index.json")), Files.readAllBytes(dir.resolve("out/index.json")));
        blob(dir.resolve("out"), image.manifestDigest());
    }
}
