package dev.kj.apiserver.validation;

import dev.kj.apiserver.errors.StatusException.Cause;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One field's problem, upstream's field.Error: a type (its cause reason and its words), the field,
 * the offending value as upstream prints it (already rendered, see {@link GoValues}; null when the
 * type shows none) and a detail.
 */
public record FieldError(Type type, String field, String value, String detail) {
    /** field.ErrorType: the StatusCause reason and the words that start the message. */
    public enum Type {
        NOT_FOUND("FieldValueNotFound", "Not found"),
        REQUIRED("FieldValueRequired", "Required value"),
        DUPLICATE("FieldValueDuplicate", "Duplicate value"),
        INVALID("FieldValueInvalid", "Invalid value"),
        NOT_SUPPORTED("FieldValueNotSupported", "Unsupported value"),
        FORBIDDEN("FieldValueForbidden", "Forbidden"),
        TOO_LONG("FieldValueTooLong", "Too long"),
        TOO_MANY("FieldValueTooMany", "Too many"),
        INTERNAL("InternalError", "Internal error");

        private final String reason;
        private final String words;

        Type(String reason, String words) {
            this.reason = reason;
            this.words = words;
        }

        public String reason() {
            return reason;
        }
    }

    public static FieldError required(FieldPath path, String detail) {
        return new FieldError(Type.REQUIRED, path.toString(), null, detail);
    }

    public static FieldError forbidden(FieldPath path, String detail) {
        return new FieldError(Type.FORBIDDEN, path.toString(), null, detail);
    }

    /** An invalid string value (quoted as Go's %q). */
    public static FieldError invalid(FieldPath path, String value, String detail) {
        return new FieldError(Type.INVALID, path.toString(), GoValues.quote(value), detail);
    }

    /** An invalid number (printed plain). */
    public static FieldError invalid(FieldPath path, long value, String detail) {
        return new FieldError(Type.INVALID, path.toString(), Long.toString(value), detail);
    }

    /** An invalid value already rendered as upstream prints it (structs, maps, int-or-strings). */
    public static FieldError invalidRendered(FieldPath path, String rendered, String detail) {
        return new FieldError(Type.INVALID, path.toString(), rendered, detail);
    }

    public static FieldError notSupported(FieldPath path, String value, List<String> supported) {
        return notSupportedRendered(path, GoValues.quote(value), supported);
    }

    public static FieldError notSupportedRendered(FieldPath path, String rendered, List<String> supported) {
        String detail = supported.isEmpty() ? "" : "supported values: "
                + String.join(", ", supported.stream().map(GoValues::quote).toList());
        return new FieldError(Type.NOT_SUPPORTED, path.toString(), rendered, detail);
    }

    public static FieldError duplicate(FieldPath path, String value) {
        return new FieldError(Type.DUPLICATE, path.toString(), GoValues.quote(value), "");
    }

    public static FieldError duplicateRendered(FieldPath path, String rendered) {
        return new FieldError(Type.DUPLICATE, path.toString(), rendered, "");
    }

    public static FieldError notFound(FieldPath path, String value) {
        return new FieldError(Type.NOT_FOUND, path.toString(), GoValues.quote(value), "");
    }

    /** field.TooLong: the value is not shown. */
    public static FieldError tooLong(FieldPath path, int maxLength) {
        return new FieldError(Type.TOO_LONG, path.toString(), null, "must have at most " + maxLength + " bytes");
    }

    public static FieldError tooMany(FieldPath path, int actual, int max) {
        return new FieldError(Type.TOO_MANY, path.toString(), Integer.toString(actual), "must have at most " + max + " items");
    }

    /** field.Error.ErrorBody: the message without the field. */
    public String body() {
        StringBuilder s = new StringBuilder(type.words);
        if (value != null && type != Type.REQUIRED && type != Type.FORBIDDEN && type != Type.TOO_LONG
                && type != Type.INTERNAL) {
            s.append(": ").append(value);
        }
        if (detail != null && !detail.isEmpty()) {
            s.append(": ").append(detail);
        }
        return s.toString();
    }

    @Override
    public String toString() {
        return field + ": " + body();
    }

    /**
     * The causes of a 422 (upstream's ErrorList.ToAggregate drops repeated messages), each message
     * the whole error as {@code StatusException.invalid} expects.
     */
    public static List<Cause> causes(List<FieldError> errors) {
        Set<String> seen = new LinkedHashSet<>();
        List<Cause> causes = new ArrayList<>();
        for (FieldError error : errors) {
            String message = error.toString();
            if (seen.add(message)) {
                causes.add(new Cause(error.type.reason, message, error.field));
            }
        }
        return causes;
    }
}
