package dev.kj.kubelet.kuberuntime;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The pod's QoS class (upstream's qos.GetPodQOS) and the OOM score adjustment it earns (qos/policy.go). */
public final class Qos {
    public static final int GUARANTEED_OOM_SCORE_ADJ = -997;
    public static final int BEST_EFFORT_OOM_SCORE_ADJ = 1000;

    private Qos() {
    }

    public static String podClass(Pod pod) {
        if (pod.getStatus() != null && pod.getStatus().getQosClass() != null && !pod.getStatus().getQosClass().isEmpty()) {
            return pod.getStatus().getQosClass();
        }
        boolean any = false;
        boolean guaranteed = true;
        List<Container> all = new ArrayList<>(nonNull(pod.getSpec().getInitContainers()));
        all.addAll(nonNull(pod.getSpec().getContainers()));
        for (Container c : all) {
            Map<String, Quantity> requests = c.getResources() == null || c.getResources().getRequests() == null ? Map.of() : c.getResources().getRequests();
            Map<String, Quantity> limits = c.getResources() == null || c.getResources().getLimits() == null ? Map.of() : c.getResources().getLimits();
            for (String r : List.of("cpu", "memory")) {
                if (nonZero(requests.get(r)) || nonZero(limits.get(r))) {
                    any = true;
                }
                if (!nonZero(limits.get(r))) {
                    guaranteed = false;
                } else if (requests.containsKey(r) && amount(requests.get(r)).compareTo(amount(limits.get(r))) != 0) {
                    guaranteed = false;
                }
            }
        }
        if (!any) {
            return "BestEffort";
        }
        return guaranteed ? "Guaranteed" : "Burstable";
    }

    public static int oomScoreAdj(Pod pod, Container container, long memoryCapacity) {
        String qos = podClass(pod);
        if (qos.equals("Guaranteed")) {
            return GUARANTEED_OOM_SCORE_ADJ;
        }
        if (qos.equals("BestEffort")) {
            return BEST_EFFORT_OOM_SCORE_ADJ;
        }
        Quantity request = container.getResources() == null || container.getResources().getRequests() == null ? null
                : container.getResources().getRequests().get("memory");
        long memoryRequest = request == null ? 0 : amount(request).longValue();
        long adj = 1000 - (1000 * memoryRequest) / Math.max(1, memoryCapacity);
        if (adj < 1000 + GUARANTEED_OOM_SCORE_ADJ) {
            return 1000 + GUARANTEED_OOM_SCORE_ADJ;
        }
        if (adj == BEST_EFFORT_OOM_SCORE_ADJ) {
            return (int) adj - 1;
        }
        return (int) adj;
    }

    static BigDecimal amount(Quantity q) {
        return Quantity.getAmountInBytes(q);
    }

    private static boolean nonZero(Quantity q) {
        return q != null && amount(q).signum() != 0;
    }

    private static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }
}
