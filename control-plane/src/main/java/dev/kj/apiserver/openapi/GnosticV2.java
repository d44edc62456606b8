package dev.kj.apiserver.openapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.kj.apiserver.openapi.v2.AdditionalPropertiesItem;
import dev.kj.apiserver.openapi.v2.Any;
import dev.kj.apiserver.openapi.v2.ApiKeySecurity;
import dev.kj.apiserver.openapi.v2.BodyParameter;
import dev.kj.apiserver.openapi.v2.Definitions;
import dev.kj.apiserver.openapi.v2.Document;
import dev.kj.apiserver.openapi.v2.Info;
import dev.kj.apiserver.openapi.v2.ItemsItem;
import dev.kj.apiserver.openapi.v2.NamedAny;
import dev.kj.apiserver.openapi.v2.NamedPathItem;
import dev.kj.apiserver.openapi.v2.NamedResponseValue;
import dev.kj.apiserver.openapi.v2.NamedSchema;
import dev.kj.apiserver.openapi.v2.NamedSecurityDefinitionsItem;
import dev.kj.apiserver.openapi.v2.NamedStringArray;
import dev.kj.apiserver.openapi.v2.NonBodyParameter;
import dev.kj.apiserver.openapi.v2.Operation;
import dev.kj.apiserver.openapi.v2.Parameter;
import dev.kj.apiserver.openapi.v2.ParametersItem;
import dev.kj.apiserver.openapi.v2.PathItem;
import dev.kj.apiserver.openapi.v2.PathParameterSubSchema;
import dev.kj.apiserver.openapi.v2.Paths;
import dev.kj.apiserver.openapi.v2.Properties;
import dev.kj.apiserver.openapi.v2.QueryParameterSubSchema;
import dev.kj.apiserver.openapi.v2.Response;
import dev.kj.apiserver.openapi.v2.ResponseValue;
import dev.kj.apiserver.openapi.v2.Responses;
import dev.kj.apiserver.openapi.v2.Schema;
import dev.kj.apiserver.openapi.v2.SchemaItem;
import dev.kj.apiserver.openapi.v2.SecurityDefinitions;
import dev.kj.apiserver.openapi.v2.SecurityDefinitionsItem;
import dev.kj.apiserver.openapi.v2.SecurityRequirement;
import dev.kj.apiserver.openapi.v2.StringArray;
import dev.kj.apiserver.openapi.v2.TypeItem;
import java.util.function.Consumer;

/**
 * The protobuf form of the Swagger 2.0 document (gnostic's openapi.v2.Document, what kube-openapi
 * serves for {@code application/com.github.proto-openapi.spec.v2@v1.0+protobuf}), converted from
 * its JSON the way gnostic's compiler reads a document: objects keyed by name become lists of
 * named entries in document order, and {@code x-} extensions and defaults become Any values
 * holding their YAML text (client-go's readers unmarshal that YAML).
 */
final class GnosticV2 {
    private final YAMLMapper yaml = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build();

    byte[] encode(JsonNode document) {
        Document.Builder out = Document.newBuilder()
                .setSwagger(document.path("swagger").asText())
                .setInfo(Info.newBuilder().setTitle(document.path("info").path("title").asText())
                        .setVersion(document.path("info").path("version").asText()));
        Paths.Builder paths = Paths.newBuilder();
        document.path("paths").properties().forEach(path ->
                paths.addPath(NamedPathItem.newBuilder().setName(path.getKey()).setValue(pathItem(path.getValue()))));
        out.setPaths(paths);
        Definitions.Builder definitions = Definitions.newBuilder();
        document.path("definitions").properties().forEach(definition -> definitions.addAdditionalProperties(
                NamedSchema.newBuilder().setName(definition.getKey()).setValue(schema(definition.getValue()))));
        out.setDefinitions(definitions);
        SecurityDefinitions.Builder security = SecurityDefinitions.newBuilder();
        document.path("securityDefinitions").properties().forEach(entry -> security.addAdditionalProperties(
                NamedSecurityDefinitionsItem.newBuilder().setName(entry.getKey()).setValue(SecurityDefinitionsItem.newBuilder()
                        .setApiKeySecurity(ApiKeySecurity.newBuilder().setType(entry.getValue().path("type").asText())
                                .setName(entry.getValue().path("name").asText()).setIn(entry.getValue().path("in").asText())
                                .setDescription(entry.getValue().path("description").asText())))));
        out.setSecurityDefinitions(security);
        for (JsonNode requirement : document.path("security")) {
            SecurityRequirement.Builder names = SecurityRequirement.newBuilder();
            requirement.properties().forEach(entry -> {
                StringArray.Builder scopes = StringArray.newBuilder();
                entry.getValue().forEach(scope -> scopes.addValue(scope.asText()));
                names.addAdditionalProperties(NamedStringArray.newBuilder().setName(entry.getKey()).setValue(scopes));
            });
            out.addSecurity(names);
        }
        return out.build().toByteArray();
    }

    private PathItem pathItem(JsonNode json) {
        PathItem.Builder item = PathItem.newBuilder();
        operation(json.path("get"), item::setGet);
        operation(json.path("put"), item::setPut);
        operation(json.path("post"), item::setPost);
        operation(json.path("delete"), item::setDelete);
        operation(json.path("patch"), item::setPatch);
        json.path("parameters").forEach(parameter -> item.addParameters(parameter(parameter)));
        return item.build();
    }

    private void operation(JsonNode json, Consumer<Operation> set) {
        if (json.isMissingNode()) {
            return;
        }
        Operation.Builder operation = Operation.newBuilder()
                .setOperationId(json.path("operationId").asText())
                .setDescription(json.path("description").asText());
        json.path("tags").forEach(tag -> operation.addTags(tag.asText()));
        json.path("produces").forEach(type -> operation.addProduces(type.asText()));
        json.path("consumes").forEach(type -> operation.addConsumes(type.asText()));
        json.path("schemes").forEach(scheme -> operation.addSchemes(scheme.asText()));
        json.path("parameters").forEach(parameter -> operation.addParameters(parameter(parameter)));
        Responses.Builder responses = Responses.newBuilder();
        json.path("responses").properties().forEach(entry -> {
            Response.Builder response = Response.newBuilder().setDescription(entry.getValue().path("description").asText());
            if (entry.getValue().has("schema")) {
                response.setSchema(SchemaItem.newBuilder().setSchema(schema(entry.getValue().get("schema"))));
            }
            responses.addResponseCode(NamedResponseValue.newBuilder().setName(entry.getKey())
                    .setValue(ResponseValue.newBuilder().setResponse(response)));
        });
        operation.setResponses(responses);
        extensions(json, operation::addVendorExtension);
        set.accept(operation.build());
    }

    private ParametersItem parameter(JsonNode json) {
        Parameter.Builder parameter = Parameter.newBuilder();
        String in = json.path("in").asText();
        switch (in) {
            case "body" -> parameter.setBodyParameter(BodyParameter.newBuilder().setName(json.path("name").asText())
                    .setIn(in).setRequired(json.path("required").asBoolean())
                    .setDescription(json.path("description").asText()).setSchema(schema(json.path("schema"))));
            case "path" -> parameter.setNonBodyParameter(NonBodyParameter.newBuilder().setPathParameterSubSchema(
                    PathParameterSubSchema.newBuilder().setName(json.path("name").asText()).setIn(in)
                            .setRequired(json.path("required").asBoolean()).setDescription(json.path("description").asText())
                            .setType(json.path("type").asText()).setUniqueItems(json.path("uniqueItems").asBoolean())));
            default -> parameter.setNonBodyParameter(NonBodyParameter.newBuilder().setQueryParameterSubSchema(
                    QueryParameterSubSchema.newBuilder().setName(json.path("name").asText()).setIn(in)
                            .setRequired(json.path("required").asBoolean()).setDescription(json.path("description").asText())
                            .setType(json.path("type").asText()).setUniqueItems(json.path("uniqueItems").asBoolean())));
        }
        return ParametersItem.newBuilder().setParameter(parameter).build();
    }

    private Schema schema(JsonNode json) {
        Schema.Builder schema = Schema.newBuilder();
        if (json.has("$ref")) {
            schema.setRef(json.get("$ref").asText());
        }
        schema.setFormat(json.path("format").asText()).setDescription(json.path("description").asText());
        if (json.has("default")) {
            schema.setDefault(any(json.get("default")));
        }
        json.path("required").forEach(name -> schema.addRequired(name.asText()));
        if (json.has("additionalProperties")) {
            JsonNode additional = json.get("additionalProperties");
            schema.setAdditionalProperties(additional.isBoolean()
                    ? AdditionalPropertiesItem.newBuilder().setBoolean(additional.asBoolean())
                    : AdditionalPropertiesItem.newBuilder().setSchema(schema(additional)));
        }
        if (json.has("type")) {
            schema.setType(TypeItem.newBuilder().addValue(json.get("type").asText()));
        }
        if (json.has("items")) {
            schema.setItems(ItemsItem.newBuilder().addSchema(schema(json.get("items"))));
        }
        if (json.has("properties")) {
            Properties.Builder properties = Properties.newBuilder();
            json.get("properties").properties().forEach(entry -> properties.addAdditionalProperties(
                    NamedSchema.newBuilder().setName(entry.getKey()).setValue(schema(entry.getValue()))));
            schema.setProperties(properties);
        }
        extensions(json, schema::addVendorExtension);
        return schema.build();
    }

    private void extensions(JsonNode json, Consumer<NamedAny> add) {
        json.properties().forEach(entry -> {
            if (entry.getKey().startsWith("x-")) {
                add.accept(NamedAny.newBuilder().setName(entry.getKey()).setValue(any(entry.getValue())).build());
            }
        });
    }

    /** gnostic keeps values it has no message for as their YAML text. */
    private Any any(JsonNode value) {
        try {
            return Any.newBuilder().setYaml(yaml.writeValueAsString(value)).build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
