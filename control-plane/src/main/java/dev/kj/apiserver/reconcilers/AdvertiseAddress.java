package dev.kj.apiserver.reconcilers;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The address this server is listed under in the kubernetes Endpoints (upstream's
 * DefaultAdvertiseAddress): --advertise-address when given; else the bind address unless it is a
 * wildcard or loopback (endpoints may not be loopback); else the IPv4 address of the interface
 * holding the default route (ChooseHostInterface), else of the first other interface that is up.
 */
public final class AdvertiseAddress {
    private AdvertiseAddress() {
    }

    public static Optional<String> choose(String configured, InetAddress bound) {
        if (configured != null && !configured.isEmpty()) {
            return Optional.of(configured);
        }
        if (!bound.isAnyLocalAddress() && !bound.isLoopbackAddress()) {
            return Optional.of(bound.getHostAddress());
        }
        try {
            Optional<String> routed = defaultRouteInterface().flatMap(AdvertiseAddress::ipv4Of);
            if (routed.isPresent()) {
                return routed;
            }
            for (NetworkInterface network : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (network.isUp() && !network.isLoopback()) {
                    Optional<String> address = ipv4Of(network.getName());
                    if (address.isPresent()) {
                        return address;
                    }
                }
            }
        } catch (SocketException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The interface of the IPv4 default route in /proc/net/route (destination 00000000), on Linux. */
    private static Optional<String> defaultRouteInterface() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/net/route"));
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] fields = line.trim().split("\\s+");
                if (fields.length > 2 && fields[1].equals("00000000")) {
                    return Optional.of(fields[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static Optional<String> ipv4Of(String interfaceName) {
        try {
            NetworkInterface network = NetworkInterface.getByName(interfaceName);
            if (network == null || !network.isUp()) {
                return Optional.empty();
            }
            for (InetAddress address : Collections.list(network.getInetAddresses())) {
                if (address instanceof Inet4Address && !address.isLinkLocalAddress() && !address.isLoopbackAddress()) {
                    return Optional.of(address.getHostAddress());
                }
            }
        } catch (SocketException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
