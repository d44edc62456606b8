package dev.kj.rhino.differential;

import dev.kj.rhino.testing.RealEtcd;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** A fresh server a session runs against. */
interface Target extends AutoCloseable {
    /** {@code host:port} for etcdctl. */
    String endpoint();

    String label();

    @Override
    void close();

    static Target realEtcd() {
        return wrap(RealEtcd.start(), false);
    }

    /** etcd serving https with these TLS flags (--cert-file, --key-file, ...). */
    static Target realEtcdTls(java.util.List<String> tlsFlags) {
        return wrap(RealEtcd.startTls(tlsFlags), true);
    }

    private static Target wrap(RealEtcd etcd, boolean tls) {
        return new Target() {
            @Override
            public String endpoint() {
                return tls ? etcd.clientUrl().toString() : etcd.endpoint();
            }

            @Override
            public String label() {
                return "etcd 3.4.23";
            }

            @Override
            public void close() {
                etcd.close();
            }
        };
    }

    /** A data directory only its owner can read, as Rhino (like etcd) recommends. */
    static Path privateDirectory(Path dir) {
        try {
            return Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The server under test: Rhino by default; {@code -Dkj.differential.against=etcd} compares etcd with itself. */
    static Target underTest(Path dataDir) {
        String against = System.getProperty("kj.differential.against", "rhino");
        return switch (against) {
            case "rhino" -> RhinoTarget.start(dataDir);
            case "etcd" -> realEtcd();
            default -> throw new IllegalArgumentException("kj.differential.against must be rhino or etcd, not " + against);
        };
    }
}
