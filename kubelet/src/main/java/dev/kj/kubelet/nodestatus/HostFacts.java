package dev.kj.kubelet.nodestatus;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Optional;

/**
 * What the node reports about its host, read where upstream's cAdvisor reads it: CPUs online,
 * MemTotal, the filesystem of the kubelet's root directory, /etc/machine-id, the boot id, the
 * kernel release and /etc/os-release's PRETTY_NAME.
 */
public record HostFacts(String hostname, Optional<String> internalIp, int cpus, long memoryBytes, long ephemeralStorageBytes,
                        String machineId, String systemUuid, String bootId, String kernelVersion, String osImage,
                        String architecture) {

    public static HostFacts read(Path rootDir) throws IOException {
        Files.createDirectories(rootDir);
        FileStore store = Files.getFileStore(rootDir);
        return new HostFacts(
                InetAddress.getLocalHost().getHostName().toLowerCase(java.util.Locale.ROOT),
                firstNonLoopbackIpv4(),
                onlineCpus(),
                memTotalBytes(),
                store.getTotalSpace(),
                firstLine(Path.of("/etc/machine-id")).orElse(""),
                firstLine(Path.of("/sys/class/dmi/id/product_uuid")).orElse(""),
                firstLine(Path.of("/proc/sys/kernel/random/boot_id")).orElse(""),
                firstLine(Path.of("/proc/sys/kernel/osrelease")).orElse(System.getProperty("os.version")),
                prettyName(),
                dev.kj.kubelet.pause.PauseProgram.hostArchitecture());
    }

    private static Optional<String> firstLine(Path file) {
        try {
            return Files.readAllLines(file).stream().findFirst().map(String::strip);
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** /sys/devices/system/cpu/online ("0-3,6"), counted; the JVM's count is cgroup-limited. */
    static int onlineCpus() {
        return firstLine(Path.of("/sys/devices/system/cpu/online")).map(HostFacts::countCpuList)
                .orElse(Runtime.getRuntime().availableProcessors());
    }

    static int countCpuList(String list) {
        int count = 0;
        for (String part : list.split(",")) {
            String[] range = part.strip().split("-");
            count += range.length == 1 ? 1 : Integer.parseInt(range[1]) - Integer.parseInt(range[0]) + 1;
        }
        return count;
    }

    private static long memTotalBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("/proc/meminfo has no MemTotal");
    }

    private static String prettyName() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) {
                    return line.substring("PRETTY_NAME=".length()).replace("\"", "");
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "Linux";
    }

    private static Optional<String> firstNonLoopbackIpv4() {
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback()) {
                    continue;
                }
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (address instanceof Inet4Address) {
                        return Optional.of(address.getHostAddress());
                    }
                }
            }
        } catch (SocketException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
