package dev.kj.apiserver.validation;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * apimachinery's util/validation string checks, each returning upstream's problem texts (empty when
 * the value is fine).
 */
public final class Formats {
    private Formats() {
    }

    private static final String DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private static final Pattern DNS1123_LABEL_PATTERN = Pattern.compile(DNS1123_LABEL);
    private static final String DNS1123_SUBDOMAIN = DNS1123_LABEL + "(\\." + DNS1123_LABEL + ")*";
    private static final Pattern DNS1123_SUBDOMAIN_PATTERN = Pattern.compile(DNS1123_SUBDOMAIN);
    private static final String DNS1035_LABEL = "[a-z]([-a-z0-9]*[a-z0-9])?";
    private static final Pattern DNS1035_LABEL_PATTERN = Pattern.compile(DNS1035_LABEL);
    private static final String QUALIFIED_NAME = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    private static final Pattern QUALIFIED_NAME_PATTERN = Pattern.compile(QUALIFIED_NAME);
    private static final String LABEL_VALUE = "(" + QUALIFIED_NAME + ")?";
    private static final Pattern LABEL_VALUE_PATTERN = Pattern.compile(LABEL_VALUE);
    private static final String CONFIG_KEY = "[-._a-zA-Z0-9]+";
    private static final Pattern CONFIG_KEY_PATTERN = Pattern.compile(CONFIG_KEY);
    private static final String PERCENT = "[0-9]+%";
    private static final Pattern PERCENT_PATTERN = Pattern.compile(PERCENT);

    /** utilvalidation.MaxLenError. */
    public static String maxLen(int length) {
        return "must be no more than " + length + " characters";
    }

    /** utilvalidation.RegexError. */
    public static String regexError(String message, String regex, String... examples) {
        if (examples.length == 0) {
            return message + " (regex used for validation is '" + regex + "')";
        }
        StringBuilder s = new StringBuilder(message).append(" (e.g. ");
        for (int i = 0; i < examples.length; i++) {
            s.append(i > 0 ? " or " : "").append('\'').append(examples[i]).append("', ");
        }
        return s.append("regex used for validation is '").append(regex).append("')").toString();
    }

    public static String inclusiveRange(long lo, long hi) {
        return "must be between " + lo + " and " + hi + ", inclusive";
    }

    public static List<String> dns1123Label(String value) {
        List<String> problems = new ArrayList<>();
        if (value.length() > 63) {
            problems.add(maxLen(63));
        }
        if (!DNS1123_LABEL_PATTERN.matcher(value).matches()) {
            problems.add(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or"
                    + " '-', and must start and end with an alphanumeric character", DNS1123_LABEL, "my-name", "123-abc"));
        }
        return problems;
    }

    public static List<String> dns1123Subdomain(String value) {
        List<String> problems = new ArrayList<>();
        if (value.length() > 253) {
            problems.add(maxLen(253));
        }
        if (!DNS1123_SUBDOMAIN_PATTERN.matcher(value).matches()) {
            problems.add(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters,"
                    + " '-' or '.', and must start and end with an alphanumeric character", DNS1123_SUBDOMAIN,
                    "example.com"));
        }
        return problems;
    }

    public static List<String> dns1035Label(String value) {
        List<String> problems = new ArrayList<>();
        if (value.length() > 63) {
            problems.add(maxLen(63));
        }
        if (!DNS1035_LABEL_PATTERN.matcher(value).matches()) {
            problems.add(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start"
                    + " with an alphabetic character, and end with an alphanumeric character", DNS1035_LABEL,
                    "my-name", "abc-123"));
        }
        return problems;
    }

    /** IsQualifiedName: an optional DNS subdomain prefix and '/', then a name of at most 63 characters. */
    public static List<String> qualifiedName(String value) {
        List<String> problems = new ArrayList<>();
        String format = regexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end"
                + " with an alphanumeric character", QUALIFIED_NAME, "MyName", "my.name", "123-abc");
        String[] parts = value.split("/", -1);
        String name;
        if (parts.length == 1) {
            name = parts[0];
        } else if (parts.length == 2) {
            String prefix = parts[0];
            name = parts[1];
            if (prefix.isEmpty()) {
                problems.add("prefix part must be non-empty");
            } else {
                dns1123Subdomain(prefix).forEach(p -> problems.add("prefix part " + p));
            }
        } else {
            problems.add("a qualified name " + format + " with an optional DNS subdomain prefix and '/' (e.g."
                    + " 'example.com/MyName')");
            return problems;
        }
        if (name.isEmpty()) {
            problems.add("name part must be non-empty");
        } else if (name.length() > 63) {
            problems.add("name part " + maxLen(63));
        }
        if (!QUALIFIED_NAME_PATTERN.matcher(name).matches()) {
            problems.add("name part " + format);
        }
        return problems;
    }

    public static List<String> labelValue(String value) {
        List<String> problems = new ArrayList<>();
        if (value.length() > 63) {
            problems.add(maxLen(63));
        }
        if (!LABEL_VALUE_PATTERN.matcher(value).matches()) {
            problems.add(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-',"
                    + " '_' or '.', and must start and end with an alphanumeric character", LABEL_VALUE,
                    "MyValue", "my_value", "12345"));
        }
        return problems;
    }

    /** IsValidPortName (IANA_SVC_NAME). */
    public static List<String> portName(String port) {
        List<String> problems = new ArrayList<>();
        if (port.length() > 15) {
            problems.add(maxLen(15));
        }
        if (!port.matches("[-a-z0-9]+")) {
            problems.add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        }
        if (!port.matches(".*[a-z].*")) {
            problems.add("must contain at least one letter (a-z)");
        }
        if (port.contains("--")) {
            problems.add("must not contain consecutive hyphens");
        }
        if (!port.isEmpty() && (port.startsWith("-") || port.endsWith("-"))) {
            problems.add("must not begin or end with a hyphen");
        }
        return problems;
    }

    public static List<String> portNumber(long port) {
        return 1 <= port && port <= 65535 ? List.of() : List.of(inclusiveRange(1, 65535));
    }

    /** IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation, on by default since 1.32). */
    public static List<String> envVarName(String value) {
        List<String> problems = new ArrayList<>();
        if (value.isEmpty()) {
            problems.add("environment variable name must be non-empty");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c > 0x7e || c < 0x20 || c == '=') {
                problems.add("a valid environment variable name must consist only of printable ASCII characters other"
                        + " than '='");
                break;
            }
        }
        return problems;
    }

    /** IsConfigMapKey: keys of ConfigMaps and Secrets. */
    public static List<String> configMapKey(String value) {
        List<String> problems = new ArrayList<>();
        if (value.length() > 253) {
            problems.add(maxLen(253));
        }
        if (!CONFIG_KEY_PATTERN.matcher(value).matches()) {
            problems.add(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                    CONFIG_KEY, "key.name", "KEY_NAME", "key-name"));
        }
        problems.addAll(chdirPrefix(value));
        return problems;
    }

    public static List<String> percent(String value) {
        return PERCENT_PATTERN.matcher(value).matches() ? List.of() : List.of(regexError(
                "a valid percent string must be a numeric string followed by an ending '%'", PERCENT, "1%", "93%"));
    }

    private static List<String> chdirPrefix(String value) {
        if (value.equals(".")) {
            return List.of("must not be '.'");
        }
        if (value.equals("..")) {
            return List.of("must not be '..'");
        }
        if (value.startsWith("..")) {
            return List.of("must not start with '..'");
        }
        return List.of();
    }

    /** path.IsValidPathSegmentName: names that go into a URL path segment (references by name). */
    public static List<String> pathSegmentName(String value) {
        if (value.equals(".") || value.equals("..")) {
            return List.of("may not be '" + value + "'");
        }
        List<String> problems = new ArrayList<>();
        for (String forbidden : List.of("/", "%")) {
            if (value.contains(forbidden)) {
                problems.add("may not contain '" + forbidden + "'");
            }
        }
        return problems;
    }

    /** Each problem of {@code value} as an Invalid error at {@code path}. */
    public static List<FieldError> invalid(FieldPath path, String value, List<String> problems) {
        return problems.stream().map(p -> FieldError.invalid(path, value, p)).toList();
    }
}
