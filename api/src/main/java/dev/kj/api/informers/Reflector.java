package dev.kj.api.informers;

import dev.kj.api.client.ApiException;
import dev.kj.api.client.ObjectList;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.client.Watch;
import dev.kj.api.client.WatchEvent;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * List then watch, forever (client-go's Reflector): the first list reads any version
 * (resourceVersion "0") in pages; the watch starts at the list's version with bookmarks allowed and
 * a randomized timeout, and is reopened from the newest version seen whenever it ends. A watch
 * that answers 410 Expired (history compacted) or fails otherwise leads to a relist at the newest
 * version seen, and a relist refused with 410 to one at the newest state (""). Failures pause
 * with {@link Backoff}. Bookmarks only advance the version; a server without them works the same.
 */
final class Reflector<T> {
    private static final System.Logger LOG = System.getLogger(Reflector.class.getName());
    /** A watch that ends sooner than this without one event counts as a failure (client-go's VeryShortWatchError). */
    private static final long VERY_SHORT_WATCH_NANOS = Duration.ofSeconds(1).toNanos();

    private final String name;
    private final ResourceClient<T> client;
    private final InformerOptions options;
    private final SharedInformer<T> informer;
    private final Backoff backoff;
    private volatile String lastSyncResourceVersion = "";
    /** The last version was refused (410) by a list: list the newest state instead. */
    private boolean lastSyncResourceVersionUnavailable;
    private volatile boolean stopped;
    private volatile Watch<T> currentWatch;
    private Thread thread;

    Reflector(String name, ResourceClient<T> client, InformerOptions options, SharedInformer<T> informer) {
        this.name = name;
        this.client = client;
        this.options = options;
        this.informer = informer;
        this.backoff = new Backoff(options.backoffInitial(), options.backoffCap());
    }

    String lastSyncResourceVersion() {
        return lastSyncResourceVersion;
    }

    void start() {
        thread = Thread.ofVirtual().name("reflector-" + name).start(this::run);
    }

    void stop() {
        stopped = true;
        Watch<T> watch = currentWatch;
        if (watch != null) {
            watch.close();
        }
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void run() {
        while (!stopped) {
            try {
                listAndWatch();
            } catch (ApiException | UncheckedIOException | VeryShortWatch e) {
                if (stopped) {
                    break;
                }
                LOG.log(System.Logger.Level.WARNING, "{0}: list and watch failed, relisting: {1}", name, e.getMessage());
            } catch (RuntimeException e) {
                if (stopped) {
                    break;
                }
                LOG.log(System.Logger.Level.ERROR, name + ": list and watch failed, relisting", e);
            }
            if (!pause()) {
                break;
            }
        }
    }

    private void listAndWatch() {
        list();
        watch();
    }

    /** client-go's relistResourceVersion. */
    private String relistResourceVersion() {
        if (lastSyncResourceVersionUnavailable) {
            return "";
        }
        return lastSyncResourceVersion.isEmpty() ? "0" : lastSyncResourceVersion;
    }

    private void list() {
        String version = relistResourceVersion();
        ObjectList<T> list;
        try {
            list = listAt(version);
        } catch (ApiException e) {
            if (!e.isExpiredOrGone() && !e.isTooLargeResourceVersion()) {
                throw e;
            }
            // the version is gone from history (or not reached yet): take the newest state
            lastSyncResourceVersionUnavailable = true;
            list = listAt(relistResourceVersion());
        }
        lastSyncResourceVersionUnavailable = false;
        informer.replace(list.items());
        lastSyncResourceVersion = list.resourceVersion();
    }

    /**
     * Pages for "" (newest, from storage) and "0" (any; a watch cache answers it whole); no pages
     * for a relist at a known version, so a watch cache can answer it instead of storage.
     */
    private ObjectList<T> listAt(String version) {
        boolean paged = version.isEmpty() || version.equals("0");
        return client.listAll(options.namespace(), options.selection().withResourceVersion(version),
                paged ? options.pageSize() : 0);
    }

    /** Watches until the stream fails in a way that needs a relist; returns to relist, throws on failure. */
    private void watch() {
        while (!stopped) {
            long timeout = options.minWatchTimeout().toSeconds();
            timeout += (long) (ThreadLocalRandom.current().nextDouble() * timeout);
            Watch<T> watch;
            try {
                watch = client.watch(options.namespace(), options.selection().withResourceVersion(lastSyncResourceVersion)
                        .withAllowWatchBookmarks(true).withTimeoutSeconds((int) timeout));
            } catch (UncheckedIOException e) {
                // the server is not reachable: try the watch again (client-go: connection refused)
                if (stopped) {
                    return;
                }
                LOG.log(System.Logger.Level.INFO, "{0}: watch failed, retrying: {1}", name, e.getMessage());
                if (!pause()) {
                    return;
                }
                continue;
            } catch (ApiException e) {
                if (e.isTooManyRequests() && pause()) {
                    continue;
                }
                throw e;
            }
            currentWatch = watch;
            if (stopped) {
                watch.close();
                return;
            }
            long started = System.nanoTime();
            int events = 0;
            try (watch) {
                for (WatchEvent<T> event = watch.next(); event != null; event = watch.next()) {
                    events++;
                    switch (event) {
                        case WatchEvent.Error<T> error -> {
                            ApiException failure = error.exception();
                            if (failure.isExpiredOrGone()) {
                                // history was compacted past our version: relist (at the version, first)
                                LOG.log(System.Logger.Level.DEBUG, "{0}: watch closed: {1}", name, failure.getMessage());
                                return;
                            }
                            throw failure;
                        }
                        case WatchEvent.Bookmark<T> bookmark -> lastSyncResourceVersion = bookmark.resourceVersion();
                        case WatchEvent.Added<T> added -> applied(event, added.object());
                        case WatchEvent.Modified<T> modified -> applied(event, modified.object());
                        case WatchEvent.Deleted<T> deleted -> applied(event, deleted.object());
                    }
                }
            } catch (UncheckedIOException e) {
                // the connection dropped: watch again from the newest version seen
                if (stopped) {
                    return;
                }
                LOG.log(System.Logger.Level.INFO, "{0}: watch stream failed, watching again: {1}", name, e.getMessage());
            } finally {
                currentWatch = null;
            }
            if (events == 0 && System.nanoTime() - started < VERY_SHORT_WATCH_NANOS && !stopped) {
                throw new VeryShortWatch(name);
            }
        }
    }

    private void applied(WatchEvent<T> event, T object) {
        informer.apply(event);
        String version = client.codec().resourceVersion(object);
        if (version != null && !version.isEmpty()) {
            lastSyncResourceVersion = version;
        }
    }

    /** Sleeps the next backoff; false when stopped meanwhile. */
    private boolean pause() {
        if (stopped) {
            return false;
        }
        try {
            Thread.sleep(backoff.next(System.nanoTime()));
            return !stopped;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** A watch that ended at once without an event: something is wrong; relist after a pause. */
    private static final class VeryShortWatch extends RuntimeException {
        VeryShortWatch(String name) {
            super(name + ": very short watch: the server ended the watch at once without sending anything");
        }
    }
}
