package dev.kj.apiserver.registry.core.service;

/**
 * {@code --service-node-port-range} ({@code 30000-32767} by default, both ends included, as
 * upstream's net.PortRange).
 */
public record NodePortRange(int base, int size) {
    public static final String DEFAULT = "30000-32767";

    public static NodePortRange parse(String text) {
        String[] ends = text.split("-");
        try {
            int low = Integer.parseInt(ends[0].trim());
            int high = ends.length == 2 ? Integer.parseInt(ends[1].trim()) : low;
            if (ends.length > 2 || low < 1 || high > 65535 || high < low) {
                throw new NumberFormatException();
            }
            return new NodePortRange(low, high - low + 1);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--service-node-port-range: invalid port range \"" + text + "\"");
        }
    }

    public boolean contains(int port) {
        return port >= base && port < base + size;
    }

    /** The lower band random allocation avoids: min(max(16, size/32), 128), 0 for tiny ranges. */
    public int staticBand() {
        if (size <= 16) {
            return 0;
        }
        return Math.min(Math.max(16, size / 32), 128);
    }

    @Override
    public String toString() {
        return base + "-" + (base + size - 1);
    }
}
