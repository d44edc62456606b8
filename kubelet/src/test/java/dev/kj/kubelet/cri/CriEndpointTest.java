package dev.kj.kubelet.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Status;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CriEndpointTest {
    @Test
    void unixUrlAndBarePathNameTheSameSocket() {
        assertEquals(Path.of("/run/containerd/containerd.sock"),
                CriEndpoint.parse("unix:///run/containerd/containerd.sock").socket());
        assertEquals(Path.of("/run/crio/crio.sock"), CriEndpoint.parse("/run/crio/crio.sock").socket());
        assertEquals("unix:///run/crio/crio.sock", CriEndpoint.parse("/run/crio/crio.sock").toString());
    }

    @Test
    void otherSchemesAndRelativePathsAreRejected() {
        var tcp = assertThrows(IllegalArgumentException.class, () -> CriEndpoint.parse("tcp://127.0.0.1:1234"));
        assertEquals("protocol \"tcp\" not supported: the container runtime endpoint must be a unix socket (unix:///path)",
                tcp.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CriEndpoint.parse("containerd.sock"));
    }

    @Test
    void errorsCarryGrpcGoCodeNames() {
        assertEquals("NotFound", CriException.codeName(Status.Code.NOT_FOUND));
        assertEquals("DeadlineExceeded", CriException.codeName(Status.Code.DEADLINE_EXCEEDED));
        assertEquals("Canceled", CriException.codeName(Status.Code.CANCELLED));
        assertEquals("OK", CriException.codeName(Status.Code.OK));
    }
}
