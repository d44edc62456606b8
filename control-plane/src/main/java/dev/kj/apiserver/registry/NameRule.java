package dev.kj.apiserver.registry;

import java.util.regex.Pattern;

/** How a resource's metadata.name is validated (apimachinery's validation.IsDNS1123Subdomain / IsDNS1123Label). */
public enum NameRule {
    DNS1123_SUBDOMAIN(253, Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"),
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must"
                    + " start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is"
                    + " '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"),
    DNS1123_LABEL(63, Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?"),
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and"
                    + " end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is"
                    + " '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"),
    /** RBAC objects: any path segment ("system:controller:x" is fine); upstream's path.IsValidPathSegmentName. */
    PATH_SEGMENT(Integer.MAX_VALUE, null, null);

    private final int maxLength;
    private final Pattern pattern;
    private final String explanation;

    NameRule(int maxLength, Pattern pattern, String explanation) {
        this.maxLength = maxLength;
        this.pattern = pattern;
        this.explanation = explanation;
    }

    /** The problems with {@code name} in upstream's words; empty when it is valid. */
    public java.util.List<String> problems(String name) {
        java.util.List<String> problems = new java.util.ArrayList<>();
        if (pattern == null) {
            if (name.equals(".") || name.equals("..")) {
                problems.add("may not be '" + name + "'");
            }
            for (String forbidden : new String[] {"/", "%"}) {
                if (name.contains(forbidden)) {
                    problems.add("may not contain '" + forbidden + "'");
                }
            }
            return problems;
        }
        if (name.length() > maxLength) {
            problems.add("must be no more than " + maxLength + " characters");
        }
        if (!pattern.matcher(name).matches()) {
            problems.add(explanation);
        }
        return problems;
    }
}
