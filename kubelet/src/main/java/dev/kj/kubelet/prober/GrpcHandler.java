package dev.kj.kubelet.prober;

import dev.kj.kubelet.cri.CriException;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The grpc check: grpc.health.v1 Health/Check over plaintext HTTP/2 to the pod IP, SERVING is
 * success; a channel per check (as upstream dials per probe), failure texts as upstream's.
 */
final class GrpcHandler {
    Outcome check(String host, Action.Grpc grpc, Duration timeout) {
        String address = GoText.hostPort(host, grpc.port());
        ManagedChannel channel = NettyChannelBuilder.forAddress(host, grpc.port())
                .usePlaintext()
                .userAgent(Handlers.PROBE_USER_AGENT)
                .build();
        try {
            HealthCheckResponse response = HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .check(HealthCheckRequest.newBuilder().setService(grpc.service()).build());
            if (response.getStatus() != HealthCheckResponse.ServingStatus.SERVING) {
                return Outcome.failure("service unhealthy (responded with " + GoText.quote(response.getStatus().name()) + ")");
            }
            return Outcome.success("service is healthy");
        } catch (StatusRuntimeException e) {
            Status status = e.getStatus();
            return Outcome.failure(switch (status.getCode()) {
                case UNAVAILABLE -> "error: failed to connect service at " + GoText.quote(address) + ": " + CriException.describe(status);
                case UNIMPLEMENTED -> "error: this server does not implement the grpc health protocol (grpc.health.v1.Health): "
                        + (status.getDescription() == null ? "" : status.getDescription());
                case DEADLINE_EXCEEDED -> "timeout: health rpc did not complete within " + GoText.duration(timeout);
                default -> "error: health rpc probe failed: " + CriException.describe(status);
            });
        } finally {
            channel.shutdownNow();
        }
    }
}
