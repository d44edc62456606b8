package dev.kj.apiserver.patch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.errors.StatusException;
import org.junit.jupiter.api.Test;

class PatchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void mergePatchFollowsRfc7386() throws Exception {
        JsonNode target = JSON.readTree("{\"a\":\"b\",\"c\":{\"d\":\"e\",\"f\":\"g\"},\"l\":[1,2]}");
        JsonNode patch = JSON.readTree("{\"a\":\"z\",\"c\":{\"f\":null},\"l\":[3],\"n\":{\"x\":1}}");
        assertEquals(JSON.readTree("{\"a\":\"z\",\"c\":{\"d\":\"e\"},\"l\":[3],\"n\":{\"x\":1}}"), MergePatch.apply(target, patch));
        assertEquals(JSON.readTree("{\"a\":\"b\",\"c\":{\"d\":\"e\",\"f\":\"g\"},\"l\":[1,2]}"), target, "the target is untouched");
    }

    @Test
    void jsonPatchFollowsRfc6902() throws Exception {
        JsonNode target = JSON.readTree("{\"metadata\":{\"labels\":{\"a\":\"1\"}},\"list\":[\"x\",\"y\"]}");
        JsonNode patch = JSON.readTree("""
                [{"op":"add","path":"/metadata/labels/b~1c","value":"2"},
                 {"op":"replace","path":"/metadata/labels/a","value":"3"},
                 {"op":"remove","path":"/list/0"},
                 {"op":"add","path":"/list/-","value":"z"},
                 {"op":"copy","from":"/list","path":"/copy"},
                 {"op":"test","path":"/copy/1","value":"z"}]""");
        assertEquals(JSON.readTree("{\"metadata\":{\"labels\":{\"a\":\"3\",\"b/c\":\"2\"}},\"list\":[\"y\",\"z\"],"
                + "\"copy\":[\"y\",\"z\"]}"), JsonPatch.apply(target, patch));
    }

    @Test
    void aFailingJsonPatchIsUnprocessable() throws Exception {
        JsonNode target = JSON.readTree("{\"a\":1}");
        StatusException e = assertThrows(StatusException.class,
                () -> JsonPatch.apply(target, JSON.readTree("[{\"op\":\"test\",\"path\":\"/a\",\"value\":2}]")));
        assertEquals(422, e.code());
        assertThrows(StatusException.class,
                () -> JsonPatch.apply(target, JSON.readTree("[{\"op\":\"remove\",\"path\":\"/missing\"}]")));
    }
}
