package dev.kj.apiserver.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** What a finalizer may be called (apimachinery's ValidateFinalizerName: a qualified name, in its texts). */
public final class FinalizerNames {
    private FinalizerNames() {
    }

    private static final Pattern QUALIFIED_NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final String QUALIFIED_NAME_FORMAT = "must consist of alphanumeric characters, '-', '_' or '.', and"
            + " must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex"
            + " used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    /** Upstream's IsQualifiedName: an optional DNS subdomain prefix and '/', then a name of at most 63 characters. */
    public static List<String> problems(String value) {
        List<String> problems = new ArrayList<>();
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
                NameRule.DNS1123_SUBDOMAIN.problems(prefix).forEach(p -> problems.add("prefix part " + p));
            }
        } else {
            problems.add("a qualified name " + QUALIFIED_NAME_FORMAT + " with an optional DNS subdomain prefix and '/'"
                    + " (e.g. 'example.com/MyName')");
            return problems;
        }
        if (name.isEmpty()) {
            problems.add("name part must be non-empty");
        } else if (name.length() > 63) {
            problems.add("name part must be no more than 63 characters");
        }
        if (!QUALIFIED_NAME.matcher(name).matches()) {
            problems.add("name part " + QUALIFIED_NAME_FORMAT);
        }
        return problems;
    }
}
