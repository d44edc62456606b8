package dev.kj.apiserver.admission;

import java.util.Set;

/** An admission plugin: its upstream name and the operations it looks at (admission.Handler). */
public interface AdmissionPlugin {
    String name();

    Set<Attributes.Operation> operations();

    default boolean handles(Attributes.Operation operation) {
        return operations().contains(operation);
    }
}
