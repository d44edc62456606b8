package dev.kj.cli;

import dev.kj.rhino.backend.postgres.PostgresEndpoint;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Checks a {@code --endpoint} datastore URL: SQLite or PostgreSQL; Redis, which the design plans,
 * is named as not supported yet rather than as unknown.
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
            case "redis", "rediss" -> throw new TypeConversionException(
                    "the " + scheme + ":// datastore is not supported yet; sqlite:// and postgres:// are");
            default -> throw new TypeConversionException("unknown datastore scheme \"" + scheme
                    + "://\"; expected sqlite:///path/to/file.db or postgres://user@host/database");
        };
    }
}
