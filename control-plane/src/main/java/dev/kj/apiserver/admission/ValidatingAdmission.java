package dev.kj.apiserver.admission;

/**
 * A plugin that checks the object after validation, just before it is stored (upstream's
 * admission.ValidationInterface); it refuses a request by throwing a StatusException and must not
 * change the object.
 */
public interface ValidatingAdmission extends AdmissionPlugin {
    void validate(Attributes attributes);
}
