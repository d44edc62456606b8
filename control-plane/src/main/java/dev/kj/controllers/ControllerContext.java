package dev.kj.controllers;

import dev.kj.api.client.ApiClient;
import dev.kj.api.events.EventRecorder;
import dev.kj.api.informers.InformerFactory;
import java.time.Clock;

/**
 * What every controller is built from: a client of the API (the controller manager's identity),
 * the informers they share, and the clock.
 */
public record ControllerContext(ApiClient client, InformerFactory informers, Clock clock) {
    /** Events reported as {@code component} (upstream names the source after the controller). */
    public EventRecorder eventRecorder(String component) {
        return new EventRecorder(client, component, clock);
    }
}
