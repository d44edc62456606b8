package dev.kj.rhino.bench;

import com.google.protobuf.ByteString;
import dev.kj.rhino.api.etcdserverpb.KVGrpc;
import dev.kj.rhino.api.etcdserverpb.PutRequest;
import dev.kj.rhino.api.etcdserverpb.RequestOp;
import dev.kj.rhino.api.etcdserverpb.TxnRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Loads the shape `etcdctl check perf --load=l` leaves behind before its cleanup: N keys of 256
 * bytes under one prefix with 1 KiB values, 100 puts per Txn from several threads. The caller then
 * times `etcdctl del --prefix` (bench/delete-range.sh). Prints one line: the load time.
 *
 * <pre>DeleteRangeBench --endpoint 127.0.0.1:2379 [--keys 300000] [--prefix /bench-del/] [--threads 8]</pre>
 */
final class DeleteRangeBench {
    private static final int KEY_BYTES = 256;
    private static final int VALUE_BYTES = 1024;
    private static final int KEYS_PER_TXN = 100;

    private DeleteRangeBench() {
    }

    public static void main(String[] args) throws Exception {
        String endpoint = null;
        String prefix = "/bench-del/";
        int keys = 300_000;
        int threads = 8;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--endpoint" -> endpoint = args[i + 1];
                case "--keys" -> keys = Integer.parseInt(args[i + 1]);
                case "--prefix" -> prefix = args[i + 1];
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (endpoint == null) {
            throw new IllegalArgumentException("--endpoint host:port is required");
        }
        ManagedChannel channel = NettyChannelBuilder.forTarget(endpoint).usePlaintext().build();
        try {
            long t0 = System.nanoTime();
            load(channel, prefix, keys, threads);
            System.out.printf(Locale.ROOT, "loaded keys=%d load_s=%.1f%n", keys, (System.nanoTime() - t0) / 1e9);
        } finally {
            channel.shutdownNow();
        }
    }

    private static void load(ManagedChannel channel, String prefix, int keys, int threads) throws Exception {
        byte[] value = new byte[VALUE_BYTES];
        Arrays.fill(value, (byte) 'v');
        ByteString payload = ByteString.copyFrom(value);
        int txns = (keys + KEYS_PER_TXN - 1) / KEYS_PER_TXN;
        AtomicInteger next = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
                    for (int i = next.getAndIncrement(); i < txns; i = next.getAndIncrement()) {
                        TxnRequest.Builder txn = TxnRequest.newBuilder();
                        for (int k = i * KEYS_PER_TXN; k < Math.min(keys, (i + 1) * KEYS_PER_TXN); k++) {
                            txn.addSuccess(RequestOp.newBuilder().setRequestPut(
                                    PutRequest.newBuilder().setKey(key(prefix, k)).setValue(payload)));
                        }
                        kv.txn(txn.build());
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                w.get();
            }
        }
    }

    /** prefix · zero-padded index, padded with 'k' to 256 bytes. */
    private static ByteString key(String prefix, int index) {
        StringBuilder key = new StringBuilder(KEY_BYTES).append(prefix).append(String.format(Locale.ROOT, "%010d", index));
        while (key.length() < KEY_BYTES) {
            key.append('k');
        }
        return ByteString.copyFrom(key.toString(), StandardCharsets.US_ASCII);
    }
}
