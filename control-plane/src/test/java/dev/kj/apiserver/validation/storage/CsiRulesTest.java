package dev.kj.apiserver.validation.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.KindRules;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** CSIDriver, CSINode and VolumeAttachment with upstream's defaults, paths and texts. */
class CsiRulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUBDOMAIN = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric"
            + " characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex"
            + " used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    static ObjectNode object(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static List<String> problems(KindRules rules, String json) {
        ObjectNode object = object(json);
        rules.setDefaults(object);
        return rules.validate(object).stream().map(FieldError::toString).toList();
    }

    record Case(String name, KindRules rules, String object, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("a defaulted driver", CsiRules.CSI_DRIVER, "{\"spec\":{}}", List.of()),
                new Case("driver spec", CsiRules.CSI_DRIVER, "{\"spec\":{\"fsGroupPolicy\":\"Always\",\"volumeLifecycleModes\":"
                        + "[\"Persistent\",\"Temporary\"],\"tokenRequests\":[{\"audience\":\"a\",\"expirationSeconds\":60},"
                        + "{\"audience\":\"a\"}]}}",
                        List.of("spec.fsGroupPolicy: Unsupported value: \"Always\": supported values: \"File\", \"None\","
                                        + " \"ReadWriteOnceWithFSType\"",
                                "spec.tokenRequests[0].expirationSeconds: Invalid value: 60: may not specify a duration less"
                                        + " than 10 minutes",
                                "spec.tokenRequests[1].audience: Duplicate value: \"a\"",
                                "spec.volumeLifecycleModes: Unsupported value: \"Temporary\": supported values: \"Persistent\","
                                        + " \"Ephemeral\"")),
                new Case("node drivers", CsiRules.CSI_NODE, "{\"spec\":{\"drivers\":[{\"name\":\"csi.example.com\",\"nodeID\":\"n\","
                        + "\"topologyKeys\":[\"zone\",\"zone\",\"\"],\"allocatable\":{\"count\":-1}},{\"name\":\"csi.example.com\"}]}}",
                        List.of("spec.drivers[0].allocatable.count: Invalid value: -1: must be greater than or equal to 0",
                                "spec.drivers[0]: Duplicate value: \"zone\"",
                                "spec.drivers[0]: Required value",
                                "spec.drivers[0]: Invalid value: \"\": name part must be non-empty",
                                "spec.drivers[0]: Invalid value: \"\": name part must consist of alphanumeric characters, '-',"
                                        + " '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', "
                                        + " or 'my.name',  or '123-abc', regex used for validation is"
                                        + " '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
                                "spec.drivers[1].nodeID: Required value",
                                "spec.drivers[1].name: Duplicate value: \"csi.example.com\"")),
                new Case("attachments", CsiRules.VOLUME_ATTACHMENT, "{\"spec\":{\"attacher\":\"CSI_Driver\",\"nodeName\":\"node-1\","
                        + "\"source\":{}},\"status\":{\"attachError\":{\"errorCode\":-2}}}",
                        List.of("spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName",
                                "status.attachError.errorCode: Invalid value: -2: must be between 0 and 2147483647, inclusive",
                                "spec.attacher: Invalid value: \"CSI_Driver\": " + SUBDOMAIN)),
                new Case("attachment source", CsiRules.VOLUME_ATTACHMENT, "{\"spec\":{\"attacher\":\"csi.example.com\",\"nodeName\":"
                        + "\"Node\",\"source\":{\"persistentVolumeName\":\"\"}}}",
                        List.of("spec.source.persistentVolumeName: Required value: must specify non empty persistentVolumeName",
                                "spec.nodeName: Invalid value: \"Node\": " + SUBDOMAIN,
                                "spec.source.persistentVolumeName: Invalid value: \"\": " + SUBDOMAIN)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusesAsUpstream(Case c) {
        assertEquals(c.expected(), problems(c.rules(), c.object()));
    }

    @Test
    void driversDefaultAsV1AndKeepTheirAttachmentAndModes() {
        ObjectNode driver = object("{\"spec\":{}}");
        CsiRules.CSI_DRIVER.setDefaults(driver);
        assertEquals(object("{\"attachRequired\":true,\"podInfoOnMount\":false,\"storageCapacity\":false,\"fsGroupPolicy\":"
                + "\"ReadWriteOnceWithFSType\",\"volumeLifecycleModes\":[\"Persistent\"],\"requiresRepublish\":false,"
                + "\"seLinuxMount\":false}"), driver.get("spec"));
        ObjectNode changed = driver.deepCopy();
        ((ObjectNode) changed.get("spec")).put("attachRequired", false).putArray("volumeLifecycleModes").add("Ephemeral");
        assertEquals(List.of("spec.attachedRequired: Invalid value: false: field is immutable",
                        "spec.volumeLifecycleModes: Invalid value: []storage.VolumeLifecycleMode{\"Ephemeral\"}: field is immutable"),
                CsiRules.CSI_DRIVER.validateUpdate(changed, driver).stream().map(FieldError::toString).toList());
    }
}
