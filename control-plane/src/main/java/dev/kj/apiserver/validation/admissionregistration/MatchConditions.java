package dev.kj.apiserver.validation.admissionregistration;

import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kj.apiserver.cel.AdmissionExpressions;
import dev.kj.apiserver.cel.AdmissionExpressions.Declarations;
import dev.kj.apiserver.cel.AdmissionExpressions.Kind;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** validateMatchConditions, shared by webhooks and admission policies: ≤ 64, named, unique, compiled. */
final class MatchConditions {
    private static final int MAX = 64;

    private MatchConditions() {
    }

    static List<FieldError> validate(JsonNode conditions, boolean allowParams, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        if (conditions.size() > MAX) {
            errors.add(FieldError.tooMany(path, conditions.size(), MAX));
        }
        Set<String> names = new HashSet<>();
        int i = 0;
        for (JsonNode condition : conditions) {
            FieldPath at = path.index(i++);
            String expression = text(condition, "expression").strip();
            if (expression.isEmpty()) {
                errors.add(FieldError.required(at.child("expression"), ""));
            } else {
                errors.addAll(compile(expression, Kind.CONDITION, Declarations.of(allowParams, true), at.child("expression")));
            }
            String name = text(condition, "name");
            if (name.isEmpty()) {
                errors.add(FieldError.required(at.child("name"), ""));
            } else {
                errors.addAll(Formats.invalid(at.child("name"), name, Formats.qualifiedName(name)));
            }
            if (!name.isEmpty() && !names.add(name)) {
                errors.add(FieldError.duplicate(at.child("name"), name));
            }
        }
        return errors;
    }

    /** A compile problem as upstream's convertCELErrorToValidationError reports it: Invalid with the expression. */
    static List<FieldError> compile(String expression, Kind kind, Declarations declarations, FieldPath path) {
        return AdmissionExpressions.compile(expression, kind, declarations).problem()
                .map(problem -> List.of(FieldError.invalid(path, expression, problem.detail())))
                .orElse(List.of());
    }
}
