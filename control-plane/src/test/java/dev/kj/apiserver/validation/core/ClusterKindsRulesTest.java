package dev.kj.apiserver.validation.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.validation.Addresses;
import dev.kj.apiserver.validation.FieldError;
import dev.kj.apiserver.validation.KindRules;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Nodes, Endpoints, core/v1 Events, ResourceQuotas and LimitRanges with upstream's paths and texts. */
class ClusterKindsRulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUALIFIED = "name part must consist of alphanumeric characters, '-', '_' or '.', and"
            + " must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex"
            + " used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    static ObjectNode object(String json) {
        try {
            return (ObjectNode) JSON.readTree(json.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static List<String> messages(List<FieldError> errors) {
        return errors.stream().map(FieldError::toString).toList();
    }

    record Case(String name, KindRules rules, String object, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("valid node", new NodeRules(), "{'spec':{'podCIDRs':['10.244.1.0/24','fd00::/64'],"
                        + "'taints':[{'key':'node-role.kubernetes.io/control-plane','effect':'NoSchedule'},"
                        + "{'key':'node-role.kubernetes.io/control-plane','effect':'NoExecute'}]}}", List.of()),
                new Case("node taints", new NodeRules(), "{'spec':{'taints':[{'key':'a','effect':'NoSchedule'},"
                        + "{'key':'a','effect':'NoSchedule'},{'key':'b'},{'key':'c','value':'x y','effect':'Sometimes'}]}}",
                        List.of("spec.taints[1]: Duplicate value: core.Taint{Key:\"a\", Value:\"\", Effect:\"NoSchedule\","
                                        + " TimeAdded:<nil>}: taints must be unique by key and effect pair",
                                "spec.taints[2].effect: Required value",
                                "spec.taints[3].value: Invalid value: \"x y\": a valid label must be an empty string or"
                                        + " consist of alphanumeric characters, '-', '_' or '.', and must start and end"
                                        + " with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345',"
                                        + " regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
                                "spec.taints[3].effect: Unsupported value: \"Sometimes\": supported values: \"NoSchedule\","
                                        + " \"PreferNoSchedule\", \"NoExecute\"")),
                new Case("node pod CIDRs", new NodeRules(), "{'spec':{'podCIDRs':['10.0.0.0/33','10.1.0.0/16']}}",
                        List.of("spec.podCIDRs[0]: Invalid value: \"10.0.0.0/33\": must be a valid CIDR value, (e.g."
                                        + " 10.9.8.0/24 or 2001:db8::/64)",
                                "spec.podCIDRs: Invalid value: []string{\"10.0.0.0/33\", \"10.1.0.0/16\"}: may specify no"
                                        + " more than one CIDR for each IP family")),
                new Case("endpoints", new EndpointsRules(), "{'subsets':[{'ports':[{'port':80}]},{'addresses':[{'ip':"
                        + "'127.0.0.1'},{'ip':'10.0.0.300','hostname':'Web'}],'notReadyAddresses':[{'ip':'fe80::1',"
                        + "'nodeName':'n_1'}],'ports':[{'name':'http','port':0,'protocol':'ICMP'},{'port':81}]}]}",
                        List.of("subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`",
                                "subsets[1].addresses[0].ip: Invalid value: \"127.0.0.1\": may not be in the loopback"
                                        + " range (127.0.0.0/8, ::1/128)",
                                "subsets[1].addresses[1].ip: Invalid value: \"10.0.0.300\": must be a valid IP address,"
                                        + " (e.g. 10.9.8.7 or 2001:db8::ffff)",
                                "subsets[1].addresses[1].hostname: Invalid value: \"Web\": a lowercase RFC 1123 label must"
                                        + " consist of lower case alphanumeric characters or '-', and must start and end"
                                        + " with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for"
                                        + " validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                                "subsets[1].notReadyAddresses[0].nodeName: Invalid value: \"n_1\": a lowercase RFC 1123"
                                        + " subdomain must consist of lower case alphanumeric characters, '-' or '.', and"
                                        + " must start and end with an alphanumeric character (e.g. 'example.com', regex"
                                        + " used for validation is"
                                        + " '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                                "subsets[1].notReadyAddresses[0].ip: Invalid value: \"fe80::1\": may not be in the"
                                        + " link-local range (169.254.0.0/16, fe80::/10)",
                                "subsets[1].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                                "subsets[1].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\","
                                        + " \"TCP\", \"UDP\"",
                                "subsets[1].ports[1].name: Required value")),
                new Case("legacy event", new EventRules(), "{'metadata':{'namespace':'ns'},'involvedObject':"
                        + "{'kind':'Pod','namespace':'other'}}",
                        List.of("involvedObject.namespace: Invalid value: \"other\": does not match event.namespace")),
                new Case("cluster object's legacy event in default", new EventRules(),
                        "{'metadata':{'namespace':'default'},'involvedObject':{'kind':'Node','name':'n'}}", List.of()),
                new Case("event with eventTime", new EventRules(), "{'metadata':{'namespace':'ns'},'eventTime':"
                        + "'2026-12-07T13:00:00.000000Z','involvedObject':{'kind':'Node'},'reportingComponent':'a b'}",
                        List.of("involvedObject.namespace: Invalid value: \"\": does not match event.namespace",
                                "reportingComponent: Invalid value: \"a b\": " + QUALIFIED,
                                "reportingInstance: Required value", "action: Required value", "reason: Required value")),
                new Case("quota names and values", QuotaRules.RESOURCE_QUOTA, "{'spec':{'hard':{'pods':'1500m',"
                        + "'requests.cpu':'-1','storage':'1Gi','gpus':'1','count/deployments.apps':'2'}}}",
                        List.of("spec.hard[gpus]: Invalid value: \"gpus\": must be a standard resource type or fully"
                                        + " qualified",
                                "spec.hard[gpus]: Invalid value: \"gpus\": must be a standard resource for quota",
                                "spec.hard[pods]: Invalid value: \"1500m\": must be an integer",
                                "spec.hard[requests.cpu]: Invalid value: \"-1\": must be greater than or equal to 0",
                                "spec.hard[storage]: Invalid value: \"storage\": must be a standard resource for quota")),
                new Case("quota scopes", QuotaRules.RESOURCE_QUOTA, "{'spec':{'hard':{'pods':'10','secrets':'3'},"
                        + "'scopes':['BestEffort','NotBestEffort','Sometimes']}}",
                        List.of("spec.scopes: Invalid value: []core.ResourceQuotaScope{\"BestEffort\", \"NotBestEffort\","
                                        + " \"Sometimes\"}: unsupported scope applied to resource",
                                // NotBestEffort does not apply to secrets either (the 422 drops the repeat)
                                "spec.scopes: Invalid value: []core.ResourceQuotaScope{\"BestEffort\", \"NotBestEffort\","
                                        + " \"Sometimes\"}: unsupported scope applied to resource",
                                "spec.scopes: Invalid value: []core.ResourceQuotaScope{\"BestEffort\", \"NotBestEffort\","
                                        + " \"Sometimes\"}: unsupported scope",
                                "spec.scopes: Invalid value: []core.ResourceQuotaScope{\"BestEffort\", \"NotBestEffort\","
                                        + " \"Sometimes\"}: conflicting scopes")),
                new Case("quota scope selector", QuotaRules.RESOURCE_QUOTA, "{'spec':{'scopeSelector':{'matchExpressions':"
                        + "[{'scopeName':'PriorityClass','operator':'In'},{'scopeName':'BestEffort','operator':'In',"
                        + "'values':['x']}]}}}",
                        List.of("spec.scopeSelector.matchExpressions.values: Required value: must be at least one value"
                                        + " when `operator` is 'In' or 'NotIn' for scope selector",
                                "spec.scopeSelector.matchExpressions.operator: Invalid value: \"In\": must be 'Exist' when"
                                        + " scope is any of ResourceQuotaScopeTerminating,"
                                        + " ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort,"
                                        + " ResourceQuotaScopeNotBestEffort or"
                                        + " ResourceQuotaScopeCrossNamespacePodAffinity")),
                new Case("limit ranges", QuotaRules.LIMIT_RANGE, "{'spec':{'limits':[{'type':'Container','min':"
                        + "{'cpu':'500m'},'max':{'cpu':'250m'},'maxLimitRequestRatio':{'memory':'500m'}},"
                        + "{'type':'Pod','default':{'cpu':'1'}},{'type':'PersistentVolumeClaim'},{'type':'Pod'},"
                        + "{'type':'Volume'}]}}",
                        List.of("spec.limits[0].min[cpu]: Invalid value: \"500m\": min value 500m is greater than max"
                                        + " value 250m",
                                // the defaulted request and limit (from max) fall below min
                                "spec.limits[0].defaultRequest[cpu]: Invalid value: \"250m\": min value 500m is greater"
                                        + " than default request value 250m",
                                "spec.limits[0].default[cpu]: Invalid value: \"500m\": min value 500m is greater than"
                                        + " default value 250m",
                                "spec.limits[0].maxLimitRequestRatio[memory]: Invalid value: \"500m\": ratio 500m is"
                                        + " less than 1",
                                "spec.limits[1].default: Forbidden: may not be specified when `type` is 'Pod'",
                                "spec.limits[2].limits: Required value: either minimum or maximum storage value is"
                                        + " required, but neither was provided",
                                "spec.limits[3].type: Duplicate value: \"Pod\"",
                                "spec.limits[4].type: Invalid value: \"Volume\": must be a standard limit type or fully"
                                        + " qualified")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void validation(Case c) {
        ObjectNode object = object(c.object());
        c.rules().setDefaults(object);
        assertEquals(c.expected(), messages(c.rules().validate(object)));
    }

    @Test
    void nodeCidrsFollowTheV1ConversionAndStayOnceSet() {
        NodeRules rules = new NodeRules();
        ObjectNode node = object("{'spec':{'podCIDR':'10.244.0.0/24'}}");
        rules.setDefaults(node);
        assertEquals(object("{'podCIDR':'10.244.0.0/24','podCIDRs':['10.244.0.0/24']}"), node.get("spec"));
        ObjectNode empty = object("{'spec':{}}");
        rules.setDefaults(empty);
        assertEquals(List.of(), rules.validateUpdate(node, empty), "a CIDR may be assigned once");
        ObjectNode changed = object("{'spec':{'podCIDRs':['10.244.9.0/24'],'providerID':'kind://a'}}");
        rules.setDefaults(changed);
        assertEquals("10.244.9.0/24", changed.path("spec").path("podCIDR").asText());
        ObjectNode withProvider = node.deepCopy();
        ((ObjectNode) withProvider.get("spec")).put("providerID", "kind://b");
        assertEquals(List.of("spec.podCIDRs: Forbidden: node updates may not change podCIDR except from \"\" to valid",
                "spec.providerID: Forbidden: node updates may not change providerID except from \"\" to valid"),
                messages(rules.validateUpdate(changed, withProvider)));
        ObjectNode addresses = object("{'status':{'addresses':[{'type':'InternalIP','address':'10.0.0.1'},"
                + "{'type':'InternalIP','address':'10.0.0.1'}]}}");
        assertEquals(List.of("status.addresses[1]: Duplicate value: core.NodeAddress{Type:\"InternalIP\","
                + " Address:\"10.0.0.1\"}"), messages(rules.validateUpdate(addresses, object("{}"))));
    }

    @Test
    void containerLimitDefaultsComeFromMaxAndMin() {
        ObjectNode range = object("{'spec':{'limits':[{'type':'Container','max':{'cpu':'2'},'min':{'memory':'64Mi'}},"
                + "{'type':'Pod','max':{'cpu':'4'}}]}}");
        QuotaRules.LIMIT_RANGE.setDefaults(range);
        assertEquals(object("{'type':'Container','max':{'cpu':'2'},'min':{'memory':'64Mi'},'default':{'cpu':'2'},"
                + "'defaultRequest':{'cpu':'2','memory':'64Mi'}}"), range.path("spec").path("limits").get(0));
        assertEquals(object("{'type':'Pod','max':{'cpu':'4'}}"), range.path("spec").path("limits").get(1));
        assertEquals(List.of(), QuotaRules.LIMIT_RANGE.validate(range));
    }

    @Test
    void quotaScopesAreImmutable() {
        ObjectNode old = object("{'spec':{'hard':{'pods':'1'},'scopes':['BestEffort']}}");
        ObjectNode now = object("{'spec':{'hard':{'pods':'1'},'scopes':['NotBestEffort']}}");
        assertEquals(List.of("spec.scopes: Invalid value: []core.ResourceQuotaScope{\"NotBestEffort\"}: field is immutable"),
                messages(QuotaRules.RESOURCE_QUOTA.validateUpdate(now, old)));
    }

    @Test
    void addressesParseAsGoSloppyParsersDo() {
        for (String ip : List.of("10.0.0.1", "010.000.000.001", "::", "::1", "2001:db8::ffff", "::ffff:10.0.0.1",
                "1:2:3:4:5:6:7:8", "fe80::")) {
            assertEquals(true, Addresses.parseIp(ip) != null, ip);
        }
        for (String ip : List.of("", "10.0.0", "10.0.0.256", "1::2::3", "1:2:3:4:5:6:7:8:9", ":1", "1:", "abcde::1",
                "10.0.0.1.2", "::ffff:10.0.0")) {
            assertEquals(false, Addresses.parseIp(ip) != null, ip);
        }
        assertEquals(true, Addresses.isCidr("fd00::/128"));
        assertEquals(false, Addresses.isCidr("10.0.0.0/33"));
        assertEquals(false, Addresses.isCidr("10.0.0.0"));
    }
}
