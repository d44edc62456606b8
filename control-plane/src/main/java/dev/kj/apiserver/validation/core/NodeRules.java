package dev.kj.apiserver.validation.core;

import static dev.kj.apiserver.validation.Nodes.object;
import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.Addresses;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import dev.kj.apiserver.validation.GoValues;
import dev.kj.apiserver.validation.KindRules;
import dev.kj.apiserver.validation.Metadata;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Nodes: v1's podCIDR and podCIDRs kept in step as the v1 conversion does (podCIDRs wins, podCIDR is
 * its first entry), ValidateNode's taints and pod CIDRs, ValidateNodeUpdate's immutable podCIDRs and
 * providerID once set and unique status addresses.
 */
public final class NodeRules implements KindRules {
    static final List<String> TAINT_EFFECTS = List.of("NoSchedule", "PreferNoSchedule", "NoExecute");

    @Override
    public void setDefaults(ObjectNode node) {
        ObjectNode spec = object(node, "spec");
        JsonNode cidrs = spec.get("podCIDRs");
        if ((cidrs == null || cidrs.isEmpty()) && !text(spec, "podCIDR").isEmpty()) {
            spec.putArray("podCIDRs").add(text(spec, "podCIDR"));
        } else if (cidrs != null && !cidrs.isEmpty()) {
            spec.put("podCIDR", cidrs.get(0).asText());
        }
    }

    @Override
    public List<FieldError> validate(ObjectNode node) {
        JsonNode spec = node.path("spec");
        List<FieldError> errors = new ArrayList<>(validateTaints(spec.path("taints"), FieldPath.of("spec", "taints")));
        JsonNode cidrs = spec.path("podCIDRs");
        FieldPath cidrsPath = FieldPath.of("spec", "podCIDRs");
        boolean allValid = true;
        for (int i = 0; i < cidrs.size(); i++) {
            String cidr = cidrs.get(i).asText();
            if (!Addresses.isCidr(cidr)) {
                allValid = false;
                errors.add(FieldError.invalid(cidrsPath.index(i), cidr, Addresses.INVALID_CIDR));
            }
        }
        if (cidrs.size() > 1) {
            long v4 = 0;
            for (JsonNode cidr : cidrs) {
                if (Addresses.isCidr(cidr.asText()) && Addresses.isIpv4Cidr(cidr.asText())) {
                    v4++;
                }
            }
            boolean dualStack = allValid && cidrs.size() == 2 && v4 == 1;
            if (!dualStack) {
                errors.add(FieldError.invalidRendered(cidrsPath, stringSlice(cidrs),
                        "may specify no more than one CIDR for each IP family"));
            }
        }
        return errors;
    }

    /** %#v of a []string. */
    static String stringSlice(JsonNode values) {
        List<String> quoted = new ArrayList<>();
        values.forEach(v -> quoted.add(GoValues.quote(v.asText())));
        return "[]string{" + String.join(", ", quoted) + "}";
    }

    /** validateNodeTaints: key a label name, value a label value, a known effect, unique by key and effect. */
    static List<FieldError> validateTaints(JsonNode taints, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < taints.size(); i++) {
            JsonNode taint = taints.get(i);
            FieldPath at = path.index(i);
            String key = text(taint, "key");
            String value = text(taint, "value");
            String effect = text(taint, "effect");
            errors.addAll(Metadata.labelName(key, at.child("key")));
            List<String> valueProblems = Formats.labelValue(value);
            if (!valueProblems.isEmpty()) {
                errors.add(FieldError.invalid(at.child("value"), value, String.join(";", valueProblems)));
            }
            if (effect.isEmpty()) {
                errors.add(FieldError.required(at.child("effect"), ""));
            } else if (!TAINT_EFFECTS.contains(effect)) {
                errors.add(FieldError.notSupported(at.child("effect"), effect, TAINT_EFFECTS));
            }
            if (!seen.add(effect + "\u0000" + key)) {
                String rendered = "core.Taint{Key:" + GoValues.quote(key) + ", Value:" + GoValues.quote(value)
                        + ", Effect:" + GoValues.quote(effect) + ", TimeAdded:<nil>}";
                errors.add(new FieldError(FieldError.Type.DUPLICATE, at.toString(), rendered,
                        "taints must be unique by key and effect pair"));
            }
        }
        return errors;
    }

    @Override
    public List<FieldError> validateUpdate(ObjectNode node, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode oldCidrs = old.path("spec").path("podCIDRs");
        JsonNode cidrs = node.path("spec").path("podCIDRs");
        String cidrMessage = "node updates may not change podCIDR except from \"\" to valid";
        FieldPath cidrsPath = FieldPath.of("spec", "podCIDRs");
        if (!oldCidrs.isEmpty()) {
            if (oldCidrs.size() != cidrs.size()) {
                errors.add(FieldError.forbidden(cidrsPath, cidrMessage));
            } else {
                for (int i = 0; i < oldCidrs.size(); i++) {
                    if (!oldCidrs.get(i).asText().equals(cidrs.get(i).asText())) {
                        errors.add(FieldError.forbidden(cidrsPath, cidrMessage));
                    }
                }
            }
        }
        String oldProvider = text(old.path("spec"), "providerID");
        if (!oldProvider.isEmpty() && !oldProvider.equals(text(node.path("spec"), "providerID"))) {
            errors.add(FieldError.forbidden(FieldPath.of("spec", "providerID"),
                    "node updates may not change providerID except from \"\" to valid"));
        }
        JsonNode addresses = node.path("status").path("addresses");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < addresses.size(); i++) {
            JsonNode address = addresses.get(i);
            String type = text(address, "type");
            String value = text(address, "address");
            if (!seen.add(type + "\u0000" + value)) {
                errors.add(FieldError.duplicateRendered(FieldPath.of("status", "addresses").index(i),
                        "core.NodeAddress{Type:" + GoValues.quote(type) + ", Address:" + GoValues.quote(value) + "}"));
            }
        }
        return errors;
    }
}
