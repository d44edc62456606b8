package dev.kj.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --auth-token}: etcd's "simple" is built; "jwt,..." options are refused until JWT tokens exist. */
final class AuthTokenType implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
        String type = value.contains(",") ? value.substring(0, value.indexOf(',')) : value;
        return switch (type.strip()) {
            case "simple" -> "simple";
            case "jwt" -> throw new TypeConversionException("\"" + value + "\": jwt tokens are not supported yet; use simple");
            default -> throw new TypeConversionException("\"" + value + "\": auth: invalid auth options (token types: simple)");
        };
    }
}
