package dev.kj.apiserver.selection;

import dev.kj.apiserver.errors.StatusException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed {@code labelSelector}: equality ({@code a=b}, {@code a==b}, {@code a!=b}) and set-based
 * ({@code a in (x,y)}, {@code a notin (x)}, {@code a}, {@code !a}) requirements, all of which must hold
 * (k8s.io/apimachinery/pkg/labels).
 */
public record LabelSelector(List<Requirement> requirements) {
    public static final LabelSelector EVERYTHING = new LabelSelector(List.of());

    public enum Operator { EQUALS, NOT_EQUALS, IN, NOT_IN, EXISTS, DOES_NOT_EXIST }

    public record Requirement(String key, Operator operator, Set<String> values) {
        boolean matches(Map<String, String> labels) {
            String value = labels.get(key);
            return switch (operator) {
                case EQUALS, IN -> value != null && values.contains(value);
                case NOT_EQUALS, NOT_IN -> value == null || !values.contains(value);
                case EXISTS -> value != null;
                case DOES_NOT_EXIST -> value == null;
            };
        }
    }

    public LabelSelector {
        requirements = List.copyOf(requirements);
    }

    public boolean matches(Map<String, String> labels) {
        for (Requirement requirement : requirements) {
            if (!requirement.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    /** Parses a selector; a malformed one is a 400 as upstream reports it. */
    public static LabelSelector parse(String text) {
        if (text == null || text.isBlank()) {
            return EVERYTHING;
        }
        List<Requirement> requirements = new ArrayList<>();
        for (String part : splitTopLevel(text)) {
            requirements.add(requirement(part.trim(), text));
        }
        return new LabelSelector(requirements);
    }

    private static Requirement requirement(String part, String whole) {
        if (part.isEmpty()) {
            throw invalid(whole, "found '', expected: identifier");
        }
        if (part.startsWith("!")) {
            return new Requirement(key(part.substring(1).trim(), whole), Operator.DOES_NOT_EXIST, Set.of());
        }
        String[] words = part.split("\\s+", 2);
        if (words.length == 2 && words[1].matches("(?s)(in|notin)\\s*\\(.*\\)")) {
            boolean in = words[1].startsWith("in");
            String inside = words[1].substring(words[1].indexOf('(') + 1, words[1].lastIndexOf(')'));
            Set<String> values = new java.util.LinkedHashSet<>();
            for (String value : inside.split(",", -1)) {
                values.add(value(value.trim(), whole));
            }
            return new Requirement(key(words[0], whole), in ? Operator.IN : Operator.NOT_IN, Set.copyOf(values));
        }
        int notEquals = part.indexOf("!=");
        if (notEquals >= 0) {
            return new Requirement(key(part.substring(0, notEquals).trim(), whole), Operator.NOT_EQUALS,
                    Set.of(value(part.substring(notEquals + 2).trim(), whole)));
        }
        int equals = part.indexOf('=');
        if (equals >= 0) {
            int valueStart = part.startsWith("==", equals) ? equals + 2 : equals + 1;
            return new Requirement(key(part.substring(0, equals).trim(), whole), Operator.EQUALS,
                    Set.of(value(part.substring(valueStart).trim(), whole)));
        }
        return new Requirement(key(part, whole), Operator.EXISTS, Set.of());
    }

    /** A label key: an optional DNS subdomain prefix and '/', then a qualified name. */
    private static final java.util.regex.Pattern KEY = java.util.regex.Pattern.compile(
            "([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final java.util.regex.Pattern VALUE = java.util.regex.Pattern.compile(
            "([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");

    private static String key(String key, String whole) {
        if (!KEY.matcher(key).matches()) {
            throw invalid(whole, "invalid label key \"" + key + "\"");
        }
        return key;
    }

    private static String value(String value, String whole) {
        if (!VALUE.matcher(value).matches()) {
            throw invalid(whole, "invalid label value: \"" + value + "\"");
        }
        return value;
    }

    private static StatusException invalid(String selector, String why) {
        return StatusException.badRequest("unable to parse requirement: " + why);
    }

    /** Splits on commas outside parentheses. */
    static List<String> splitTopLevel(String text) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(text.substring(start));
        return parts;
    }
}
