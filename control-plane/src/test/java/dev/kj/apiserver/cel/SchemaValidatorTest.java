package dev.kj.apiserver.cel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.validation.FieldError;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CRD x-kubernetes-validations enforced on custom resources, with upstream's paths and messages. */
class SchemaValidatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text.replace('\'', '"'));
    }

    private static List<String> messages(List<FieldError> errors) {
        return errors.stream().map(FieldError::toString).toList();
    }

    private static final String SCHEMA = "{'type':'object','properties':{'spec':{'type':'object',"
            + "'x-kubernetes-validations':[{'rule':'self.minReplicas <= self.replicas',"
            + "'message':'replicas should be greater than or equal to minReplicas'},"
            + "{'rule':'self.replicas >= oldSelf.replicas','message':'replicas may not shrink','reason':'FieldValueForbidden'},"
            + "{'rule':'self.name.startsWith(\\'x\\')','messageExpression':'\\'name \\' + self.name + \\' must start with x\\'',"
            + "'fieldPath':'.name'}],"
            + "'properties':{'replicas':{'type':'integer','x-kubernetes-validations':[{'rule':'self < 10'}]},"
            + "'minReplicas':{'type':'integer'},'name':{'type':'string'},"
            + "'ratio':{'type':'number','x-kubernetes-validations':[{'rule':'self > 0.5','message':'too small'}]},"
            + "'created':{'type':'string','format':'date-time','x-kubernetes-validations':"
            + "[{'rule':'self > timestamp(\\'2020-01-01T00:00:00Z\\')','message':'too old'}]},"
            + "'ports':{'type':'array','x-kubernetes-list-type':'map','x-kubernetes-list-map-keys':['name'],"
            + "'items':{'type':'object','required':['name'],'properties':{'name':{'type':'string'},'port':{'type':'integer'}},"
            + "'x-kubernetes-validations':[{'rule':'self.port == oldSelf.port','message':'port is immutable'}]}},"
            + "'labels':{'type':'object','additionalProperties':{'type':'string',"
            + "'x-kubernetes-validations':[{'rule':'self.size() <= 3'}]}}}}},"
            + "'x-kubernetes-validations':[{'rule':'self.metadata.name.size() < 10','message':'name too long'}]}";

    @Test
    void rulesPassAndFailWithUpstreamsPathsAndMessages() throws Exception {
        SchemaValidator validator = new SchemaValidator(json(SCHEMA));
        JsonNode good = json("{'apiVersion':'x.dev/v1','kind':'W','metadata':{'name':'w'},'spec':{'replicas':3,"
                + "'minReplicas':1,'name':'xa','ratio':1,'created':'2024-05-01T10:00:00Z','labels':{'a':'b'},"
                + "'ports':[{'name':'http','port':80}]}}");
        assertEquals(List.of(), messages(validator.validate(good, null)));

        JsonNode bad = json("{'apiVersion':'x.dev/v1','kind':'W','metadata':{'name':'much-too-long'},'spec':{'replicas':12,"
                + "'minReplicas':20,'name':'ya','ratio':0.25,'created':'2019-05-01T10:00:00Z','labels':{'a':'long'}}}");
        assertEquals(List.of(
                "<nil>: Invalid value: name too long",
                "spec: Invalid value: replicas should be greater than or equal to minReplicas",
                "spec.name: Invalid value: name ya must start with x",
                "spec.replicas: Invalid value: 12: failed rule: self < 10",
                "spec.ratio: Invalid value: 0.25: too small",
                "spec.created: Invalid value: \"2019-05-01T10:00:00Z\": too old",
                "spec.labels[a]: Invalid value: \"long\": failed rule: self.size() <= 3"),
                messages(validator.validate(bad, null)));
    }

    @Test
    void transitionRulesRunOnlyWhereAnOldValueCorrelates() throws Exception {
        SchemaValidator validator = new SchemaValidator(json(SCHEMA));
        JsonNode old = json("{'metadata':{'name':'w'},'spec':{'replicas':5,'minReplicas':1,'name':'x',"
                + "'ports':[{'name':'http','port':80},{'name':'dns','port':53}]}}");
        JsonNode updated = json("{'metadata':{'name':'w'},'spec':{'replicas':4,'minReplicas':1,'name':'x',"
                + "'ports':[{'name':'dns','port':54},{'name':'new','port':1}]}}");
        assertEquals(List.of("spec: Forbidden: replicas may not shrink", "spec.ports[0]: Invalid value: port is immutable"),
                messages(validator.validate(updated, old)));
    }
}
