package dev.kj.apiserver.storage;

import java.util.Map;

/** Which objects a list or watch wants, judged on their labels and selectable fields. */
@FunctionalInterface
public interface Selection {
    boolean matches(Attributes attributes);

    Selection EVERYTHING = attributes -> true;

    /** An object's labels and the values of its selectable fields (upstream's storage.AttrFunc result). */
    record Attributes(Map<String, String> labels, Map<String, String> fields) {
        public Attributes {
            labels = Map.copyOf(labels);
            fields = Map.copyOf(fields);
        }
    }
}
