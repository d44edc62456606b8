package dev.kj.apiserver.validation.apiextensions;

import java.net.InetAddress;
import java.net.URI;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The string formats CRD schemas validate (upstream's supported formats of kube-openapi's strfmt
 * registry, names normalized by dropping "-" as go-openapi does): a table of format to check. Other
 * formats are dropped by upstream and so accept anything here too.
 */
final class StringFormats {
    private StringFormats() {
    }

    private static Predicate<String> matches(String regex) {
        Pattern pattern = Pattern.compile(regex);
        return value -> pattern.matcher(value).matches();
    }

    private static final Pattern HOSTNAME_LABEL = Pattern.compile("[\\p{L}\\p{N}]([\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?");
    private static final Pattern DURATION_WORDS = Pattern.compile(
            "^[1-9]\\d*\\s?(ns|us|µs|ms|s|m|h|d|w|nanos?|nanoseconds?|micros?|microseconds?|millis?|milliseconds?"
                    + "|seconds?|sec|minutes?|mins?|hours?|hrs?|days?|weeks?)$");
    private static final Pattern GO_DURATION = Pattern.compile("^[-+]?(\\d*\\.?\\d+(ns|us|µs|μs|ms|s|m|h))+$|^[-+]?0$");
    private static final Pattern IP_LITERAL = Pattern.compile("^[0-9.]+$|^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$");

    private static final Map<String, Predicate<String>> CHECKS = Map.ofEntries(
            Map.entry("bsonobjectid", matches("[0-9a-fA-F]{24}")),
            Map.entry("uri", StringFormats::requestUri),
            Map.entry("email", matches("(?:[^<>@\\s]+\\s*<)?[^<>@\\s]+@[^<>@\\s]+>?")),
            Map.entry("hostname", StringFormats::hostname),
            Map.entry("ipv4", value -> ip(value) && value.indexOf(':') < 0),
            Map.entry("ipv6", value -> ip(value) && value.indexOf(':') >= 0),
            Map.entry("cidr", StringFormats::cidr),
            Map.entry("mac", matches("(?i)([0-9a-f]{2}([:-])(?:[0-9a-f]{2}\\2){4}[0-9a-f]{2}"
                    + "|[0-9a-f]{2}([:-])(?:[0-9a-f]{2}\\3){6}[0-9a-f]{2}"
                    + "|[0-9a-f]{2}([:-])(?:[0-9a-f]{2}\\4){18}[0-9a-f]{2}"
                    + "|[0-9a-f]{4}\\.[0-9a-f]{4}\\.[0-9a-f]{4}"
                    + "|[0-9a-f]{4}\\.[0-9a-f]{4}\\.[0-9a-f]{4}\\.[0-9a-f]{4}"
                    + "|(?:[0-9a-f]{4}\\.){9}[0-9a-f]{4})")),
            Map.entry("uuid", matches("(?i)[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")),
            Map.entry("uuid3", matches("(?i)[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}")),
            Map.entry("uuid4", matches("(?i)[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}")),
            Map.entry("uuid5", matches("(?i)[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}")),
            Map.entry("isbn", value -> isbn10(value) || isbn13(value)),
            Map.entry("isbn10", StringFormats::isbn10),
            Map.entry("isbn13", StringFormats::isbn13),
            Map.entry("creditcard", value -> matches("4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}"
                    + "|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\\d{3})\\d{11}")
                    .test(value.replaceAll("[^0-9]", ""))),
            Map.entry("ssn", matches("\\d{3}[- ]?\\d{2}[- ]?\\d{4}")),
            Map.entry("hexcolor", matches("#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")),
            Map.entry("rgbcolor", matches("rgb\\(\\s*(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])\\s*,\\s*"
                    + "(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])\\s*,\\s*(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])\\s*\\)")),
            Map.entry("byte", StringFormats::base64),
            Map.entry("password", value -> true),
            Map.entry("date", StringFormats::date),
            Map.entry("duration", value -> GO_DURATION.matcher(value).matches() || DURATION_WORDS.matcher(value).matches()),
            Map.entry("datetime", StringFormats::dateTime));

    /** Whether {@code value} is valid for {@code format}; true for formats upstream does not check. */
    static boolean valid(String format, String value) {
        Predicate<String> check = CHECKS.get(format.replace("-", ""));
        return check == null || check.test(value);
    }

    /** Go's url.ParseRequestURI: an absolute URI or an absolute path. */
    private static boolean requestUri(String value) {
        try {
            URI uri = new URI(value);
            return uri.isAbsolute() || value.startsWith("/");
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    private static boolean hostname(String value) {
        if (value.isEmpty() || value.length() > 255) {
            return false;
        }
        String trimmed = value.endsWith(".") ? value.substring(0, value.length() - 1) : value;
        for (String label : trimmed.split("\\.", -1)) {
            if (!HOSTNAME_LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    private static boolean ip(String value) {
        if (value.isEmpty() || !IP_LITERAL.matcher(value).matches()) {
            return false; // InetAddress would resolve names; only literals count
        }
        if (value.indexOf(':') < 0) {
            String[] parts = value.split("\\.", -1);
            if (parts.length != 4) {
                return false;
            }
            for (String part : parts) {
                if (part.isEmpty() || part.length() > 3 || Integer.parseInt(part) > 255
                        || part.length() > 1 && part.startsWith("0")) {
                    return false; // Go refuses leading zeros
                }
            }
            return true;
        }
        try {
            InetAddress.getByName(value);
            return true;
        } catch (java.net.UnknownHostException | RuntimeException e) {
            return false;
        }
    }

    private static boolean cidr(String value) {
        int slash = value.indexOf('/');
        if (slash < 0 || !ip(value.substring(0, slash))) {
            return false;
        }
        String bits = value.substring(slash + 1);
        if (!bits.matches("0|[1-9][0-9]{0,2}")) {
            return false;
        }
        return Integer.parseInt(bits) <= (value.substring(0, slash).indexOf(':') >= 0 ? 128 : 32);
    }

    private static boolean isbn10(String value) {
        String digits = value.replaceAll("[\\s-]", "");
        if (!digits.matches("[0-9]{9}[0-9X]")) {
            return false;
        }
        int sum = 0;
        for (int i = 0; i < 10; i++) {
            char c = digits.charAt(i);
            sum += (10 - i) * (c == 'X' ? 10 : c - '0');
        }
        return sum % 11 == 0;
    }

    private static boolean isbn13(String value) {
        String digits = value.replaceAll("[\\s-]", "");
        if (!digits.matches("[0-9]{13}")) {
            return false;
        }
        int sum = 0;
        for (int i = 0; i < 13; i++) {
            sum += (i % 2 == 0 ? 1 : 3) * (digits.charAt(i) - '0');
        }
        return sum % 10 == 0;
    }

    private static boolean base64(String value) {
        try {
            Base64.getDecoder().decode(value);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean date(String value) {
        try {
            LocalDate.parse(value);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /** strfmt's date-time: RFC 3339 with optional fraction, "Z" or an offset (lowercase t and z too). */
    private static boolean dateTime(String value) {
        try {
            OffsetDateTime.parse(value.toUpperCase(java.util.Locale.ROOT));
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }
}
