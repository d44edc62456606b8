package dev.kj.apiserver.validation.apiextensions;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.kj.apiserver.validation.FieldError;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * CRDs: v1 defaults and pkg/apis/apiextensions/validation's paths and texts (1.33), including the
 * structural-schema cases of upstream's test/integration/validation_test.go (there reported on the
 * v1 paths by the NonStructuralSchema condition; a create reports them on the internal paths,
 * {@code spec.validation.openAPIV3Schema} for a schema all versions share).
 */
class CustomResourceDefinitionRulesTest {
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final CustomResourceDefinitionRules RULES = new CustomResourceDefinitionRules();

    private static final String VALID = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: widgets.example.com}
            spec:
              group: example.com
              scope: Namespaced
              names: {plural: widgets, kind: Widget}
              versions:
              - name: v1
                served: true
                storage: true
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      spec:
                        type: object
                        properties:
                          replicas: {type: integer, default: 1, minimum: 0}
                          mode: {type: string, enum: [fast, slow], default: fast}
                          port: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
                          labels: {type: object, additionalProperties: {type: string}}
                          items:
                            type: array
                            x-kubernetes-list-type: map
                            x-kubernetes-list-map-keys: [name]
                            items:
                              type: object
                              required: [name]
                              properties: {name: {type: string}}
                      status: {type: object, x-kubernetes-preserve-unknown-fields: true}
                subresources:
                  status: {}
                  scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
                additionalPrinterColumns:
                - {name: Replicas, type: integer, jsonPath: .spec.replicas}
            """;

    static ObjectNode crd(String yaml) {
        try {
            return (ObjectNode) YAML.readTree(yaml);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The valid CRD with one change. */
    static ObjectNode changed(UnaryOperator<ObjectNode> change) {
        return change.apply(crd(VALID));
    }

    static ObjectNode schema(ObjectNode crd) {
        return (ObjectNode) crd.path("spec").path("versions").get(0).path("schema").path("openAPIV3Schema");
    }

    static ObjectNode withSchema(String schemaYaml) {
        return changed(c -> {
            ((ObjectNode) c.path("spec").path("versions").get(0)).putObject("schema").set("openAPIV3Schema", crd(schemaYaml));
            ((ObjectNode) c.path("spec").path("versions").get(0)).remove("subresources");
            return c;
        });
    }

    /** What a create reports: defaults, the strategy's stored version, then validation. */
    static List<String> createErrors(ObjectNode crd) {
        RULES.setDefaults(crd);
        CustomResourceDefinitionRules.recordStorageVersion(crd);
        return RULES.validate(crd).stream().map(FieldError::toString).toList();
    }

    record Case(String name, ObjectNode crd, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String NIL_FIELDS = "DeprecationWarning:(*string)(nil), Schema:(*apiextensions.CustomResourceValidation)(nil),"
            + " Subresources:(*apiextensions.CustomResourceSubresources)(nil),"
            + " AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil),"
            + " SelectableFields:[]apiextensions.SelectableField(nil)}";

    static Stream<Case> cases() {
        return Stream.of(
                new Case("valid", crd(VALID), List.of()),
                new Case("name is not plural.group", changed(c -> {
                    ((ObjectNode) c.get("metadata")).put("name", "gadgets.example.com");
                    return c;
                }), List.of("metadata.name: Invalid value: \"gadgets.example.com\": must be spec.names.plural+\".\"+spec.group")),
                new Case("group, scope and names", changed(c -> {
                    ObjectNode spec = (ObjectNode) c.get("spec");
                    spec.put("group", "example").put("scope", "Global");
                    ((ObjectNode) spec.get("names")).put("plural", "Widgets").put("kind", "Widget").put("listKind", "Widget")
                            .putArray("shortNames").add("w_1");
                    ((ObjectNode) c.get("metadata")).put("name", "Widgets.example");
                    return c;
                }), List.of(
                        "spec.group: Invalid value: \"example\": should be a domain with at least one dot",
                        "spec.scope: Unsupported value: \"Global\": supported values: \"Cluster\", \"Namespaced\"",
                        "spec.names.plural: Invalid value: \"Widgets\": a DNS-1035 label must consist of lower"
                                + " case alphanumeric characters or '-', start with an alphabetic character, and end with an"
                                + " alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is"
                                + " '[a-z]([-a-z0-9]*[a-z0-9])?')",
                        "spec.names.shortNames[0]: Invalid value: \"w_1\": a DNS-1035 label must consist of lower"
                                + " case alphanumeric characters or '-', start with an alphabetic character, and end with an"
                                + " alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is"
                                + " '[a-z]([-a-z0-9]*[a-z0-9])?')",
                        "spec.names.listKind: Invalid value: \"Widget\": kind and listKind may not be the same")),
                new Case("no storage version", changed(c -> {
                    ObjectNode version = (ObjectNode) c.path("spec").path("versions").get(0);
                    version.put("storage", false);
                    version.remove(List.of("schema", "subresources", "additionalPrinterColumns"));
                    return c;
                }), List.of(
                        "spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required",
                        "spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{"
                                + "apiextensions.CustomResourceDefinitionVersion{Name:\"v1\", Served:true, Storage:false,"
                                + " Deprecated:false, " + NIL_FIELDS + "}: must have exactly one version marked as storage"
                                + " version",
                        "status.storedVersions: Invalid value: []string(nil): must have at least one stored version")),
                new Case("two storage versions with the same name", changed(c -> {
                    ArrayNode versions = (ArrayNode) c.path("spec").path("versions");
                    versions.add(versions.get(0).deepCopy());
                    return c;
                }), List.of(
                        "spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{"
                                + "apiextensions.CustomResourceDefinitionVersion{Name:\"v1\", Served:true, Storage:true,"
                                + " Deprecated:false, " + NIL_FIELDS + ", apiextensions.CustomResourceDefinitionVersion{"
                                + "Name:\"v1\", Served:true, Storage:true, Deprecated:false, " + NIL_FIELDS + "}: must contain"
                                + " unique version names",
                        "spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{"
                                + "apiextensions.CustomResourceDefinitionVersion{Name:\"v1\", Served:true, Storage:true,"
                                + " Deprecated:false, " + NIL_FIELDS + ", apiextensions.CustomResourceDefinitionVersion{"
                                + "Name:\"v1\", Served:true, Storage:true, Deprecated:false, " + NIL_FIELDS + "}: must have"
                                + " exactly one version marked as storage version",
                        // upstream crosses each stored version off once, so the second v1 misses it
                        "status.storedVersions: Invalid value: []string{\"v1\"}: must have the storage version v1")),
                new Case("version name is reported on the version and as spec.version", changed(c -> {
                    ((ObjectNode) c.path("spec").path("versions").get(0)).put("name", "V1");
                    return c;
                }), List.of(
                        "spec.versions[0].name: Invalid value: \"V1\": a DNS-1035 label must consist of lower case"
                                + " alphanumeric characters or '-', start with an alphabetic character, and end with an"
                                + " alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is"
                                + " '[a-z]([-a-z0-9]*[a-z0-9])?')",
                        "spec.version: Invalid value: \"V1\": a DNS-1035 label must consist of lower case alphanumeric"
                                + " characters or '-', start with an alphabetic character, and end with an alphanumeric"
                                + " character (e.g. 'my-name',  or 'abc-123', regex used for validation is"
                                + " '[a-z]([-a-z0-9]*[a-z0-9])?')")),
                new Case("a schema without types is not structural", withSchema("""
                        properties:
                          spec:
                            properties:
                              replicas: {}
                          list: {type: array}
                        """), List.of(
                        "spec.validation.openAPIV3Schema.properties[list].items: Required value: must be specified",
                        "spec.validation.openAPIV3Schema.properties[spec].properties[replicas].type: Required value: must not"
                                + " be empty for specified object fields",
                        "spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for"
                                + " specified object fields",
                        "spec.validation.openAPIV3Schema.type: Required value: must not be empty at the root")),
                new Case("metadata may only restrict name and generateName", withSchema("""
                        type: object
                        properties:
                          metadata:
                            type: object
                            description: the object's metadata
                            properties: {labels: {type: object}}
                          kind: {type: integer}
                        """), List.of(
                        "spec.validation.openAPIV3Schema.properties[kind].type: Invalid value: \"integer\": must be string",
                        "spec.validation.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other"
                                + " than name and generateName, but metadata is implicitly specified")),
                new Case("forbidden in nested value validation (upstream's integration case)", withSchema("""
                        type: object
                        properties:
                          foo:
                            type: string
                        not:
                          type: string
                          additionalProperties: true
                          title: hello
                          description: world
                          nullable: true
                        allOf:
                        - properties:
                            foo:
                              type: string
                              additionalProperties: true
                              title: hello
                              description: world
                              nullable: true
                        anyOf:
                        - items:
                            type: string
                            additionalProperties: true
                            title: hello
                            description: world
                            nullable: true
                        oneOf:
                        - properties:
                            foo:
                              type: string
                              additionalProperties: true
                              title: hello
                              description: world
                              nullable: true
                        """), Stream.of(
                        "spec.validation.openAPIV3Schema.anyOf[0].items.type: Forbidden: must be empty to be structural",
                        "spec.validation.openAPIV3Schema.anyOf[0].items.additionalProperties: Forbidden: must be undefined to be structural",
                        "spec.validation.openAPIV3Schema.anyOf[0].items.title: Forbidden: must be empty to be structural",
                        "spec.validation.openAPIV3Schema.anyOf[0].items.description: Forbidden: must be empty to be structural",
                        "spec.validation.openAPIV3Schema.anyOf[0].items.nullable: Forbidden: must be false to be structural",
                        "spec.validation.openAPIV3Schema.allOf[0].properties[foo].type: Forbidden: must be empty to be structural",
                        "spec.validation.openAPIV3Schema.allOf[0].properties[foo].additionalProperties: Forbidden: must be undefined to be structural",
                        "spec.validation.openAPIV3Schema.allOf[0].properties[foo].title: Forbidden: must be empty to be structural",
                        "spec.validation.openAPIV3Schema.allOf[0].properties[foo].description: Forbidden: must be empty to be structural",
                        "spec.validation.openAPIV3Schema.allOf[0].properties[foo].nullable: Forbidden: must be false to be structural",
                        "spec.validation.openAPIV3Schema.oneOf[0].properties[foo].type: Forbidden: must be empty to be structural",
                        "spec.validation.openAPIV3Schema.oneOf[0].properties[foo].additionalProperties: Forbidden: must be undefined to be structural",
                        "spec.validation.openAPIV3Schema.oneOf[0].properties[foo].title: Forbidden: must be empty to be structural",
                        "spec.validation.openAPIV3Schema.oneOf[0].properties[foo].description: Forbidden: must be empty to be structural",
                        "spec.validation.openAPIV3Schema.oneOf[0].properties[foo].nullable: Forbidden: must be false to be structural",
                        "spec.validation.openAPIV3Schema.not.type: Forbidden: must be empty to be structural",
                        "spec.validation.openAPIV3Schema.not.additionalProperties: Forbidden: must be undefined to be structural",
                        "spec.validation.openAPIV3Schema.not.title: Forbidden: must be empty to be structural",
                        "spec.validation.openAPIV3Schema.not.description: Forbidden: must be empty to be structural",
                        "spec.validation.openAPIV3Schema.not.nullable: Forbidden: must be false to be structural",
                        "spec.validation.openAPIV3Schema.items: Required value: because it is defined in"
                                + " spec.validation.openAPIV3Schema.anyOf[0].items").sorted().toList()),
                new Case("patterns Go's regexp refuses (upstream's integration case first)", withSchema("""
                        type: object
                        properties:
                          foo: {type: string, pattern: "+"}
                          bar: {type: string, pattern: "^(?!kube-).*$"}
                        """), List.of(
                        "spec.validation.openAPIV3Schema.properties[bar].pattern: Invalid value: \"^(?!kube-).*$\": must be a"
                                + " valid regular expression, but isn't: error parsing regexp: invalid or unsupported Perl"
                                + " syntax: `(?!`",
                        "spec.validation.openAPIV3Schema.properties[foo].pattern: Invalid value: \"+\": must be a valid"
                                + " regular expression, but isn't: error parsing regexp: missing argument to repetition"
                                + " operator: `+`")),
                new Case("extensions", withSchema("""
                        type: object
                        x-kubernetes-preserve-unknown-fields: false
                        properties:
                          a: {type: string, x-kubernetes-list-type: set}
                          b: {type: array, items: {type: object}, x-kubernetes-list-type: map}
                          c: {type: array, items: {type: string}, x-kubernetes-list-map-keys: [k]}
                          d: {type: object, x-kubernetes-map-type: fine}
                          e: {type: string, uniqueItems: true}
                        """), List.of(
                        "spec.validation.openAPIV3Schema.properties[a].type: Invalid value: \"string\": must be array if"
                                + " x-kubernetes-list-type is specified",
                        "spec.validation.openAPIV3Schema.properties[b].x-kubernetes-list-map-keys: Required value: must not"
                                + " be empty if x-kubernetes-list-type is map",
                        "spec.validation.openAPIV3Schema.properties[c].x-kubernetes-list-type: Required value: must be map if"
                                + " x-kubernetes-list-map-keys is non-empty",
                        "spec.validation.openAPIV3Schema.properties[d].x-kubernetes-map-type: Unsupported value: \"fine\":"
                                + " supported values: \"atomic\", \"granular\"",
                        "spec.validation.openAPIV3Schema.properties[e].uniqueItems: Forbidden: uniqueItems cannot be set to"
                                + " true since the runtime complexity becomes quadratic",
                        "spec.validation.openAPIV3Schema.x-kubernetes-preserve-unknown-fields: Invalid value: false: must be"
                                + " true or undefined")),
                new Case("bad defaults", withSchema("""
                        type: object
                        properties:
                          metadata: {type: object, default: {name: x}}
                          spec:
                            type: object
                            properties:
                              replicas: {type: integer, default: one}
                              mode: {type: string, enum: [fast, slow], default: medium}
                              size: {type: integer, maximum: 10, default: 11}
                              template:
                                type: object
                                properties: {a: {type: string}}
                                default: {a: x, b: y}
                        """), List.of(
                        "spec.validation.openAPIV3Schema.properties[spec].properties[mode].default: Unsupported value:"
                                + " \"medium\": supported values: \"fast\", \"slow\"",
                        "spec.validation.openAPIV3Schema.properties[spec].properties[replicas].default: Invalid value:"
                                + " \"string\":  in body must be of type integer: \"string\"",
                        "spec.validation.openAPIV3Schema.properties[spec].properties[size].default: Invalid value: 11:  in"
                                + " body should be less than or equal to 10",
                        "spec.validation.openAPIV3Schema.properties[spec].properties[template].default: Invalid value:"
                                + " map[string]interface {}{\"a\":\"x\", \"b\":\"y\"}: must not have unknown fields",
                        "spec.validation.openAPIV3Schema.properties[metadata].default: Forbidden: must not be set in"
                                + " top-level metadata")),
                new Case("status subresource root and nullable", changed(c -> {
                    ObjectNode schema = schema(c);
                    schema.put("nullable", true).putObject("additionalProperties").put("type", "string");
                    return c;
                }), List.of(
                        "spec.validation.openAPIV3Schema: Invalid value: " + schema(changed(c -> {
                            schema(c).put("nullable", true).putObject("additionalProperties").put("type", "string");
                            return c;
                        })) + ": only [Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum"
                                + " MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items"
                                + " Properties ExternalDocs Example XPreserveUnknownFields XValidations] fields are allowed"
                                + " at the root of the schema if the status subresource is enabled",
                        "spec.validation.openAPIV3Schema.nullable: Forbidden: nullable cannot be true at the root",
                        "spec.validation.openAPIV3Schema.additionalProperties: Forbidden: must not be used at the root",
                        "spec.validation.openAPIV3Schema.additionalProperties: Forbidden: additionalProperties and"
                                + " properties are mutual exclusive")),
                new Case("subresources and printer columns", changed(c -> {
                    ObjectNode version = (ObjectNode) c.path("spec").path("versions").get(0);
                    ((ObjectNode) version.path("subresources").path("scale")).put("specReplicasPath", "spec.replicas")
                            .put("statusReplicasPath", ".spec.replicas").put("labelSelectorPath", ".selector");
                    ((ObjectNode) version.path("additionalPrinterColumns").get(0)).put("type", "int").put("format", "big")
                            .remove("jsonPath");
                    return c;
                }), List.of(
                        "spec.subresources.scale.specReplicasPath: Invalid value: \"spec.replicas\": must be a simple json"
                                + " path starting with .",
                        "spec.subresources.scale.statusReplicasPath: Invalid value: \".spec.replicas\": should be a json path"
                                + " under .status",
                        "spec.subresources.scale.labelSelectorPath: Invalid value: \".selector\": should be a json path under"
                                + " either .spec or .status",
                        "spec.additionalPrinterColumns[0].type: Invalid value: \"int\": must be one of"
                                + " boolean,date,integer,number,string",
                        "spec.additionalPrinterColumns[0].format: Invalid value: \"big\": must be one of"
                                + " byte,date,date-time,double,float,int32,int64,password",
                        "spec.additionalPrinterColumns[0].JSONPath: Required value")),
                new Case("selectable fields", changed(c -> {
                    ArrayNode fields = ((ObjectNode) c.path("spec").path("versions").get(0)).putArray("selectableFields");
                    for (String path : List.of(".spec.mode", ".spec.labels", ".metadata.name", ".spec[0]", ".spec.mode")) {
                        fields.addObject().put("jsonPath", path);
                    }
                    return c;
                }), List.of(
                        "spec.selectableFields[1].jsonPath: Invalid value: \".spec.labels\": must point to a field of type"
                                + " string, boolean or integer. Enum string fields and strings with formats are allowed.",
                        "spec.selectableFields[2].jsonPath: Invalid value: \".metadata.name\": is an invalid path: does not"
                                + " refer to a valid field",
                        "spec.selectableFields[3].jsonPath: Invalid value: \".spec[0]\": is an invalid path: array notation"
                                + " is not allowed",
                        "spec.selectableFields[4].jsonPath: Duplicate value: \".spec.mode\"")),
                new Case("CEL rules' static shape", changed(c -> {
                    ArrayNode rules = ((ObjectNode) schema(c).path("properties").path("spec")).putArray("x-kubernetes-validations");
                    rules.addObject().put("rule", "self.replicas >= 0").put("fieldPath", ".replicaz");
                    rules.addObject().put("rule", " ").put("message", "x");
                    rules.addObject().put("rule", "self.replicas >= 0").put("reason", "Broken");
                    return c;
                }), List.of(
                        "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].fieldPath: Invalid"
                                + " value: \".replicaz\": fieldPath must be a valid path",
                        "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[1].rule: Required value:"
                                + " rule is not specified",
                        "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[2].reason: Unsupported"
                                + " value: \"Broken\": supported values: \"FieldValueDuplicate\", \"FieldValueForbidden\","
                                + " \"FieldValueInvalid\", \"FieldValueRequired\"")),
                new Case("CEL rules compiled against the schema's types", changed(c -> {
                    ArrayNode rules = ((ObjectNode) schema(c).path("properties").path("spec")).putArray("x-kubernetes-validations");
                    rules.addObject().put("rule", "self.replicaz > 0");
                    rules.addObject().put("rule", "self.replicas");
                    rules.addObject().put("rule", "self.mode == 'fast'").put("messageExpression", "self.replicas")
                            .put("reason", "FieldValueForbidden");
                    rules.addObject().put("rule", "self.labels.all(k, self.labels[k] != '') && oldSelf.mode == self.mode");
                    return c;
                }), List.of(
                        "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value:"
                                + " apiextensions.ValidationRule{Rule:\"self.replicaz > 0\", Message:\"\", MessageExpression:\"\","
                                + " Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:\"\", OptionalOldSelf:(*bool)(nil)}:"
                                + " compilation failed: ERROR: <input>:1:5: undefined field 'replicaz'\n | self.replicaz > 0\n"
                                + " | ....^",
                        "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[1].rule: Invalid value:"
                                + " apiextensions.ValidationRule{Rule:\"self.replicas\", Message:\"\", MessageExpression:\"\","
                                + " Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:\"\", OptionalOldSelf:(*bool)(nil)}:"
                                + " cel expression must evaluate to a bool",
                        "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[2].messageExpression:"
                                + " Invalid value: apiextensions.ValidationRule{Rule:\"self.mode == 'fast'\", Message:\"\","
                                + " MessageExpression:\"self.replicas\", Reason:(*apiextensions.FieldValueErrorReason)(0xc000000000),"
                                + " FieldPath:\"\", OptionalOldSelf:(*bool)(nil)}: messageExpression must evaluate to a string")),
                new Case("defaults checked against their string formats", changed(c -> {
                    ObjectNode properties = (ObjectNode) schema(c).path("properties").path("spec").path("properties");
                    properties.putObject("day").put("type", "string").put("format", "date").put("default", "2024-13-01");
                    properties.putObject("at").put("type", "string").put("format", "date-time")
                            .put("default", "2024-01-01T10:00:00Z");
                    properties.putObject("id").put("type", "string").put("format", "uuid").put("default", "not-a-uuid");
                    properties.putObject("addr").put("type", "string").put("format", "ipv4").put("default", "10.0.0.300");
                    properties.putObject("net").put("type", "string").put("format", "cidr").put("default", "10.0.0.0/8");
                    properties.putObject("data").put("type", "string").put("format", "byte").put("default", "!!");
                    properties.putObject("host").put("type", "string").put("format", "hostname").put("default", "a_b");
                    properties.putObject("other").put("type", "string").put("format", "made-up").put("default", "x");
                    return c;
                }), List.of(
                        "spec.validation.openAPIV3Schema.properties[spec].properties[addr].default: Invalid value:"
                                + " \"10.0.0.300\":  in body must be of type ipv4: \"10.0.0.300\"",
                        "spec.validation.openAPIV3Schema.properties[spec].properties[data].default: Invalid value:"
                                + " \"!!\":  in body must be of type byte: \"!!\"",
                        "spec.validation.openAPIV3Schema.properties[spec].properties[day].default: Invalid value:"
                                + " \"2024-13-01\":  in body must be of type date: \"2024-13-01\"",
                        "spec.validation.openAPIV3Schema.properties[spec].properties[host].default: Invalid value:"
                                + " \"a_b\":  in body must be of type hostname: \"a_b\"",
                        "spec.validation.openAPIV3Schema.properties[spec].properties[id].default: Invalid value:"
                                + " \"not-a-uuid\":  in body must be of type uuid: \"not-a-uuid\"")),
                new Case("webhook conversion on the internal paths", changed(c -> {
                    ObjectNode conversion = ((ObjectNode) c.get("spec")).putObject("conversion");
                    conversion.put("strategy", "Webhook").putObject("webhook").putObject("clientConfig")
                            .put("url", "http://hook.example.com/convert");
                    return c;
                }), List.of(
                        "spec.conversion.webhookClientConfig.url: Invalid value: \"http\": 'https' is the only allowed URL"
                                + " scheme; desired format: https://host[/path]",
                        "spec.conversion.conversionReviewVersions: Required value")),
                new Case("per-version schemas keep their version paths", changed(c -> {
                    ArrayNode versions = (ArrayNode) c.path("spec").path("versions");
                    ObjectNode beta = versions.get(0).deepCopy();
                    beta.put("name", "v1beta1").put("storage", false);
                    ((ObjectNode) beta.path("schema").path("openAPIV3Schema").path("properties").path("spec"))
                            .remove("type");
                    versions.add(beta);
                    return c;
                }), List.of("spec.versions[1].schema.openAPIV3Schema.properties[spec].type: Required value: must not be"
                        + " empty for specified object fields")),
                new Case("protected group needs approval", changed(c -> {
                    ((ObjectNode) c.get("spec")).put("group", "widgets.k8s.io");
                    ((ObjectNode) c.get("metadata")).put("name", "widgets.widgets.k8s.io");
                    return c;
                }), List.of("metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have"
                        + " approval annotation \"api-approved.kubernetes.io\", see"
                        + " https://github.com/kubernetes/enhancements/pull/1111")),
                new Case("preserveUnknownFields true", changed(c -> {
                    ((ObjectNode) c.get("spec")).put("preserveUnknownFields", true);
                    return c;
                }), List.of(
                        "spec.preserveUnknownFields: Invalid value: true: must be false in order to use defaults in the schema",
                        "spec.preserveUnknownFields: Invalid value: true: cannot set to true, set"
                                + " x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void createIsValidatedAsUpstream(Case c) {
        assertEquals(c.expected(), createErrors(c.crd()));
    }

    @Test
    void defaultsAsV1() throws Exception {
        ObjectNode crd = crd(VALID);
        ((ObjectNode) crd.get("spec")).putObject("conversion").put("strategy", "Webhook").putObject("webhook")
                .putObject("clientConfig").putObject("service").put("name", "conv").put("namespace", "ns");
        RULES.setDefaults(crd);
        JsonNode spec = crd.get("spec");
        assertEquals("widget", spec.path("names").path("singular").asText());
        assertEquals("WidgetList", spec.path("names").path("listKind").asText());
        assertEquals(443, spec.path("conversion").path("webhook").path("clientConfig").path("service").path("port").asInt());
        assertEquals("[\"v1\"]", crd.path("status").path("storedVersions").toString());
        ObjectNode plain = crd(VALID);
        RULES.setDefaults(plain);
        assertEquals("{\"strategy\":\"None\"}", plain.path("spec").path("conversion").toString());
    }

    @Test
    void updatesKeepGroupAndPluralAndStoredVersions() {
        ObjectNode old = crd(VALID);
        RULES.setDefaults(old);
        ObjectNode updated = old.deepCopy();
        ((ObjectNode) updated.path("spec").path("names")).put("plural", "gizmos");
        ((ObjectNode) updated.path("spec").path("versions").get(0)).put("name", "v2");
        CustomResourceDefinitionRules.recordStorageVersion(updated);
        assertEquals(List.of(
                "spec.names.plural: Invalid value: \"gizmos\": field is immutable",
                "status.storedVersions[0]: Invalid value: \"v1\": missing from spec.versions; v1 was previously a storage"
                        + " version, and must remain in spec.versions until a storage migration ensures no data remains"
                        + " persisted in v1 and removes v1 from status.storedVersions"),
                RULES.validateAsUpdate(updated, old).orElseThrow().stream().map(FieldError::toString).toList());
    }

    @Test
    void statusWritesCheckAcceptedNamesOnly() {
        ObjectNode old = crd(VALID);
        RULES.setDefaults(old);
        ObjectNode written = old.deepCopy();
        ((ObjectNode) written.get("status")).putArray("storedVersions");
        ((ObjectNode) written.get("status")).putObject("acceptedNames").put("kind", "widget_kind");
        assertEquals(List.of("status.acceptedNames.kind: Invalid value: \"widget_kind\": may have mixed case, but should"
                        + " otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters"
                        + " or '-', start with an alphabetic character, and end with an alphanumeric character (e.g."
                        + " 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"),
                RULES.validateStatusUpdate(written, old).orElseThrow().stream().map(FieldError::toString).toList());
    }
}
