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
        System.out.println("checked " + checked);
        assertEquals(List.of(), failures);
    }
}
