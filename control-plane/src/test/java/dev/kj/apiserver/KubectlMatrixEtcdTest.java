package dev.kj.apiserver;

import dev.kj.apiserver.testing.ServerUnderTest;
import java.nio.file.Path;

/**
 * {@link KubectlMatrixTest}'s flows through {@code --etcd-servers} on a real etcd (Debian's 3.4),
 * each write read back with etcdctl under /registry/ as readable JSON.
 */
class KubectlMatrixEtcdTest extends KubectlMatrixTest {
    @Override
    ServerUnderTest startServer(Path tempDir) throws Exception {
        return ServerUnderTest.onRealEtcd(tempDir);
    }
}
