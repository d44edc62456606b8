package dev.kj.scheduler.framework;

import java.util.Set;

/**
 * The cluster events after which a pod this plugin rejected may fit (upstream's
 * EnqueueExtensions.EventsToRegister): the queue moves an unschedulable pod only on events one of
 * its rejecting plugins registered.
 */
public interface EnqueueExtensions extends Plugin {
    Set<ClusterEvent> events();
}
