package dev.kj.apiserver.validation.apiextensions;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A v1 CRD spec as upstream validates it: converted to the internal type first, where per-version
 * schema, subresources, printer columns and selectable fields that are the same in every version
 * move to the top level ({@code spec.validation}, {@code spec.subresources}, ...). That move decides
 * the field paths users see: a one-version CRD's schema errors are under
 * {@code spec.validation.openAPIV3Schema}, not {@code spec.versions[0].schema}.
 */
record InternalSpec(JsonNode spec, List<JsonNode> versions, JsonNode validation, JsonNode subresources,
                    JsonNode columns, JsonNode selectableFields, boolean perVersionSchemas,
                    boolean perVersionSubresources, boolean perVersionColumns, boolean perVersionSelectableFields) {

    static InternalSpec of(JsonNode spec) {
        List<JsonNode> versions = new ArrayList<>();
        spec.path("versions").forEach(versions::add);
        boolean schemas = !identical(versions, "schema");
        boolean subresources = !identical(versions, "subresources");
        boolean columns = !identical(versions, "additionalPrinterColumns");
        boolean selectable = !identical(versions, "selectableFields");
        JsonNode first = versions.isEmpty() ? null : versions.getFirst();
        return new InternalSpec(spec, versions,
                schemas || first == null ? null : value(first, "schema"),
                subresources || first == null ? null : value(first, "subresources"),
                columns || first == null ? null : value(first, "additionalPrinterColumns"),
                selectable || first == null ? null : value(first, "selectableFields"),
                schemas, subresources, columns, selectable);
    }

    /** A field as the internal type holds it: null for absent, JSON null and (slices) empty. */
    static JsonNode value(JsonNode parent, String field) {
        JsonNode value = parent.get(field);
        if (value == null || value.isNull() || value.isArray() && value.isEmpty()) {
            return null;
        }
        return value;
    }

    /** apiequality.Semantic.DeepEqual of every version's field with the first's (nil and empty slices alike). */
    private static boolean identical(List<JsonNode> versions, String field) {
        if (versions.isEmpty()) {
            return true;
        }
        JsonNode first = value(versions.getFirst(), field);
        for (JsonNode version : versions) {
            JsonNode other = value(version, field);
            if (first == null ? other != null : !first.equals(other)) {
                return false;
            }
        }
        return true;
    }

    /** The version's own schema (nil when every version has the same one, now top-level). */
    JsonNode versionSchema(JsonNode version) {
        return perVersionSchemas ? value(version, "schema") : null;
    }

    JsonNode versionSubresources(JsonNode version) {
        return perVersionSubresources ? value(version, "subresources") : null;
    }

    JsonNode versionColumns(JsonNode version) {
        return perVersionColumns ? value(version, "additionalPrinterColumns") : null;
    }

    JsonNode versionSelectableFields(JsonNode version) {
        return perVersionSelectableFields ? value(version, "selectableFields") : null;
    }

    /** getSubresourcesForVersion: the top-level subresources unless versions have their own. */
    JsonNode subresourcesFor(JsonNode version) {
        return perVersionSubresources ? value(version, "subresources") : subresources;
    }

    static boolean statusEnabled(JsonNode subresources) {
        return subresources != null && subresources.hasNonNull("status");
    }

    /** hasAnyStatusEnabled. */
    boolean anyStatusEnabled() {
        if (statusEnabled(subresources)) {
            return true;
        }
        return versions.stream().anyMatch(v -> statusEnabled(versionSubresources(v)));
    }

    /** Every schema the spec holds (top-level and per-version), for the "does any schema have" checks. */
    List<JsonNode> schemas() {
        List<JsonNode> schemas = new ArrayList<>();
        if (validation != null && validation.hasNonNull("openAPIV3Schema")) {
            schemas.add(validation.get("openAPIV3Schema"));
        }
        for (JsonNode version : versions) {
            JsonNode schema = versionSchema(version);
            if (schema != null && schema.hasNonNull("openAPIV3Schema")) {
                schemas.add(schema.get("openAPIV3Schema"));
            }
        }
        return schemas;
    }

    boolean preserveUnknownFields() {
        return spec.path("preserveUnknownFields").asBoolean(false);
    }

    /** The internal spec.version: the first version's name. */
    String version() {
        return versions.isEmpty() ? "" : versions.getFirst().path("name").asText("");
    }
}
