package dev.kj.apiserver.printers;

/**
 * One meta.k8s.io/v1 TableColumnDefinition.
 *
 * @param priority 0 for columns kubectl always shows, 1 for the {@code -o wide} ones
 */
public record Column(String name, String type, String format, String description, int priority) {
    public static Column of(String name, String type, String description) {
        return new Column(name, type, "", description, 0);
    }

    public static Column wide(String name, String type, String description) {
        return new Column(name, type, "", description, 1);
    }

    /** The Name column every printer starts with (format "name" tells clients it is the object's name). */
    public static Column objectName() {
        return new Column("Name", "string", "name", NAME_DOC, 0);
    }

    public static Column age() {
        return of("Age", "string", CREATION_DOC);
    }

    static final String NAME_DOC = "Name must be unique within a namespace. Is required when creating resources, "
            + "although some resources may allow a client to request the generation of an appropriate name "
            + "automatically. Name is primarily intended for creation idempotence and configuration definition. "
            + "Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
    static final String CREATION_DOC = "CreationTimestamp is a timestamp representing the server time when this "
            + "object was created. It is not guaranteed to be set in happens-before order across separate operations. "
            + "Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\n"
            + "Populated by the system. Read-only. Null for lists. More info: "
            + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
}
