package dev.kj.api.client;

import io.fabric8.kubernetes.api.model.Status;
import java.util.Map;

/** One event of a watch stream (metav1.WatchEvent), its object decoded. */
public sealed interface WatchEvent<T> {
    record Added<T>(T object) implements WatchEvent<T> {
    }

    record Modified<T>(T object) implements WatchEvent<T> {
    }

    /** The object's last state, with the deletion's resourceVersion. */
    record Deleted<T>(T object) implements WatchEvent<T> {
    }

    /**
     * Progress: every change up to this resourceVersion has been sent. The annotation
     * {@code k8s.io/initial-events-end} marks the end of a WatchList's initial state.
     */
    record Bookmark<T>(String resourceVersion, Map<String, String> annotations) implements WatchEvent<T> {
        public Bookmark {
            annotations = Map.copyOf(annotations);
        }

        public boolean initialEventsEnd() {
            return "true".equals(annotations.get("k8s.io/initial-events-end"));
        }
    }

    /** The server ended the watch with this status (410 Expired for a compacted resourceVersion). */
    record Error<T>(Status status) implements WatchEvent<T> {
        public ApiException exception() {
            return new ApiException(status);
        }
    }
}
