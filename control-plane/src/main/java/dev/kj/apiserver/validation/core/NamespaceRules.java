package dev.kj.apiserver.validation.core;

import static dev.kj.apiserver.validation.Nodes.object;
import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.KindRules;

/**
 * Namespaces: SetDefaults_Namespace and the strategy's canonicalization label every namespace with
 * {@code kubernetes.io/metadata.name} = its name (also when the name was generated).
 */
public final class NamespaceRules implements KindRules {
    static final String NAME_LABEL = "kubernetes.io/metadata.name";

    @Override
    public void setDefaults(ObjectNode namespace) {
        label(namespace);
    }

    @Override
    public void completeCreate(ObjectNode namespace) {
        label(namespace);
    }

    private static void label(ObjectNode namespace) {
        String name = text(namespace.path("metadata"), "name");
        if (!name.isEmpty()) {
            object(object(namespace, "metadata"), "labels").put(NAME_LABEL, name);
        }
    }
}
