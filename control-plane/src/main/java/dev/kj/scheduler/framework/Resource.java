package dev.kj.scheduler.framework;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.TreeMap;

/**
 * Amounts of the resources the scheduler accounts (upstream's framework.Resource): milli-CPU,
 * memory and ephemeral storage in bytes, a pod count, and scalar resources (extended resources,
 * hugepages) by name. Mutable, owned by one NodeInfo or one computation.
 */
public final class Resource {
    public static final String CPU = "cpu";
    public static final String MEMORY = "memory";
    public static final String EPHEMERAL_STORAGE = "ephemeral-storage";
    public static final String PODS = "pods";

    public long milliCpu;
    public long memory;
    public long ephemeralStorage;
    public long allowedPodNumber;
    public final Map<String, Long> scalars = new TreeMap<>();

    public static Resource of(Map<String, Quantity> list) {
        Resource resource = new Resource();
        if (list != null) {
            list.forEach(resource::set);
        }
        return resource;
    }

    private void set(String name, Quantity quantity) {
        switch (name) {
            case CPU -> milliCpu = milli(quantity);
            case MEMORY -> memory = value(quantity);
            case EPHEMERAL_STORAGE -> ephemeralStorage = value(quantity);
            case PODS -> allowedPodNumber = value(quantity);
            default -> {
                if (isScalar(name)) {
                    scalars.put(name, value(quantity));
                }
            }
        }
    }

    /** Extended resources (a domain prefix outside kubernetes.io), hugepages and attachable volumes. */
    static boolean isScalar(String name) {
        return name.startsWith("hugepages-") || name.startsWith("attachable-volumes-")
                || (name.contains("/") && !name.startsWith("kubernetes.io/") && !name.startsWith("requests."));
    }

    public static long milli(Quantity quantity) {
        return amount(quantity).movePointRight(3).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    public static long value(Quantity quantity) {
        return amount(quantity).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    private static BigDecimal amount(Quantity quantity) {
        return quantity == null || quantity.getAmount() == null ? BigDecimal.ZERO : quantity.getNumericalAmount();
    }

    public void add(Resource other) {
        milliCpu += other.milliCpu;
        memory += other.memory;
        ephemeralStorage += other.ephemeralStorage;
        allowedPodNumber += other.allowedPodNumber;
        other.scalars.forEach((name, value) -> scalars.merge(name, value, Long::sum));
    }

    public void subtract(Resource other) {
        milliCpu -= other.milliCpu;
        memory -= other.memory;
        ephemeralStorage -= other.ephemeralStorage;
        allowedPodNumber -= other.allowedPodNumber;
        other.scalars.forEach((name, value) -> scalars.merge(name, -value, Long::sum));
    }

    /** Each amount the larger of the two. */
    public void setMax(Resource other) {
        milliCpu = Math.max(milliCpu, other.milliCpu);
        memory = Math.max(memory, other.memory);
        ephemeralStorage = Math.max(ephemeralStorage, other.ephemeralStorage);
        allowedPodNumber = Math.max(allowedPodNumber, other.allowedPodNumber);
        other.scalars.forEach((name, value) -> scalars.merge(name, value, Math::max));
    }

    public long get(String name) {
        return switch (name) {
            case CPU -> milliCpu;
            case MEMORY -> memory;
            case EPHEMERAL_STORAGE -> ephemeralStorage;
            case PODS -> allowedPodNumber;
            default -> scalars.getOrDefault(name, 0L);
        };
    }

    public Resource copy() {
        Resource copy = new Resource();
        copy.add(this);
        return copy;
    }

    public boolean isZero() {
        return milliCpu == 0 && memory == 0 && ephemeralStorage == 0 && scalars.values().stream().allMatch(v -> v == 0);
    }
}
