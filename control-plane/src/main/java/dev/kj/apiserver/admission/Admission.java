package dev.kj.apiserver.admission;

import java.util.List;

/**
 * The admission chain of the API server, in upstream's plugin order: every mutating plugin in turn
 * ({@link #admit}, after defaulting, before the strategy), then every validating plugin
 * ({@link #validate}, after validation, before storage). A plugin may be both.
 */
public final class Admission {
    /** No plugins: every request is admitted unchanged. */
    public static final Admission NONE = new Admission(List.of());

    private final List<AdmissionPlugin> plugins;

    public Admission(List<? extends AdmissionPlugin> plugins) {
        this.plugins = List.copyOf(plugins);
    }

    public List<String> names() {
        return plugins.stream().map(AdmissionPlugin::name).toList();
    }

    public void admit(Attributes attributes) {
        for (AdmissionPlugin plugin : plugins) {
            if (plugin instanceof MutatingAdmission mutating && plugin.handles(attributes.operation())) {
                mutating.admit(attributes);
            }
        }
    }

    public void validate(Attributes attributes) {
        for (AdmissionPlugin plugin : plugins) {
            if (plugin instanceof ValidatingAdmission validating && plugin.handles(attributes.operation())) {
                validating.validate(attributes);
            }
        }
    }
}
