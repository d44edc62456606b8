package dev.kj.apiserver.protobuf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Upstream's own round-trip fixtures as the oracle: k8s.io/api (and apiextensions-apiserver) keep,
 * per kind, an object with every field set in protobuf ({@code <group>.<version>.<Kind>.pb}) and in
 * JSON ({@code .json}); every kind kj decodes must give that JSON byte for byte, key order included.
 * The fixtures are not part of kj, so this runs only when pointed at them, e.g. with the files of
 * {@code testdata/HEAD} (k8s.io/api v0.33.0) and {@code pkg/apis/testdata/HEAD}
 * (k8s.io/apiextensions-apiserver v0.33.0) copied into one directory:
 * {@code ./test -pl control-plane -am -Dtest=UpstreamFixturesTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dkj.kubernetes.fixtures=DIR}. Last run: all 58 kinds equal.
 */
@EnabledIfSystemProperty(named = "kj.kubernetes.fixtures", matches = ".+")
class UpstreamFixturesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void decodesLikeUpstream() throws Exception {
        Path dir = Path.of(System.getProperty("kj.kubernetes.fixtures"));
        ProtobufBodies bodies = new ProtobufBodies(JSON);
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (String kind : bodies.kinds()) {
            String apiVersion = kind.substring(0, kind.lastIndexOf('/'));
            String name = kind.substring(kind.lastIndexOf('/') + 1);
            String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "core";
            String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
            Path pb = dir.resolve(group + "." + version + "." + name + ".pb");
            if (name.equals("DeleteOptions")) {
                pb = dir.resolve("core.v1.DeleteOptions.pb");
            }
            if (!Files.exists(pb)) {
                failures.add("no fixture " + pb.getFileName());
                continue;
            }
            JsonNode expected = JSON.readTree(Files.readAllBytes(Path.of(pb.toString().replace(".pb", ".json"))));
            try {
                JsonNode actual = bodies.decode(Files.readAllBytes(pb), apiVersion, name);
                checked++;
                if (!JSON.writeValueAsString(expected).equals(JSON.writeValueAsString(actual))) {
                    failures.add(kind + ":\n  expected " + expected + "\n  actual   " + actual);
                }
            } catch (RuntimeException e) {
                failures.add(kind + ": " + e);
            }
        }
        assertEquals(List.of(), failures);
        assertEquals(bodies.kinds().size(), checked);
    }
}
