package dev.kj.apiserver.admission;

/**
 * A plugin that may change the object before the strategy and validation see it (upstream's
 * admission.MutationInterface); it refuses a request by throwing a StatusException.
 */
public interface MutatingAdmission extends AdmissionPlugin {
    void admit(Attributes attributes);
}
