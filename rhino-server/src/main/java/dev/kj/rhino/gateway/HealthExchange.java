package dev.kj.rhino.gateway;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import dev.kj.rhino.api.etcdserverpb.AlarmRequest;
import dev.kj.rhino.api.etcdserverpb.AlarmResponse;
import dev.kj.rhino.api.etcdserverpb.KVGrpc;
import dev.kj.rhino.api.etcdserverpb.MaintenanceGrpc;
import dev.kj.rhino.api.etcdserverpb.RangeRequest;
import dev.kj.rhino.api.etcdserverpb.RangeResponse;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.stub.ClientCalls;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * etcd's {@code /health}: unhealthy with an alarm raised (unless excluded by name with
 * {@code ?exclude=}) or when a read does not succeed within a second. A single member is
 * always its own leader.
 */
final class HealthExchange extends Exchange {
    private static final long TIMEOUT_SECONDS = 1;

    HealthExchange(ChannelHandlerContext ctx, boolean keepAlive, Runnable onResponded, Gateway gateway, List<String> excluded) {
        super(ctx, keepAlive, onResponded);
        ClientCall<AlarmRequest, AlarmResponse> alarms = gateway.channel().newCall(MaintenanceGrpc.getAlarmMethod(),
                CallOptions.DEFAULT.withDeadlineAfter(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        Futures.addCallback(ClientCalls.futureUnaryCall(alarms, AlarmRequest.newBuilder()
                .setAction(AlarmRequest.AlarmAction.GET).build()), new FutureCallback<>() {
            @Override
            public void onSuccess(AlarmResponse response) {
                boolean alarmed = response.getAlarmsList().stream()
                        .anyMatch(alarm -> !excluded.contains(alarm.getAlarm().name()));
                if (alarmed) {
                    answer(false);
                    return;
                }
                ClientCall<RangeRequest, RangeResponse> read = gateway.channel().newCall(KVGrpc.getRangeMethod(),
                        CallOptions.DEFAULT.withDeadlineAfter(TIMEOUT_SECONDS, TimeUnit.SECONDS));
                Futures.addCallback(ClientCalls.futureUnaryCall(read, RangeRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8("health")).build()), new FutureCallback<>() {
                    @Override
                    public void onSuccess(RangeResponse ignored) {
                        answer(true);
                    }

                    @Override
                    public void onFailure(Throwable failure) {
                        answer(false);
                    }
                }, MoreExecutors.directExecutor());
            }

            @Override
            public void onFailure(Throwable failure) {
                answer(false);
            }
        }, MoreExecutors.directExecutor());
    }

    private void answer(boolean healthy) {
        ctx.executor().execute(() -> {
            if (!ctx.channel().isActive()) {
                return;
            }
            byte[] body = ("{\"health\":\"" + healthy + "\"}").getBytes(StandardCharsets.UTF_8);
            DefaultFullHttpResponse response = healthy
                    ? HttpAnswers.full(HttpResponseStatus.OK, HttpAnswers.TEXT, body)
                    : HttpAnswers.full(HttpResponseStatus.SERVICE_UNAVAILABLE, HttpAnswers.TEXT,
                            ("{\"health\":\"false\"}\n").getBytes(StandardCharsets.UTF_8));
            if (!healthy) {
                response.headers().set("X-Content-Type-Options", "nosniff");
            }
            if (!keepAlive) {
                response.headers().set("Connection", "close");
            }
            ctx.writeAndFlush(response);
            responded();
        });
    }

    @Override
    void body(ByteBuf bytes) {
    }

    @Override
    void bodyDone() {
    }
}
