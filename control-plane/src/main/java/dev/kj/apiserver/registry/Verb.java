package dev.kj.apiserver.registry;

/** The API verbs a resource may allow, named as discovery lists them. */
public enum Verb {
    CREATE, DELETE, DELETECOLLECTION, GET, LIST, PATCH, UPDATE, WATCH;

    public String discoveryName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static final java.util.Set<Verb> ALL = java.util.EnumSet.allOf(Verb.class);
}
