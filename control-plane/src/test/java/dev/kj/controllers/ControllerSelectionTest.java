package dev.kj.controllers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** kube-controller-manager's --controllers rules (IsControllerEnabled), with upstream's names and aliases. */
class ControllerSelectionTest {
    record Case(List<String> flag, boolean garbageCollector, boolean namespace) {
        @Override
        public String toString() {
            return "--controllers=" + String.join(",", flag);
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case(List.of("*"), true, true),
                new Case(List.of(), false, false),
                new Case(List.of("namespace-controller"), false, true),
                new Case(List.of("*", "-garbage-collector-controller"), false, true),
                new Case(List.of("-garbagecollector", "*"), false, true),
                new Case(List.of("namespace", "-namespace-controller"), false, true),
                new Case(List.of("-namespace", "*", "namespace"), true, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theFirstEntryNamingAControllerDecides(Case c) {
        ControllerSelection selection = ControllerSelection.parse(c.flag());
        assertEquals(c.garbageCollector(), selection.enabled(KnownControllers.GARBAGE_COLLECTOR));
        assertEquals(c.namespace(), selection.enabled(KnownControllers.NAMESPACE));
    }

    @org.junit.jupiter.api.Test
    void theServiceAccountAndRootCaControllersGoByUpstreamsNamesAndAliases() {
        ControllerSelection selection = ControllerSelection.parse(List.of("serviceaccount", "-root-ca-cert-publisher", "*"));
        assertEquals(true, selection.enabled(KnownControllers.SERVICE_ACCOUNT));
        assertEquals(false, selection.enabled(KnownControllers.ROOT_CA_CERT_PUBLISHER));
        assertEquals(List.of("serviceaccount-controller", "-root-ca-certificate-publisher-controller", "*"),
                selection.entries());
        assertEquals("system:serviceaccount:kube-system:root-ca-cert-publisher",
                KnownControllers.userName("root-ca-cert-publisher"));
    }

    @org.junit.jupiter.api.Test
    void theTokensControllerGoesByUpstreamsNameAndAliasAndUsesTheManagersCredentials() {
        ControllerSelection selection = ControllerSelection.parse(List.of("-serviceaccount-token", "*"));
        assertEquals(false, selection.enabled(KnownControllers.SERVICE_ACCOUNT_TOKEN));
        assertEquals(List.of("-serviceaccount-token-controller", "*"), selection.entries());
        KnownControllers.Descriptor tokens = KnownControllers.ALL.stream()
                .filter(d -> d.name().equals("serviceaccount-token-controller")).findFirst().orElseThrow();
        assertEquals(null, tokens.identity(), "not a --use-service-account-credentials controller upstream");
        assertEquals(tokens, KnownControllers.ALL.getFirst(), "upstream starts it before the others");
    }

    @org.junit.jupiter.api.Test
    void theReplicationCronJobAndDisruptionControllersGoByUpstreamsNamesAliasesAndIdentities() {
        ControllerSelection selection = ControllerSelection.parse(List.of("-replicationcontroller", "-cronjob", "-disruption", "*"));
        assertEquals(List.of("-replicationcontroller-controller", "-cronjob-controller", "-disruption-controller", "*"),
                selection.entries());
        assertEquals(false, selection.enabled(KnownControllers.REPLICATION_CONTROLLER));
        assertEquals(false, selection.enabled(KnownControllers.CRON_JOB));
        assertEquals(false, selection.enabled(KnownControllers.DISRUPTION));
        ControllerSelection defaults = ControllerSelection.parse(List.of("*"));
        assertEquals(List.of(true, true, true), List.of(defaults.enabled(KnownControllers.REPLICATION_CONTROLLER),
                defaults.enabled(KnownControllers.CRON_JOB), defaults.enabled(KnownControllers.DISRUPTION)), "on by default");
        assertEquals(List.of("replication-controller", "disruption-controller", "cronjob-controller"),
                KnownControllers.ALL.stream().filter(d -> List.of(KnownControllers.REPLICATION_CONTROLLER, KnownControllers.CRON_JOB,
                        KnownControllers.DISRUPTION).contains(d.name())).map(KnownControllers.Descriptor::identity).toList());
    }

    @ParameterizedTest
    @MethodSource("unknown")
    void unknownNamesAreRefusedWithUpstreamsText(String entry) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> ControllerSelection.parse(List.of("*", entry)));
        assertEquals("\"bootstrap-signer-controller\" is not in the list of known controllers", refused.getMessage());
    }

    static Stream<String> unknown() {
        return Stream.of("bootstrap-signer-controller", "-bootstrap-signer-controller");
    }
}
