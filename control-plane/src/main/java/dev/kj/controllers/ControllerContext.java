package dev.kj.controllers;

import dev.kj.api.client.ApiClient;
import dev.kj.api.events.EventRecorder;
import dev.kj.api.informers.InformerFactory;
import dev.kj.controllers.nodelifecycle.NodeLifecycleSettings;
import java.time.Clock;

/**
 * What every controller is built from: a client of the API under the controller's own identity
 * (upstream's --use-service-account-credentials: system:serviceaccount:kube-system:&lt;name&gt;), the
 * informers they share (read as the controller manager), the clock, the cluster CA (PEM) that
 * the root-ca-cert-publisher spreads and the tokens controller puts into token Secrets, and the
 * signer of legacy service account tokens, and the node lifecycle controller's grace periods.
 */
public record ControllerContext(ApiClient client, InformerFactory informers, Clock clock, String rootCa,
                                LegacyTokenSigner legacyTokens, NodeLifecycleSettings nodeLifecycle) {
    public ControllerContext(ApiClient client, InformerFactory informers, Clock clock) {
        this(client, informers, clock, "", LegacyTokenSigner.NONE, NodeLifecycleSettings.DEFAULT);
    }

    /** Events reported as {@code component} (upstream names the source after the controller). */
    public EventRecorder eventRecorder(String component) {
        return new EventRecorder(client, component, clock);
    }
}
