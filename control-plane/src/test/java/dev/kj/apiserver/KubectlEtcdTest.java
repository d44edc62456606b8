package dev.kj.apiserver;

import dev.kj.apiserver.testing.ServerUnderTest;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * {@link KubectlTest}'s flows through {@code --etcd-servers} on a real etcd (Debian's 3.4). The
 * oldest and newest kubectl only: the storage path does not depend on the client's version, which
 * {@link KubectlTest} covers in full, and each of these flows waits out the namespace controller's
 * 5 s grace period once.
 */
class KubectlEtcdTest extends KubectlTest {
    @Override
    ServerUnderTest startServer(Path tempDir) throws Exception {
        return ServerUnderTest.onRealEtcd(tempDir);
    }

    @Override
    Stream<String> versions() {
        return Stream.of("1.27", "1.33");
    }
}
