package dev.kj.apiserver.storage.value.encryptionconfig;

/** upstream's schema.GroupResource as the configuration names it ({@code secrets}, {@code *.apps}, {@code *.*}). */
public record GroupResource(String group, String resource) {
    static final GroupResource ANY = new GroupResource("*", "*");

    /** schema.ParseGroupResource: everything after the first dot is the group. */
    public static GroupResource parse(String text) {
        int dot = text.indexOf('.');
        return dot < 0 ? new GroupResource("", text) : new GroupResource(text.substring(dot + 1), text.substring(0, dot));
    }

    /** As the configuration file writes it (upstream's grYAMLString: the core group's wildcard is {@code *.}). */
    @Override
    public String toString() {
        if (group.isEmpty() && resource.equals("*")) {
            return "*.";
        }
        return group.isEmpty() ? resource : resource + "." + group;
    }
}
