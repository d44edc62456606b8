package dev.kj.apiserver.cel;

import static dev.cel.common.CelOverloadDecl.newGlobalOverload;
import static dev.cel.common.CelOverloadDecl.newMemberOverload;
import static dev.cel.common.types.SimpleType.BOOL;
import static dev.cel.common.types.SimpleType.DOUBLE;
import static dev.cel.common.types.SimpleType.INT;
import static dev.cel.common.types.SimpleType.STRING;

import dev.cel.common.CelFunctionDecl;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.OpaqueType;
import dev.cel.common.types.OptionalType;
import dev.cel.common.types.TypeParamType;
import java.util.ArrayList;
import java.util.List;

/**
 * Declarations of the CEL libraries Kubernetes adds to its base environment (k8s.io/apiserver/pkg/cel/library:
 * URLs, Regex, Lists, Quantity, IP, CIDR, Format, Authz, Semver), for type-checking only: kj compiles
 * admission expressions to report upstream's compile errors, it does not evaluate them.
 */
final class KubernetesLibraries {
    private KubernetesLibraries() {
    }

    static final OpaqueType URL = OpaqueType.create("kubernetes.URL");
    static final OpaqueType QUANTITY = OpaqueType.create("kubernetes.Quantity");
    static final OpaqueType IP = OpaqueType.create("net.IP");
    static final OpaqueType CIDR = OpaqueType.create("net.CIDR");
    static final OpaqueType FORMAT = OpaqueType.create("kubernetes.NamedFormat");
    static final OpaqueType SEMVER = OpaqueType.create("kubernetes.Semver");
    static final OpaqueType AUTHORIZER = OpaqueType.create("kubernetes.authorization.Authorizer");
    static final OpaqueType PATH_CHECK = OpaqueType.create("kubernetes.authorization.PathCheck");
    static final OpaqueType GROUP_CHECK = OpaqueType.create("kubernetes.authorization.GroupCheck");
    static final OpaqueType RESOURCE_CHECK = OpaqueType.create("kubernetes.authorization.ResourceCheck");
    static final OpaqueType DECISION = OpaqueType.create("kubernetes.authorization.Decision");

    private static final CelType STRING_LIST = ListType.create(STRING);

    static List<CelFunctionDecl> declarations() {
        List<CelFunctionDecl> decls = new ArrayList<>();
        // URLs
        decls.add(global("url", URL, STRING));
        decls.add(global("isURL", BOOL, STRING));
        for (String getter : List.of("getScheme", "getHost", "getHostname", "getPort", "getEscapedPath")) {
            decls.add(member(getter, STRING, URL));
        }
        decls.add(member("getQuery", MapType.create(STRING, STRING_LIST), URL));
        // Regex
        decls.add(member("find", STRING, STRING, STRING));
        decls.add(member("findAll", STRING_LIST, STRING, STRING));
        decls.add(CelFunctionDecl.newFunctionDeclaration("findAll",
                newMemberOverload("string_find_all_n", STRING_LIST, STRING, STRING, INT)));
        // Lists (parametric in the element type)
        TypeParamType t = TypeParamType.create("T");
        ListType listT = ListType.create(t);
        decls.add(CelFunctionDecl.newFunctionDeclaration("isSorted", newMemberOverload("list_is_sorted", BOOL, listT)));
        decls.add(CelFunctionDecl.newFunctionDeclaration("sum", newMemberOverload("list_sum", t, listT)));
        decls.add(CelFunctionDecl.newFunctionDeclaration("min", newMemberOverload("list_min", t, listT)));
        decls.add(CelFunctionDecl.newFunctionDeclaration("max", newMemberOverload("list_max", t, listT)));
        // Quantity
        decls.add(global("quantity", QUANTITY, STRING));
        decls.add(global("isQuantity", BOOL, STRING));
        decls.add(member("isInteger", BOOL, QUANTITY));
        decls.add(member("asInteger", INT, QUANTITY));
        decls.add(member("asApproximateFloat", DOUBLE, QUANTITY));
        decls.add(member("sign", INT, QUANTITY));
        decls.add(CelFunctionDecl.newFunctionDeclaration("add",
                newMemberOverload("quantity_add", QUANTITY, QUANTITY, QUANTITY),
                newMemberOverload("quantity_add_int", QUANTITY, QUANTITY, INT)));
        decls.add(CelFunctionDecl.newFunctionDeclaration("sub",
                newMemberOverload("quantity_sub", QUANTITY, QUANTITY, QUANTITY),
                newMemberOverload("quantity_sub_int", QUANTITY, QUANTITY, INT)));
        // IP and CIDR
        decls.add(CelFunctionDecl.newFunctionDeclaration("ip",
                newGlobalOverload("string_to_ip", IP, STRING),
                newMemberOverload("cidr_ip", IP, CIDR)));
        decls.add(global("isIP", BOOL, STRING));
        decls.add(CelFunctionDecl.newFunctionDeclaration("ip.isCanonical", newGlobalOverload("ip_is_canonical", BOOL, STRING)));
        decls.add(member("family", INT, IP));
        for (String check : List.of("isUnspecified", "isLoopback", "isLinkLocalMulticast", "isLinkLocalUnicast",
                "isGlobalUnicast")) {
            decls.add(member(check, BOOL, IP));
        }
        decls.add(global("cidr", CIDR, STRING));
        decls.add(global("isCIDR", BOOL, STRING));
        decls.add(CelFunctionDecl.newFunctionDeclaration("containsIP",
                newMemberOverload("cidr_contains_ip_string", BOOL, CIDR, STRING),
                newMemberOverload("cidr_contains_ip_ip", BOOL, CIDR, IP)));
        decls.add(CelFunctionDecl.newFunctionDeclaration("containsCIDR",
                newMemberOverload("cidr_contains_cidr_string", BOOL, CIDR, STRING),
                newMemberOverload("cidr_contains_cidr", BOOL, CIDR, CIDR)));
        decls.add(member("masked", CIDR, CIDR));
        decls.add(member("prefixLength", INT, CIDR));
        // Format
        for (String format : List.of("dns1123Label", "dns1123Subdomain", "dns1035Label", "qualifiedName",
                "dns1123LabelPrefix", "dns1123SubdomainPrefix", "dns1035LabelPrefix", "labelValue", "uri", "uuid",
                "byte", "date", "datetime")) {
            decls.add(CelFunctionDecl.newFunctionDeclaration("format." + format,
                    newGlobalOverload("format_" + format, FORMAT)));
        }
        decls.add(CelFunctionDecl.newFunctionDeclaration("format.named",
                newGlobalOverload("format_named", OptionalType.create(FORMAT), STRING)));
        decls.add(member("validate", OptionalType.create(STRING_LIST), FORMAT, STRING));
        // Semver
        decls.add(global("semver", SEMVER, STRING));
        decls.add(CelFunctionDecl.newFunctionDeclaration("semver",
                newGlobalOverload("string_to_semver_normalize", SEMVER, STRING, BOOL)));
        decls.add(CelFunctionDecl.newFunctionDeclaration("isSemver",
                newGlobalOverload("is_semver", BOOL, STRING),
                newGlobalOverload("is_semver_normalize", BOOL, STRING, BOOL)));
        for (String part : List.of("major", "minor", "patch")) {
            decls.add(member(part, INT, SEMVER));
        }
        // comparisons shared by quantities and semvers
        decls.add(CelFunctionDecl.newFunctionDeclaration("isGreaterThan",
                newMemberOverload("quantity_is_greater_than", BOOL, QUANTITY, QUANTITY),
                newMemberOverload("semver_is_greater_than", BOOL, SEMVER, SEMVER)));
        decls.add(CelFunctionDecl.newFunctionDeclaration("isLessThan",
                newMemberOverload("quantity_is_less_than", BOOL, QUANTITY, QUANTITY),
                newMemberOverload("semver_is_less_than", BOOL, SEMVER, SEMVER)));
        decls.add(CelFunctionDecl.newFunctionDeclaration("compareTo",
                newMemberOverload("quantity_compare_to", INT, QUANTITY, QUANTITY),
                newMemberOverload("semver_compare_to", INT, SEMVER, SEMVER)));
        // Authz
        decls.add(member("path", PATH_CHECK, AUTHORIZER, STRING));
        decls.add(member("group", GROUP_CHECK, AUTHORIZER, STRING));
        decls.add(member("serviceAccount", AUTHORIZER, AUTHORIZER, STRING, STRING));
        decls.add(member("resource", RESOURCE_CHECK, GROUP_CHECK, STRING));
        decls.add(member("subresource", RESOURCE_CHECK, RESOURCE_CHECK, STRING));
        decls.add(member("namespace", RESOURCE_CHECK, RESOURCE_CHECK, STRING));
        decls.add(member("name", RESOURCE_CHECK, RESOURCE_CHECK, STRING));
        decls.add(member("fieldSelector", RESOURCE_CHECK, RESOURCE_CHECK, STRING));
        decls.add(member("labelSelector", RESOURCE_CHECK, RESOURCE_CHECK, STRING));
        decls.add(CelFunctionDecl.newFunctionDeclaration("check",
                newMemberOverload("path_check_check", DECISION, PATH_CHECK, STRING),
                newMemberOverload("resource_check_check", DECISION, RESOURCE_CHECK, STRING)));
        decls.add(member("errored", BOOL, DECISION));
        decls.add(member("error", STRING, DECISION));
        decls.add(member("allowed", BOOL, DECISION));
        decls.add(member("reason", STRING, DECISION));
        return decls;
    }

    private static CelFunctionDecl global(String name, CelType result, CelType... params) {
        return CelFunctionDecl.newFunctionDeclaration(name, newGlobalOverload(overloadId(name, params), result, params));
    }

    private static CelFunctionDecl member(String name, CelType result, CelType target, CelType... params) {
        CelType[] all = new CelType[params.length + 1];
        all[0] = target;
        System.arraycopy(params, 0, all, 1, params.length);
        return CelFunctionDecl.newFunctionDeclaration(name, newMemberOverload(overloadId(name, all), result, all));
    }

    private static String overloadId(String name, CelType... params) {
        StringBuilder id = new StringBuilder(name);
        for (CelType param : params) {
            id.append('_').append(param.name().replace('.', '_'));
        }
        return id.toString();
    }
}
