package dev.kj.rhino.bench;

import com.google.protobuf.ByteString;
import dev.kj.rhino.api.etcdserverpb.KVGrpc;
import dev.kj.rhino.api.etcdserverpb.PutRequest;
import dev.kj.rhino.api.etcdserverpb.WatchCreateRequest;
import dev.kj.rhino.api.etcdserverpb.WatchGrpc;
import dev.kj.rhino.api.etcdserverpb.WatchRequest;
import dev.kj.rhino.api.etcdserverpb.WatchResponse;
import dev.kj.rhino.api.mvccpb.Event;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Write → watch event latency against any etcd v3 endpoint: one writer puts a key whose value
 * starts with the send time ({@link System#nanoTime()}, so writer and watchers share a clock), W
 * watch streams on that key record when each event arrives. Writes are sequential and paced, so
 * this measures latency, not throughput. Prints one result line per run.
 *
 * <pre>WatchLatencyBench --endpoint 127.0.0.1:2379 [--label etcd] [--watchers 1] [--writes 2000]
 *                   [--warmup 300] [--interval-us 2000] [--value-bytes 256] [--channels 4]</pre>
 */
final class WatchLatencyBench {
    private WatchLatencyBench() {
    }

    record Options(String endpoint, String label, int watchers, int writes, int warmup, long intervalMicros,
                   int valueBytes, int channels) {
        static Options parse(String[] args) {
            String endpoint = null;
            String label = "server";
            int watchers = 1;
            int writes = 2000;
            int warmup = 300;
            long interval = 2000;
            int valueBytes = 256;
            int channels = 4;
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--endpoint" -> endpoint = value;
                    case "--label" -> label = value;
                    case "--watchers" -> watchers = Integer.parseInt(value);
                    case "--writes" -> writes = Integer.parseInt(value);
                    case "--warmup" -> warmup = Integer.parseInt(value);
                    case "--interval-us" -> interval = Long.parseLong(value);
                    case "--value-bytes" -> valueBytes = Integer.parseInt(value);
                    case "--channels" -> channels = Integer.parseInt(value);
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
                i++;
            }
            if (endpoint == null) {
                throw new IllegalArgumentException("--endpoint host:port is required");
            }
            return new Options(endpoint, label, watchers, writes, warmup, interval, Math.max(8, valueBytes),
                    Math.max(1, Math.min(channels, watchers)));
        }
    }

    /** Latencies in nanoseconds, appended by one watch stream's callback thread at a time. */
    static final class Samples {
        private long[] values = new long[1024];
        private int size;

        synchronized void add(long nanos) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = nanos;
        }

        synchronized long[] sorted() {
            long[] copy = Arrays.copyOf(values, size);
            Arrays.sort(copy);
            return copy;
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        String[] hostPort = options.endpoint().split(":");
        List<ManagedChannel> channels = new ArrayList<>();
        for (int i = 0; i < options.channels() + 1; i++) {
            channels.add(NettyChannelBuilder.forAddress(hostPort[0], Integer.parseInt(hostPort[1])).usePlaintext()
                    .build());
        }
        ManagedChannel writerChannel = channels.get(0);
        try {
            run(options, writerChannel, channels.subList(1, channels.size()));
        } finally {
            for (ManagedChannel channel : channels) {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static void run(Options options, ManagedChannel writerChannel, List<ManagedChannel> watchChannels)
            throws Exception {
        ByteString key = ByteString.copyFromUtf8("/watch-latency-bench/" + System.nanoTime());
        int total = options.warmup() + options.writes();
        Samples eventLatency = new Samples();
        Samples putLatency = new Samples();
        AtomicLong measuredEvents = new AtomicLong();
        CountDownLatch allDelivered = new CountDownLatch(options.watchers());
        CountDownLatch created = new CountDownLatch(options.watchers());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<StreamObserver<WatchRequest>> streams = new ArrayList<>();

        for (int w = 0; w < options.watchers(); w++) {
            ManagedChannel channel = watchChannels.get(w % watchChannels.size());
            AtomicLong seen = new AtomicLong();
            StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
                @Override
                public void onNext(WatchResponse response) {
                    long now = System.nanoTime();
                    if (response.getCreated()) {
                        created.countDown();
                    }
                    for (Event event : response.getEventsList()) {
                        ByteBuffer value = event.getKv().getValue().asReadOnlyByteBuffer();
                        long sentAt = value.getLong();
                        int sequence = value.getInt();
                        if (sequence >= options.warmup()) {
                            eventLatency.add(now - sentAt);
                            measuredEvents.incrementAndGet();
                        }
                        if (seen.incrementAndGet() == total) {
                            allDelivered.countDown();
                        }
                    }
                }

                @Override
                public void onError(Throwable t) {
                    failure.compareAndSet(null, t);
                    created.countDown();
                    allDelivered.countDown();
                }

                @Override
                public void onCompleted() {
                }
            });
            requests.onNext(WatchRequest.newBuilder().setCreateRequest(
                    WatchCreateRequest.newBuilder().setKey(key)).build());
            streams.add(requests);
        }
        if (!created.await(30, TimeUnit.SECONDS) || failure.get() != null) {
            throw new IllegalStateException("watchers not created", failure.get());
        }

        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(writerChannel);
        byte[] padding = new byte[options.valueBytes() - 12];
        long intervalNanos = TimeUnit.MICROSECONDS.toNanos(options.intervalMicros());
        long next = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long now;
            while ((now = System.nanoTime()) < next) {
                long left = next - now;
                if (left > 200_000) {
                    Thread.sleep(Math.max(0, (left - 100_000) / 1_000_000), (int) ((left - 100_000) % 1_000_000));
                } else {
                    Thread.onSpinWait();
                }
            }
            long sentAt = System.nanoTime();
            ByteBuffer value = ByteBuffer.allocate(options.valueBytes());
            value.putLong(sentAt).putInt(i).put(padding);
            kv.put(PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFrom(value.array())).build());
            if (i >= options.warmup()) {
                putLatency.add(System.nanoTime() - sentAt);
            }
            next = Math.max(next + intervalNanos, System.nanoTime());
        }
        boolean complete = allDelivered.await(60, TimeUnit.SECONDS);
        for (StreamObserver<WatchRequest> stream : streams) {
            stream.onCompleted();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a watch failed", failure.get());
        }
        long expected = (long) options.writes() * options.watchers();
        if (!complete || measuredEvents.get() != expected) {
            throw new IllegalStateException("watchers received " + measuredEvents.get() + " of " + expected + " events");
        }
        long[] events = eventLatency.sorted();
        long[] puts = putLatency.sorted();
        System.out.println(String.format(Locale.ROOT,
                "RESULT label=%s watchers=%d writes=%d event_p50_ms=%.3f event_p99_ms=%.3f event_max_ms=%.3f"
                        + " put_p50_ms=%.3f put_p99_ms=%.3f",
                options.label(), options.watchers(), options.writes(),
                millis(percentile(events, 50)), millis(percentile(events, 99)), millis(events[events.length - 1]),
                millis(percentile(puts, 50)), millis(percentile(puts, 99))));
    }

    private static long percentile(long[] sorted, double p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static double millis(long nanos) {
        return nanos / 1_000_000.0;
    }
}
