package dev.kj.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Checks a {@code --endpoint} datastore URL: SQLite or Redis. PostgreSQL, which the design plans,
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
            case "redis", "rediss" -> {
                // the server checks the rest (database number, options) when it connects
                if (rest.isEmpty() || rest.startsWith("/") || rest.startsWith("?")) {
                    throw new TypeConversionException(
                            "\"" + text + "\" names no host; expected " + scheme + "://[user:password@]host:port/db");
                }
                yield text;
            }
            case "postgres", "postgresql" -> throw new TypeConversionException(
                    "the " + scheme + ":// datastore is not supported yet; sqlite:// and redis:// are");
            default -> throw new TypeConversionException(
                    "unknown datastore scheme \"" + scheme + "://\"; expected sqlite:///path/to/file.db or redis://host:port/db");
        };
    }
}
