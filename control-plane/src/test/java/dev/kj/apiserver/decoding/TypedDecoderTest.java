package dev.kj.apiserver.decoding;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.schema.Type;
import dev.kj.apiserver.schema.TypeModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Strict decoding's findings and what typed decoding keeps, path by path, as sigs.k8s.io/json words them. */
class TypedDecoderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final TypedDecoder decoder = new TypedDecoder();

    private TypedDecoder.Result decode(String apiVersion, String kind, String body) throws Exception {
        Type type = TypeModel.get().kind(apiVersion, kind).orElseThrow();
        try (JsonParser parser = JSON.createParser(body.replace('\'', '"'))) {
            return decoder.decodeKind(parser, type);
        }
    }

    @Test
    void pathsOfUnknownAndDuplicateFields() throws Exception {
        TypedDecoder.Result result = decode("v1", "Pod", """
                {'apiVersion':'v1','kind':'Pod','kind':'Pod','metadata':{'name':'p','labels':{'a':'1','a':'2'},'Name':'x'},
                 'spec':{'containers':[{'name':'a'},{'name':'b','ports':[{'containerPort':80,'hostPortz':1}]}],
                         'volumes':[{'name':'v','emptyDir':{'medium':'','sizeLimit':'1Gi','bogus':true}}]},
                 'extra':{'deep':[1]},'extra':2}""");
        assertEquals(List.of("duplicate field \"kind\"", "duplicate field \"metadata.labels.a\"", "unknown field \"metadata.Name\"",
                "unknown field \"spec.containers[1].ports[0].hostPortz\"", "unknown field \"spec.volumes[0].emptyDir.bogus\"",
                "unknown field \"extra\""), result.errors());
        assertEquals("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"labels\":{\"a\":\"2\"}},"
                + "\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\",\"ports\":[{\"containerPort\":80}]}],"
                + "\"volumes\":[{\"name\":\"v\",\"emptyDir\":{\"medium\":\"\",\"sizeLimit\":\"1Gi\"}}]}}", result.value().toString());
    }

    @Test
    void valuesTheGoTypeKeepsVerbatimAreNotChecked() throws Exception {
        TypedDecoder.Result result = decode("apps/v1", "ControllerRevision",
                "{'metadata':{'name':'r'},'revision':1,'data':{'anything':{'goes':[1,2]}}}");
        assertEquals(List.of(), result.errors());
        assertEquals("{\"anything\":{\"goes\":[1,2]}}", result.value().path("data").toString());
        TypedDecoder.Result quantity = decode("v1", "LimitRange",
                "{'spec':{'limits':[{'type':'Container','max':{'cpu':'1','memory':2}}]}}");
        assertEquals(List.of(), quantity.errors());
    }

    @Test
    void jsonPatchOperations() throws Exception {
        try (JsonParser parser = JSON.createParser("[{\"op\":\"add\",\"path\":\"/a\",\"value\":{\"x\":1,\"x\":2},\"op\":\"replace\"},{\"opp\":1}]")) {
            assertEquals(List.of("duplicate field \"[0].value.x\"", "duplicate field \"[0].op\"", "unknown field \"[1].opp\""),
                    decoder.decodeOperations(parser).errors());
        }
    }
}
