package dev.kj.apiserver.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.networking.IngressClassRules;
import dev.kj.apiserver.validation.node.RuntimeClassRules;
import dev.kj.apiserver.validation.scheduling.PriorityClassRules;
import dev.kj.apiserver.validation.storage.StorageClassRules;
import java.util.List;
import org.junit.jupiter.api.Test;

/** StorageClasses, PriorityClasses, RuntimeClasses and IngressClasses: upstream's defaults, checks and immutable fields. */
class ClassRulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static ObjectNode object(String json) {
        try {
            return (ObjectNode) JSON.readTree(json.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static List<String> messages(List<FieldError> errors) {
        return errors.stream().map(FieldError::toString).toList();
    }

    @Test
    void storageClasses() {
        StorageClassRules rules = new StorageClassRules();
        ObjectNode standard = object("{'metadata':{'name':'standard'},'provisioner':'rancher.io/local-path'}");
        rules.setDefaults(standard);
        assertEquals("Delete", standard.path("reclaimPolicy").asText());
        assertEquals("Immediate", standard.path("volumeBindingMode").asText());
        assertEquals(List.of(), rules.validate(standard));

        ObjectNode bad = object("{'reclaimPolicy':'Recycle','volumeBindingMode':'Later','parameters':{'':'x'}}");
        rules.setDefaults(bad);
        assertEquals(List.of("provisioner: Required value",
                "parameters: Invalid value: \"\": field can not be empty.",
                "reclaimPolicy: Unsupported value: \"Recycle\": supported values: \"Delete\", \"Retain\"",
                "volumeBindingMode: Unsupported value: \"Later\": supported values: \"Immediate\", \"WaitForFirstConsumer\""),
                messages(rules.validate(bad)));

        ObjectNode changed = object("{'provisioner':'other.io/x','parameters':{'type':'ssd'},'reclaimPolicy':'Retain',"
                + "'volumeBindingMode':'WaitForFirstConsumer'}");
        assertEquals(List.of("parameters: Forbidden: updates to parameters are forbidden.",
                "provisioner: Forbidden: updates to provisioner are forbidden.",
                "reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.",
                "volumeBindingMode: Invalid value: \"WaitForFirstConsumer\": field is immutable"),
                messages(rules.validateUpdate(changed, standard)));
    }

    @Test
    void priorityClasses() {
        PriorityClassRules rules = new PriorityClassRules();
        ObjectNode high = object("{'metadata':{'name':'high'},'value':1000}");
        rules.setDefaults(high);
        assertEquals("PreemptLowerPriority", high.path("preemptionPolicy").asText());
        assertEquals(List.of(), rules.validate(high));

        assertEquals(List.of("value: Forbidden: maximum allowed value of a user defined priority is 1000000000",
                "preemptionPolicy: Unsupported value: \"Sometimes\": supported values: \"PreemptLowerPriority\", \"Never\""),
                messages(rules.validate(object("{'metadata':{'name':'huge'},'value':1000000001,"
                        + "'preemptionPolicy':'Sometimes'}"))));
        assertEquals(List.of("metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system"
                + " use only. error: system-x is not a known system priority class"),
                messages(rules.validate(object("{'metadata':{'name':'system-x'},'value':1}"))));
        assertEquals(List.of("metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system"
                + " use only. error: value of system-node-critical PriorityClass must be 2000001000"),
                messages(rules.validate(object("{'metadata':{'name':'system-node-critical'},'value':1}"))));
        assertEquals(List.of(), rules.validate(object("{'metadata':{'name':'system-cluster-critical'},'value':2000000000}")));

        ObjectNode changed = object("{'metadata':{'name':'high'},'value':2000,'preemptionPolicy':'Never'}");
        assertEquals(List.of("value: Forbidden: may not be changed in an update.",
                "preemptionPolicy: Invalid value: \"Never\": field is immutable"),
                messages(rules.validateUpdate(changed, high)));
    }

    @Test
    void runtimeClasses() {
        RuntimeClassRules rules = new RuntimeClassRules();
        ObjectNode runc = object("{'metadata':{'name':'runc'},'handler':'runc','scheduling':{'nodeSelector':{'a':'b'}}}");
        assertEquals(List.of(), rules.validate(runc));
        assertEquals(List.of("handler: Invalid value: \"Kata_1\": a lowercase RFC 1123 label must consist of lower case"
                + " alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g."
                + " 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"),
                messages(rules.validate(object("{'handler':'Kata_1'}"))));
        assertEquals(List.of("handler: Invalid value: \"kata\": field is immutable"),
                messages(rules.validateUpdate(object("{'handler':'kata'}"), runc)));
    }

    @Test
    void ingressClasses() {
        IngressClassRules rules = new IngressClassRules();
        ObjectNode nginx = object("{'spec':{'controller':'k8s.io/ingress-nginx','parameters':{'kind':'Config','name':'c'}}}");
        rules.setDefaults(nginx);
        assertEquals("Cluster", nginx.path("spec").path("parameters").path("scope").asText());
        assertEquals(List.of(), rules.validate(nginx));
        assertEquals(List.of("spec.controller: Invalid value: \"nginx\": must be a domain-prefixed path (such as"
                        + " \"acme.io/foo\")",
                "spec.parameters.kind: Required value", "spec.parameters.name: Required value",
                "spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'"),
                messages(rules.validate(object("{'spec':{'controller':'nginx','parameters':{'scope':'Namespace'}}}"))));
        assertEquals(List.of("spec.controller: Invalid value: \"a b\": Invalid path (regex used for validation is"
                        + " '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')"),
                messages(rules.validate(object("{'spec':{'controller':'example.com/a b'}}"))));
        assertEquals(List.of("spec.controller: Invalid value: \"example.com/other\": field is immutable"),
                messages(rules.validateUpdate(object("{'spec':{'controller':'example.com/other'}}"), nginx)));
    }
}
