package dev.kj.apiserver.printers;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/**
 * How one kind is shown as table rows: its columns and a function from an object to its cells
 * (strings, numbers or booleans, in column order). Ages are computed at request time, as
 * upstream's printers do, so {@code now} is passed in.
 */
public record Printer(List<Column> columns, Cells cells, Conditions conditions) {
    public Printer {
        columns = List.copyOf(columns);
    }

    /** A printer whose rows carry no conditions. */
    public Printer(List<Column> columns, Cells cells) {
        this(columns, cells, object -> List.of());
    }

    @FunctionalInterface
    public interface Cells {
        List<Object> of(JsonNode object, Instant now);
    }

    /** meta.k8s.io TableRowCondition: type, status, reason, message (upstream marks finished pods' rows Completed). */
    public record Condition(String type, String status, String reason, String message) {
    }

    @FunctionalInterface
    public interface Conditions {
        List<Condition> of(JsonNode object);
    }

    /**
     * This printer applied to objects first converted by {@code conversion} (a version served over
     * another storage version prints as the storage version does, as upstream prints internal objects).
     */
    public Printer converting(java.util.function.Function<com.fasterxml.jackson.databind.node.ObjectNode,
            com.fasterxml.jackson.databind.node.ObjectNode> conversion) {
        java.util.function.Function<JsonNode, JsonNode> convert = object -> object instanceof com.fasterxml.jackson.databind.node.ObjectNode o
                ? conversion.apply(o) : object;
        return new Printer(columns, (object, now) -> cells.of(convert.apply(object), now),
                object -> conditions.of(convert.apply(object)));
    }

    /**
     * Upstream's default table convertor, for kinds without a printer: the name and the creation
     * timestamp as an RFC 3339 "date" cell (clients turn that into AGE).
     */
    public static final Printer DEFAULT = new Printer(
            List.of(Column.objectName(), new Column("Created At", "date", "", Column.CREATION_DOC, 0)),
            (object, now) -> List.of(object.path("metadata").path("name").asText(),
                    object.path("metadata").path("creationTimestamp").asText()));
}
