package dev.kj.kubelet.volume;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceFieldSelector;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A container's request or limit as a downwardAPI file shows it (upstream's
 * ExtractResourceValueByContainerNameAndNodeAllocatable): a limit the container lacks is the
 * node's allocatable amount; the value is divided by the divisor (default 1) and rounded up.
 */
public final class ResourceFields {
    private static final Map<String, String> NODE_DEFAULTED = Map.of("limits.cpu", "cpu", "limits.memory", "memory",
            "limits.ephemeral-storage", "ephemeral-storage");

    private ResourceFields() {
    }

    /** Where a missing limit comes from: the node's status.allocatable, read only when needed. */
    public interface Allocatable {
        Map<String, Quantity> get() throws VolumeError;
    }

    public static String extract(ResourceFieldSelector selector, Pod pod, Allocatable allocatable) throws VolumeError {
        String name = selector.getContainerName();
        Container container = Stream.concat(pod.getSpec().getContainers().stream(),
                        pod.getSpec().getInitContainers() == null ? Stream.empty() : pod.getSpec().getInitContainers().stream())
                .filter(c -> c.getName().equals(name)).findFirst()
                .orElseThrow(() -> new VolumeError("container " + name + " not found"));
        String resource = selector.getResource();
        boolean limit = resource.startsWith("limits.");
        boolean request = resource.startsWith("requests.");
        String resourceName = limit ? resource.substring("limits.".length())
                : request ? resource.substring("requests.".length()) : resource;
        boolean cpu = resourceName.equals("cpu");
        boolean sized = resourceName.equals("memory") || resourceName.equals("ephemeral-storage")
                || resourceName.startsWith("hugepages-");
        if ((!limit && !request) || (!cpu && !sized)) {
            throw new VolumeError("unsupported container resource : " + resource);
        }
        Map<String, Quantity> amounts = container.getResources() == null ? null
                : limit ? container.getResources().getLimits() : container.getResources().getRequests();
        Optional<Quantity> value = Optional.ofNullable(amounts == null ? null : amounts.get(resourceName));
        if (value.isEmpty() && NODE_DEFAULTED.containsKey(resource)) {
            value = Optional.ofNullable(allocatable.get().get(NODE_DEFAULTED.get(resource)));
        }
        BigDecimal amount = value.map(Quantity::getNumericalAmount).orElse(BigDecimal.ZERO);
        Quantity divisorQuantity = selector.getDivisor();
        BigDecimal divisor = divisorQuantity == null || divisorQuantity.getAmount() == null
                || divisorQuantity.getNumericalAmount().signum() == 0 ? BigDecimal.ONE : divisorQuantity.getNumericalAmount();
        BigDecimal result;
        if (cpu) {
            // upstream divides milli-values: ceil(milli(value) / milli(divisor))
            result = milli(amount).divide(milli(divisor), 0, RoundingMode.CEILING);
        } else {
            result = whole(amount).divide(whole(divisor), 0, RoundingMode.CEILING);
        }
        return result.toBigInteger().toString();
    }

    /** resource.Quantity.MilliValue: rounded up to a whole milli-unit. */
    private static BigDecimal milli(BigDecimal value) {
        return value.movePointRight(3).setScale(0, RoundingMode.CEILING);
    }

    /** resource.Quantity.Value: rounded up to a whole unit. */
    private static BigDecimal whole(BigDecimal value) {
        return value.setScale(0, RoundingMode.CEILING);
    }
}
