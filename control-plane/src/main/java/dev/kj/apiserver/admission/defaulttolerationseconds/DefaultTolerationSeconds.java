package dev.kj.apiserver.admission.defaulttolerationseconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.admission.Attributes;
import dev.kj.apiserver.admission.MutatingAdmission;
import java.util.Set;

/**
 * Upstream's DefaultTolerationSeconds plugin: a pod that tolerates neither
 * node.kubernetes.io/not-ready nor node.kubernetes.io/unreachable with NoExecute (an empty key or
 * effect counts as tolerating) gets {@code {key, operator: Exists, effect: NoExecute,
 * tolerationSeconds: 300}} for each it lacks, so the taint eviction controller moves it off a
 * failed node after five minutes (upstream's --default-not-ready-toleration-seconds and
 * --default-unreachable-toleration-seconds).
 */
public final class DefaultTolerationSeconds implements MutatingAdmission {
    public static final String NAME = "DefaultTolerationSeconds";
    static final String NOT_READY = "node.kubernetes.io/not-ready";
    static final String UNREACHABLE = "node.kubernetes.io/unreachable";

    private final long notReadySeconds;
    private final long unreachableSeconds;

    public DefaultTolerationSeconds() {
        this(300, 300);
    }

    public DefaultTolerationSeconds(long notReadySeconds, long unreachableSeconds) {
        this.notReadySeconds = notReadySeconds;
        this.unreachableSeconds = unreachableSeconds;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<Attributes.Operation> operations() {
        return Set.of(Attributes.Operation.CREATE, Attributes.Operation.UPDATE);
    }

    @Override
    public void admit(Attributes attributes) {
        if (!attributes.isResource("", "pods") || !(attributes.object().get("spec") instanceof ObjectNode spec)) {
            return;
        }
        boolean notReady = false;
        boolean unreachable = false;
        for (JsonNode toleration : spec.path("tolerations")) {
            String key = toleration.path("key").asText("");
            String effect = toleration.path("effect").asText("");
            boolean noExecute = effect.isEmpty() || effect.equals("NoExecute");
            notReady |= noExecute && (key.isEmpty() || key.equals(NOT_READY));
            unreachable |= noExecute && (key.isEmpty() || key.equals(UNREACHABLE));
        }
        if (notReady && unreachable) {
            return;
        }
        ArrayNode tolerations = spec.get("tolerations") instanceof ArrayNode existing ? existing : spec.putArray("tolerations");
        if (!notReady) {
            tolerations.addObject().put("key", NOT_READY).put("operator", "Exists").put("effect", "NoExecute")
                    .put("tolerationSeconds", notReadySeconds);
        }
        if (!unreachable) {
            tolerations.addObject().put("key", UNREACHABLE).put("operator", "Exists").put("effect", "NoExecute")
                    .put("tolerationSeconds", unreachableSeconds);
        }
    }
}
