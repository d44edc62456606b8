package dev.kj.apiserver.registry.certificates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.authn.User;
import dev.kj.apiserver.errors.StatusException.Cause;
import dev.kj.apiserver.registry.Strategy;
import dev.kj.apiserver.registry.Subresource;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Upstream's CSR strategies (pkg/registry/certificates/certificates/strategy.go): the requester's
 * name and groups are recorded in spec on create (whatever the body said) and status starts empty;
 * spec never changes afterwards; {@code /status} may not add or remove Approved/Denied conditions
 * (it keeps the stored ones); {@code /approval} writes conditions only. Condition timestamps are
 * filled in as upstream's populateConditionTimestamps does. A main update keeps spec and status. Signing is a controller's work (later).
 */
public final class CertificateSigningRequestStrategy implements Strategy {
    private static final List<String> APPROVAL_TYPES = List.of("Approved", "Denied");

    private final Clock clock;

    public CertificateSigningRequestStrategy(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void prepareForCreate(ObjectNode csr, User requester) {
        ObjectNode spec = csr.with("spec");
        spec.remove(List.of("username", "uid", "groups", "extra"));
        if (requester != null) {
            spec.put("username", requester.name());
            if (!requester.groups().isEmpty()) {
                ArrayNode groups = spec.putArray("groups");
                requester.groups().forEach(groups::add);
            }
        }
        csr.putObject("status");
    }

    @Override
    public void prepareForUpdate(ObjectNode csr, ObjectNode old) {
        csr.set("spec", old.path("spec").deepCopy());
        csr.set("status", old.path("status").isObject() ? old.get("status").deepCopy() : JsonNodeFactory.instance.objectNode());
    }

    @Override
    public ObjectNode prepareForSubresourceUpdate(Subresource subresource, ObjectNode written, ObjectNode old) {
        ObjectNode csr = old.deepCopy();
        JsonNode writtenStatus = written.path("status");
        ObjectNode status = csr.with("status");
        if (subresource == Subresource.APPROVAL) {
            setOrRemove(status, "conditions", writtenStatus.get("conditions"));
        } else {
            csr.set("status", writtenStatus.isObject() ? writtenStatus.deepCopy() : JsonNodeFactory.instance.objectNode());
            preserveApprovals((ObjectNode) csr.get("status"), old.path("status"));
        }
        populateConditionTimestamps((ObjectNode) csr.get("status"), old.path("status"));
        return csr;
    }

    /**
     * Approved, Denied and Failed conditions are never removed (upstream's update validation; the
     * field rules, with Approved/Denied exclusivity and duplicates, are validation.certificates').
     * Adding them is left to the prepare steps: a main update keeps the stored status and
     * {@code /status} keeps the stored approvals, so only {@code /approval} can add one.
     */
    @Override
    public List<Cause> validateUpdate(ObjectNode csr, ObjectNode old) {
        List<Cause> causes = new ArrayList<>();
        for (String type : List.of("Approved", "Denied", "Failed")) {
            if (count(csr.path("status").path("conditions"), type) < count(old.path("status").path("conditions"), type)) {
                causes.add(new Cause("FieldValueForbidden", "status.conditions: Forbidden: updates may not remove a"
                        + " condition of type \"" + type + "\"", "status.conditions"));
            }
        }
        return causes;
    }

    /** On /status, Approved and Denied conditions stay as stored: a status writer cannot approve. */
    private static void preserveApprovals(ObjectNode status, JsonNode oldStatus) {
        ArrayNode kept = JsonNodeFactory.instance.arrayNode();
        for (JsonNode condition : status.path("conditions")) {
            if (!APPROVAL_TYPES.contains(condition.path("type").asText())) {
                kept.add(condition);
            }
        }
        for (JsonNode condition : oldStatus.path("conditions")) {
            if (APPROVAL_TYPES.contains(condition.path("type").asText())) {
                kept.add(condition.deepCopy());
            }
        }
        setOrRemove(status, "conditions", kept.isEmpty() ? null : kept);
    }

    /** A new or changed condition gets lastUpdateTime now; lastTransitionTime is kept while its status holds. */
    private void populateConditionTimestamps(ObjectNode status, JsonNode oldStatus) {
        String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
        for (JsonNode node : status.path("conditions")) {
            if (!(node instanceof ObjectNode condition)) {
                continue;
            }
            if (condition.path("lastUpdateTime").asText("").isEmpty()) {
                condition.put("lastUpdateTime", now);
            }
            if (condition.path("lastTransitionTime").asText("").isEmpty()) {
                String transition = now;
                for (JsonNode old : oldStatus.path("conditions")) {
                    if (old.path("type").equals(condition.path("type")) && old.path("status").equals(condition.path("status"))
                            && !old.path("lastTransitionTime").asText("").isEmpty()) {
                        transition = old.path("lastTransitionTime").asText();
                        break;
                    }
                }
                condition.put("lastTransitionTime", transition);
            }
        }
    }

    private static long count(JsonNode conditions, String type) {
        long n = 0;
        for (JsonNode condition : conditions) {
            if (condition.path("type").asText().equals(type)) {
                n++;
            }
        }
        return n;
    }

    private static void setOrRemove(ObjectNode object, String field, JsonNode value) {
        if (value == null || value.isNull()) {
            object.remove(field);
        } else {
            object.set(field, value.deepCopy());
        }
    }
}
