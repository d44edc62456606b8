package dev.kj.rhino.testing;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A fresh etcd cluster of real members (Debian's {@code /usr/bin/etcd}) on free loopback ports,
 * plain http. Members can be killed one by one to test failover; closing kills the rest and deletes
 * their data.
 */
public final class RealEtcdCluster implements AutoCloseable {
    private final List<RealEtcd> members;

    private RealEtcdCluster(List<RealEtcd> members) {
        this.members = members;
    }

    /** Starts {@code size} members and returns once each reports itself healthy (a leader is elected). */
    public static RealEtcdCluster start(int size) {
        int[] ports = RealEtcd.freePorts(2 * size);
        String initialCluster = IntStream.range(0, size)
                .mapToObj(i -> "m" + i + "=http://127.0.0.1:" + ports[2 * i + 1]).collect(Collectors.joining(","));
        List<RealEtcd> members = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                members.add(RealEtcd.launchMember("m" + i, ports[2 * i], ports[2 * i + 1], initialCluster));
            }
            for (RealEtcd member : members) {
                member.awaitHealthyOrClose();
            }
        } catch (RuntimeException | Error e) {
            members.forEach(RealEtcd::close);
            throw e;
        }
        return new RealEtcdCluster(List.copyOf(members));
    }

    public List<RealEtcd> members() {
        return members;
    }

    /** Every member's client URL, as --etcd-servers lists them. */
    public List<URI> clientUrls() {
        return members.stream().map(RealEtcd::clientUrl).toList();
    }

    /** Kills one member at once (SIGKILL), as a crash. */
    public void kill(RealEtcd member) {
        member.close();
    }

    @Override
    public void close() {
        members.forEach(RealEtcd::close);
    }
}
