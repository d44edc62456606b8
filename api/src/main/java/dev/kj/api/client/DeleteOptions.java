package dev.kj.api.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.objects.Json;

/**
 * metav1.DeleteOptions, sent as the body of delete and deletecollection requests.
 *
 * @param gracePeriodSeconds       null for the object's default
 * @param propagationPolicy        null for the resource's default
 * @param preconditionUid          delete only the object with this uid; null for any
 * @param preconditionResourceVersion delete only at this resourceVersion; null for any
 */
public record DeleteOptions(Long gracePeriodSeconds, PropagationPolicy propagationPolicy, String preconditionUid,
                            String preconditionResourceVersion, boolean dryRun) {
    public static final DeleteOptions NONE = new DeleteOptions(null, null, null, null, false);

    /** metav1.DeletionPropagation. */
    public enum PropagationPolicy { Orphan, Background, Foreground }

    public DeleteOptions withGracePeriodSeconds(long seconds) {
        return new DeleteOptions(seconds, propagationPolicy, preconditionUid, preconditionResourceVersion, dryRun);
    }

    public DeleteOptions withPropagationPolicy(PropagationPolicy policy) {
        return new DeleteOptions(gracePeriodSeconds, policy, preconditionUid, preconditionResourceVersion, dryRun);
    }

    public DeleteOptions withPreconditions(String uid, String resourceVersion) {
        return new DeleteOptions(gracePeriodSeconds, propagationPolicy, uid, resourceVersion, dryRun);
    }

    public DeleteOptions withDryRun(boolean all) {
        return new DeleteOptions(gracePeriodSeconds, propagationPolicy, preconditionUid, preconditionResourceVersion, all);
    }

    /** The body as client-go encodes it (kind DeleteOptions, apiVersion v1). */
    byte[] body() {
        ObjectNode body = Json.TREES.createObjectNode();
        body.put("kind", "DeleteOptions");
        body.put("apiVersion", "v1");
        if (gracePeriodSeconds != null) {
            body.put("gracePeriodSeconds", gracePeriodSeconds);
        }
        if (preconditionUid != null || preconditionResourceVersion != null) {
            ObjectNode preconditions = body.putObject("preconditions");
            if (preconditionUid != null) {
                preconditions.put("uid", preconditionUid);
            }
            if (preconditionResourceVersion != null) {
                preconditions.put("resourceVersion", preconditionResourceVersion);
            }
        }
        if (propagationPolicy != null) {
            body.put("propagationPolicy", propagationPolicy.name());
        }
        if (dryRun) {
            body.putArray("dryRun").add("All");
        }
        return Json.write(body);
    }
}
