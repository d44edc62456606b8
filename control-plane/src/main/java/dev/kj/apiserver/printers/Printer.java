package dev.kj.apiserver.printers;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/**
 * How one kind is shown as table rows: its columns and a function from an object to its cells
 * (strings, numbers or booleans, in column order). Ages are computed at request time, as
 * upstream's printers do, so {@code now} is passed in.
 */
public record Printer(List<Column> columns, Cells cells) {
    public Printer {
        columns = List.copyOf(columns);
    }

    @FunctionalInterface
    public interface Cells {
        List<Object> of(JsonNode object, Instant now);
    }

    /**
     * This printer applied to objects first converted by {@code conversion} (a version served over
     * another storage version prints as the storage version does, as upstream prints internal objects).
     */
    public Printer converting(java.util.function.Function<com.fasterxml.jackson.databind.node.ObjectNode,
            com.fasterxml.jackson.databind.node.ObjectNode> conversion) {
        return new Printer(columns, (object, now) -> cells.of(object instanceof com.fasterxml.jackson.databind.node.ObjectNode o
                ? conversion.apply(o) : object, now));
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
