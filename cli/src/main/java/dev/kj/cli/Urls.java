package dev.kj.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * URL flags with etcd's rules: {@code scheme://host:port}, no path. Picocli splits the
 * comma-separated lists; these converters check one element each.
 */
final class Urls {
    private Urls() {}

    /** A URL Rhino serves on (or tells clients to dial): http, or https with --cert-file and --key-file. */
    static final class Client implements ITypeConverter<URI> {
        @Override
        public URI convert(String value) {
            String text = value.strip();
            switch (schemeOf(text)) {
                case "http", "https" -> { }
                case "unix", "unixs" -> throw new TypeConversionException(
                        "\"" + text + "\": unix sockets are not supported yet; use http://host:port or https://host:port");
                default -> throw new TypeConversionException("\"" + text + "\": URL scheme must be http or https");
            }
            return hostPort(text);
        }
    }

    /** A peer URL: only reported by MemberList (a single member dials no peers), so https is fine. */
    static final class Peer implements ITypeConverter<URI> {
        @Override
        public URI convert(String value) {
            String text = value.strip();
            String scheme = schemeOf(text);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new TypeConversionException("\"" + text + "\": URL scheme must be http or https");
            }
            return hostPort(text);
        }
    }

    private static String schemeOf(String text) {
        if (text.isEmpty()) {
            throw new TypeConversionException("empty URL in list");
        }
        int sep = text.indexOf("://");
        if (sep <= 0) {
            throw new TypeConversionException("\"" + text + "\" is not a URL of the form http://host:port");
        }
        return text.substring(0, sep).toLowerCase(Locale.ROOT);
    }

    /** Checks that {@code text} is exactly scheme://host:port and returns it normalized. */
    private static URI hostPort(String text) {
        URI url;
        try {
            url = new URI(text);
        } catch (URISyntaxException e) {
            throw new TypeConversionException("\"" + text + "\" is not a URL: " + e.getReason());
        }
        if (url.getHost() == null || url.getPort() < 0) {
            throw new TypeConversionException("\"" + text + "\": URL address does not have the form host:port");
        }
        if (url.getRawPath() != null && !url.getRawPath().isEmpty()) {
            throw new TypeConversionException("\"" + text + "\": URL must not contain a path");
        }
        if (url.getRawQuery() != null || url.getRawFragment() != null || url.getRawUserInfo() != null) {
            throw new TypeConversionException("\"" + text + "\": URL must be only scheme://host:port");
        }
        return URI.create(url.getScheme().toLowerCase(Locale.ROOT) + "://" + url.getRawAuthority());
    }
}
