package dev.kj.cli;

import dev.kj.rhino.backend.postgres.PostgresEndpoint;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Checks a {@code --endpoint} datastore URL: SQLite, PostgreSQL or Redis. The server checks what
 * only a connection can tell (credentials, database numbers).
 */
final class Endpoint implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
        String text = value.strip();
        int sep = text.indexOf("://");
        if (sep <= 0) {
            throw new TypeConversionException(
                    "\"" + text + "\" is not a datastore URL; expected sqlite:///path/to/file.db");
        }
        String scheme = text.substring(0, sep).toLowerCase(Locale.ROOT);
        String rest = text.substring(sep + 3);
        return switch (scheme) {
            case "sqlite" -> {
                if (rest.isEmpty() || rest.equals("/")) {
                    throw new TypeConversionException(
                            "\"" + text + "\" names no database file; expected sqlite:///path/to/file.db");
                }
                yield text;
            }
            case "postgres", "postgresql" -> {
                try {
                    PostgresEndpoint.parse(text);
                } catch (IllegalArgumentException e) {
                    throw new TypeConversionException(e.getMessage());
                }
                yield text;
            }
            case "redis", "rediss" -> {
                // the server checks the rest (database number, options) when it connects
                if (rest.isEmpty() || rest.startsWith("/") || rest.startsWith("?")) {
                    throw new TypeConversionException(
                            "\"" + text + "\" names no host; expected " + scheme + "://[user:password@]host:port/db");
                }
                yield text;
            }
            default -> throw new TypeConversionException("unknown datastore scheme \"" + scheme
                    + "://\"; expected sqlite:///path/to/file.db, postgres://user@host/database or redis://host:port/db");
        };
    }
}
