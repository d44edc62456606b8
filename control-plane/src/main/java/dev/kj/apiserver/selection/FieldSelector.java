package dev.kj.apiserver.selection;

import dev.kj.apiserver.errors.StatusException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed {@code fieldSelector}: {@code field=value}, {@code field==value} and {@code field!=value}
 * terms, all of which must hold (k8s.io/apimachinery/pkg/fields). Which fields a resource supports
 * is checked against its description; anything else is a 400.
 */
public record FieldSelector(List<Term> terms) {
    public static final FieldSelector EVERYTHING = new FieldSelector(List.of());

    public record Term(String field, boolean equals, String value) {
    }

    public FieldSelector {
        terms = List.copyOf(terms);
    }

    public static FieldSelector parse(String text) {
        if (text == null || text.isBlank()) {
            return EVERYTHING;
        }
        List<Term> terms = new ArrayList<>();
        for (String part : text.split(",")) {
            int notEquals = part.indexOf("!=");
            int equals = part.indexOf('=');
            if (notEquals >= 0) {
                terms.add(new Term(part.substring(0, notEquals).trim(), false, part.substring(notEquals + 2).trim()));
            } else if (equals >= 0) {
                int valueStart = part.startsWith("==", equals) ? equals + 2 : equals + 1;
                terms.add(new Term(part.substring(0, equals).trim(), true, part.substring(valueStart).trim()));
            } else {
                throw StatusException.badRequest("invalid selector: '" + text + "'; can't understand '" + part + "'");
            }
        }
        return new FieldSelector(terms);
    }

    /** Refuses fields outside {@code supported}, with upstream's message. */
    public FieldSelector checkedAgainst(Set<String> supported) {
        for (Term term : terms) {
            if (!supported.contains(term.field())) {
                throw StatusException.badRequest("field label not supported: " + term.field());
            }
        }
        return this;
    }

    /** The value an exact {@code field=value} term pins, if any (lets a list read one key). */
    public java.util.Optional<String> pinned(String field) {
        return terms.stream().filter(t -> t.equals() && t.field().equals(field)).map(Term::value).findFirst();
    }

    public boolean matches(Map<String, String> fields) {
        for (Term term : terms) {
            String actual = fields.getOrDefault(term.field(), "");
            if (actual.equals(term.value()) != term.equals()) {
                return false;
            }
        }
        return true;
    }
}
