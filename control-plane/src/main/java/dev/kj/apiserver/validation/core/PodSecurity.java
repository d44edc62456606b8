package dev.kj.apiserver.validation.core;

import static dev.kj.apiserver.validation.Nodes.set;
import static dev.kj.apiserver.validation.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.FieldPath;
import dev.kj.apiserver.validation.Formats;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Security contexts of pods and containers (validatePodSpecSecurityContext, ValidateSecurityContext):
 * user and group ID ranges, sysctl names, fsGroupChangePolicy, seccomp and AppArmor profiles, procMount.
 * The rules whose upstream message prints the internal Go struct (a localhostProfile with a
 * non-Localhost seccomp type, allowPrivilegeEscalation false against privileged or an added
 * CAP_SYS_ADMIN) print it as Go's %#v does, except that a set pointer shows a stand-in address
 * ({@link #SET}) where Go shows the heap address of that request. Not checked: Windows options and
 * host sysctls under hostNetwork/hostIPC.
 */
final class PodSecurity {
    private PodSecurity() {
    }

    private static final long MAX_ID = Integer.MAX_VALUE;
    private static final String ID_RANGE = Formats.inclusiveRange(0, MAX_ID);
    static final int SYSCTL_MAX_LENGTH = 253;
    private static final String SYSCTL_SEGMENT = "[a-z0-9]([-_a-z0-9]*[a-z0-9])?";
    private static final String SYSCTL_REGEX = "^(" + SYSCTL_SEGMENT + "[\\./])*" + SYSCTL_SEGMENT + "$";
    private static final Pattern SYSCTL = Pattern.compile(SYSCTL_REGEX);
    private static final List<String> PROFILE_TYPES = List.of("Localhost", "RuntimeDefault", "Unconfined");

    /** validatePodSpecSecurityContext (the v1 fields that stay in the pod's securityContext). */
    static List<FieldError> podSecurityContext(JsonNode spec, FieldPath specPath) {
        JsonNode context = spec.get("securityContext");
        if (context == null || context.isNull()) {
            return List.of();
        }
        FieldPath path = specPath.child("securityContext");
        List<FieldError> errors = new ArrayList<>();
        errors.addAll(id(context, "fsGroup", path));
        errors.addAll(id(context, "runAsUser", path));
        errors.addAll(id(context, "runAsGroup", path));
        int g = 0;
        for (JsonNode gid : context.path("supplementalGroups")) {
            if (gid.asLong() < 0 || gid.asLong() > MAX_ID) {
                errors.add(FieldError.invalid(path.child("supplementalGroups").index(g), gid.asLong(), ID_RANGE));
            }
            g++;
        }
        if (spec.path("shareProcessNamespace").asBoolean(false) && spec.path("hostPID").asBoolean(false)) {
            // upstream's internal type keeps both in the pod security context, so that is the path it names
            errors.add(FieldError.invalidRendered(path.child("shareProcessNamespace"), "true",
                    "ShareProcessNamespace and HostPID cannot both be enabled"));
        }
        errors.addAll(sysctls(context.path("sysctls"), path.child("sysctls")));
        if (set(context, "fsGroupChangePolicy")
                && !List.of("OnRootMismatch", "Always").contains(text(context, "fsGroupChangePolicy"))) {
            errors.add(FieldError.notSupported(path.child("fsGroupChangePolicy"), text(context, "fsGroupChangePolicy"),
                    List.of("OnRootMismatch", "Always")));
        }
        errors.addAll(seccompProfile(context.get("seccompProfile"), path.child("seccompProfile")));
        errors.addAll(appArmorProfile(context.get("appArmorProfile"), path.child("appArmorProfile")));
        return errors;
    }

    /** ValidateSecurityContext of one container. */
    static List<FieldError> containerSecurityContext(JsonNode container, FieldPath containerPath, boolean hostUsers) {
        JsonNode context = container.get("securityContext");
        if (context == null || context.isNull()) {
            return List.of();
        }
        FieldPath path = containerPath.child("securityContext");
        List<FieldError> errors = new ArrayList<>();
        errors.addAll(id(context, "runAsUser", path));
        errors.addAll(id(context, "runAsGroup", path));
        if (set(context, "procMount")) {
            String procMount = text(context, "procMount");
            if (!List.of("Default", "Unmasked").contains(procMount)) {
                errors.add(FieldError.notSupported(path.child("procMount"), procMount, List.of("Default", "Unmasked")));
            }
            if (hostUsers && procMount.equals("Unmasked")) {
                errors.add(FieldError.invalid(path.child("procMount"), procMount, "`hostUsers` must be false to use `Unmasked`"));
            }
        }
        errors.addAll(seccompProfile(context.get("seccompProfile"), path.child("seccompProfile")));
        if (set(context, "allowPrivilegeEscalation") && !context.get("allowPrivilegeEscalation").asBoolean(true)) {
            if (context.path("privileged").asBoolean(false)) {
                errors.add(FieldError.invalidRendered(path, securityContextGo(context),
                        "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"));
            }
            for (JsonNode capability : context.path("capabilities").path("add")) {
                if (capability.asText("").equals("CAP_SYS_ADMIN")) {
                    errors.add(FieldError.invalidRendered(path, securityContextGo(context),
                            "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"));
                }
            }
        }
        errors.addAll(appArmorProfile(context.get("appArmorProfile"), path.child("appArmorProfile")));
        return errors;
    }

    /** What a set Go pointer prints as here: Go prints its heap address, which no two requests share. */
    static final String SET = "0xc000000000";

    private static String pointer(JsonNode parent, String field, String goType) {
        return "(*" + goType + ")(" + (set(parent, field) ? SET : "nil") + ")";
    }

    /** Go's %#v of the internal core.SecurityContext (1.33's field order). */
    private static String securityContextGo(JsonNode context) {
        return "core.SecurityContext{Capabilities:" + pointer(context, "capabilities", "core.Capabilities")
                + ", Privileged:" + pointer(context, "privileged", "bool")
                + ", SELinuxOptions:" + pointer(context, "seLinuxOptions", "core.SELinuxOptions")
                + ", WindowsOptions:" + pointer(context, "windowsOptions", "core.WindowsSecurityContextOptions")
                + ", RunAsUser:" + pointer(context, "runAsUser", "int64")
                + ", RunAsGroup:" + pointer(context, "runAsGroup", "int64")
                + ", RunAsNonRoot:" + pointer(context, "runAsNonRoot", "bool")
                + ", ReadOnlyRootFilesystem:" + pointer(context, "readOnlyRootFilesystem", "bool")
                + ", AllowPrivilegeEscalation:" + pointer(context, "allowPrivilegeEscalation", "bool")
                + ", ProcMount:" + pointer(context, "procMount", "core.ProcMountType")
                + ", SeccompProfile:" + pointer(context, "seccompProfile", "core.SeccompProfile")
                + ", AppArmorProfile:" + pointer(context, "appArmorProfile", "core.AppArmorProfile") + "}";
    }

    /** IsValidUserID / IsValidGroupID: 0 to 2^31-1. */
    private static List<FieldError> id(JsonNode context, String field, FieldPath path) {
        if (!set(context, field)) {
            return List.of();
        }
        long value = context.get(field).asLong();
        return value < 0 || value > MAX_ID ? List.of(FieldError.invalid(path.child(field), value, ID_RANGE)) : List.of();
    }

    /** validateSysctls: names required, well formed and unique. */
    private static List<FieldError> sysctls(JsonNode sysctls, FieldPath path) {
        List<FieldError> errors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int i = 0;
        for (JsonNode sysctl : sysctls) {
            FieldPath at = path.index(i++).child("name");
            String name = text(sysctl, "name");
            if (name.isEmpty()) {
                errors.add(FieldError.required(at, ""));
            } else if (name.length() > SYSCTL_MAX_LENGTH || !SYSCTL.matcher(name).matches()) {
                errors.add(FieldError.invalid(at, name, "must have at most " + SYSCTL_MAX_LENGTH
                        + " characters and match regex " + SYSCTL_REGEX));
            } else if (names.contains(name)) {
                errors.add(FieldError.duplicate(at, name));
            }
            names.add(name);
        }
        return errors;
    }

    /** validateSeccompProfileField. */
    private static List<FieldError> seccompProfile(JsonNode profile, FieldPath path) {
        if (profile == null || profile.isNull()) {
            return List.of();
        }
        List<FieldError> errors = new ArrayList<>();
        String type = text(profile, "type");
        if (type.isEmpty()) {
            errors.add(FieldError.required(path.child("type"), "type is required when seccompProfile is set"));
        } else if (!PROFILE_TYPES.contains(type)) {
            errors.add(FieldError.notSupported(path.child("type"), type, PROFILE_TYPES));
        }
        if (type.equals("Localhost")) {
            if (!set(profile, "localhostProfile")) {
                errors.add(FieldError.required(path.child("localhostProfile"), "must be set when seccomp type is Localhost"));
            } else {
                String local = text(profile, "localhostProfile");
                if (local.startsWith("/")) {
                    errors.add(FieldError.invalid(path.child("localhostProfile"), local, "must be a relative path"));
                }
                if (List.of(local.split("/", -1)).contains("..")) {
                    errors.add(FieldError.invalid(path.child("localhostProfile"), local, "must not contain '..'"));
                }
            }
        } else if (set(profile, "localhostProfile")) {
            errors.add(FieldError.invalidRendered(path.child("localhostProfile"), "core.SeccompProfile{Type:"
                    + dev.kj.apiserver.validation.GoValues.quote(type) + ", LocalhostProfile:"
                    + pointer(profile, "localhostProfile", "string") + "}", "can only be set when seccomp type is Localhost"));
        }
        return errors;
    }

    /** ValidateAppArmorProfileField: a known type, and a localhost profile exactly when the type is Localhost. */
    private static List<FieldError> appArmorProfile(JsonNode profile, FieldPath path) {
        if (profile == null || profile.isNull()) {
            return List.of();
        }
        List<FieldError> errors = new ArrayList<>();
        String type = text(profile, "type");
        if (type.isEmpty()) {
            errors.add(FieldError.required(path.child("type"), "type is required when appArmorProfile is set"));
        } else if (!PROFILE_TYPES.contains(type)) {
            errors.add(FieldError.notSupported(path.child("type"), type, PROFILE_TYPES));
        }
        if (type.equals("Localhost")) {
            if (text(profile, "localhostProfile").isEmpty()) {
                errors.add(FieldError.required(path.child("localhostProfile"), "must be set when AppArmor type is Localhost"));
            }
        } else if (set(profile, "localhostProfile")) {
            errors.add(FieldError.invalid(path.child("localhostProfile"), text(profile, "localhostProfile"),
                    "can only be set when AppArmor type is Localhost"));
        }
        return errors;
    }
}
