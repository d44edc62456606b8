package dev.kj.scheduler.framework;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import java.util.Map;

/**
 * What a pod asks of a node (upstream's resourcehelper.PodRequests): its containers together and
 * its sidecars (restartable init containers) beside them, or the largest init container step if
 * larger — each init container running alongside the sidecars started before it — plus the pod's
 * overhead. The non-zero variant counts a container without a CPU or memory request as 100m and
 * 200 MiB (upstream's defaults for spreading, used by the scoring plugins).
 */
public final class PodRequests {
    public static final long DEFAULT_MILLI_CPU = 100;
    public static final long DEFAULT_MEMORY = 200L * 1024 * 1024;

    private PodRequests() {
    }

    public static Resource of(Pod pod) {
        return compute(pod, false);
    }

    public static Resource nonZero(Pod pod) {
        return compute(pod, true);
    }

    private static Resource compute(Pod pod, boolean nonZero) {
        Resource total = new Resource();
        for (Container container : list(pod.getSpec().getContainers())) {
            total.add(requests(container, nonZero));
        }
        Resource sidecars = new Resource();
        Resource initPeak = new Resource();
        for (Container init : list(pod.getSpec().getInitContainers())) {
            Resource step = requests(init, nonZero);
            if ("Always".equals(init.getRestartPolicy())) {
                total.add(step);
                sidecars.add(step);
                step = sidecars.copy();
            } else {
                step.add(sidecars);
            }
            initPeak.setMax(step);
        }
        total.setMax(initPeak);
        Map<String, Quantity> overhead = pod.getSpec().getOverhead();
        if (overhead != null) {
            total.add(Resource.of(overhead));
        }
        return total;
    }

    private static Resource requests(Container container, boolean nonZero) {
        Map<String, Quantity> requests = container.getResources() == null ? null : container.getResources().getRequests();
        Resource resource = Resource.of(requests);
        if (nonZero) {
            if (requests == null || !requests.containsKey(Resource.CPU)) {
                resource.milliCpu = DEFAULT_MILLI_CPU;
            }
            if (requests == null || !requests.containsKey(Resource.MEMORY)) {
                resource.memory = DEFAULT_MEMORY;
            }
        }
        return resource;
    }

    private static <T> List<T> list(List<T> list) {
        return list == null ? List.of() : list;
    }
}
