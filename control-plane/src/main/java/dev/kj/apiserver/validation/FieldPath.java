package dev.kj.apiserver.validation;

/**
 * A field's path as upstream's field.Path prints it: {@code spec.template.spec.containers[0].name},
 * map keys in brackets ({@code metadata.annotations[a/b]}). Immutable; each step makes a new path.
 */
public record FieldPath(FieldPath parent, String text) {
    public static FieldPath root(String name) {
        return new FieldPath(null, name);
    }

    /** The whole object (upstream's field.NewPath(""), printed as "[]"). */
    public static FieldPath whole() {
        return new FieldPath(null, "[]");
    }

    /** {@code a.b.c} from the root: {@code of("spec", "template")}. */
    public static FieldPath of(String first, String... rest) {
        FieldPath path = root(first);
        for (String name : rest) {
            path = path.child(name);
        }
        return path;
    }

    public FieldPath child(String name, String... more) {
        FieldPath path = new FieldPath(this, "." + name);
        for (String next : more) {
            path = path.child(next);
        }
        return path;
    }

    public FieldPath index(int i) {
        return new FieldPath(this, "[" + i + "]");
    }

    public FieldPath key(String key) {
        return new FieldPath(this, "[" + key + "]");
    }

    @Override
    public String toString() {
        return parent == null ? text : parent + text;
    }
}
