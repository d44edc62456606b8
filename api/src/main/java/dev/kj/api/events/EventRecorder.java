package dev.kj.api.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.api.Resources;
import dev.kj.api.client.ApiClient;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.objects.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.regex.Pattern;

/**
 * Records core/v1 Events about objects on behalf of one component (client-go's
 * tools/record recorder): the event is named {@code <object name>.<hex nanoseconds>}, lives in the
 * object's namespace (default for cluster-scoped objects), and carries the component as its source
 * and reporting controller. Events are sent on a virtual thread and never block the caller; past
 * {@value #MAX_IN_FLIGHT} unsent ones they are dropped and logged, as client-go's broadcaster drops
 * them. Not built: client-go's correlator, which folds repeated events into a count.
 */
public final class EventRecorder {
    private static final System.Logger LOG = System.getLogger(EventRecorder.class.getName());
    private static final int MAX_IN_FLIGHT = 1000;
    private static final Pattern DNS1123_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    public static final String NORMAL = "Normal";
    public static final String WARNING = "Warning";

    private final ResourceClient<ObjectNode> events;
    private final String component;
    private final Clock clock;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);

    public EventRecorder(ApiClient client, String component, Clock clock) {
        this.events = client.generic(Resources.EVENTS);
        this.component = component;
        this.clock = clock;
    }

    /** The object an event is about (core/v1 ObjectReference; empty fields are left out). */
    public record InvolvedObject(String apiVersion, String kind, String namespace, String name, String uid) {
    }

    /** Sends the event in the background. */
    public void event(InvolvedObject about, String type, String reason, String message) {
        ObjectNode event = build(about, type, reason, message);
        if (!inFlight.tryAcquire()) {
            LOG.log(System.Logger.Level.ERROR, "Unable to record event: too many queued events, dropped event {0}", event);
            return;
        }
        Thread.ofVirtual().name("event-" + component).start(() -> {
            try {
                events.create(event.path("metadata").path("namespace").asText(), event);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Unable to record event {0}: {1}", event, e.toString());
            } finally {
                inFlight.release();
            }
        });
    }

    /** The Event as client-go's makeEvent builds it. */
    ObjectNode build(InvolvedObject about, String type, String reason, String message) {
        Instant now = clock.instant();
        long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        String name = about.name() + "." + Long.toHexString(nanos);
        if (name.length() > 253 || !DNS1123_SUBDOMAIN.matcher(name).matches()) {
            name = UUID.randomUUID().toString(); // kubernetes#127594: an object name need not make a valid event name
        }
        ObjectNode event = Json.TREES.createObjectNode();
        event.put("apiVersion", "v1");
        event.put("kind", "Event");
        ObjectNode meta = event.putObject("metadata");
        meta.put("name", name);
        meta.put("namespace", about.namespace() == null || about.namespace().isEmpty() ? "default" : about.namespace());
        ObjectNode involved = event.putObject("involvedObject");
        putIfPresent(involved, "kind", about.kind());
        putIfPresent(involved, "namespace", about.namespace());
        putIfPresent(involved, "name", about.name());
        putIfPresent(involved, "uid", about.uid());
        putIfPresent(involved, "apiVersion", about.apiVersion());
        event.put("reason", reason);
        event.put("message", message);
        event.putObject("source").put("component", component);
        String timestamp = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
        event.put("firstTimestamp", timestamp);
        event.put("lastTimestamp", timestamp);
        event.put("count", 1);
        event.put("type", type);
        event.putNull("eventTime");
        event.put("reportingComponent", component);
        event.put("reportingInstance", "");
        return event;
    }

    private static void putIfPresent(ObjectNode node, String field, String value) {
        if (value != null && !value.isEmpty()) {
            node.put(field, value);
        }
    }
}
