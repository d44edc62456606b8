package dev.kj.controllers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which controllers run, in kube-controller-manager's {@code --controllers} syntax: {@code *}
 * enables those on by default, {@code foo} enables foo, {@code -foo} disables it; the first entry
 * that names a controller decides, and without {@code *} only the named ones run. Names are
 * upstream's ({@code garbage-collector-controller}) or their older aliases ({@code garbagecollector}).
 *
 * @param entries the entries with aliases replaced by canonical names
 */
public record ControllerSelection(List<String> entries) {
    /** Upstream's default: {@code *}. */
    public static final ControllerSelection DEFAULT = new ControllerSelection(List.of("*"));
    /** No controllers at all (an API server whose controllers run elsewhere). */
    public static final ControllerSelection NONE = new ControllerSelection(List.of());

    public ControllerSelection {
        entries = List.copyOf(entries);
    }

    /** Checks every entry against the known controllers, with upstream's message for an unknown one. */
    public static ControllerSelection parse(List<String> given) {
        Map<String, String> names = KnownControllers.names();
        List<String> entries = new ArrayList<>();
        for (String entry : given) {
            if (entry.equals("*")) {
                entries.add(entry);
                continue;
            }
            boolean disable = entry.startsWith("-");
            String name = disable ? entry.substring(1) : entry;
            String canonical = names.get(name);
            if (canonical == null) {
                throw new IllegalArgumentException("\"" + name + "\" is not in the list of known controllers");
            }
            entries.add(disable ? "-" + canonical : canonical);
        }
        return new ControllerSelection(entries);
    }

    /** upstream's IsControllerEnabled. */
    public boolean enabled(String name) {
        boolean star = false;
        for (String entry : entries) {
            if (entry.equals(name)) {
                return true;
            }
            if (entry.equals("-" + name)) {
                return false;
            }
            if (entry.equals("*")) {
                star = true;
            }
        }
        if (!star) {
            return false;
        }
        return KnownControllers.ALL.stream().filter(d -> d.name().equals(name)).noneMatch(KnownControllers.Descriptor::disabledByDefault);
    }
}
