package dev.kj.rhino.bench;

import com.google.protobuf.ByteString;
import dev.kj.rhino.api.etcdserverpb.KVGrpc;
import dev.kj.rhino.api.etcdserverpb.PutRequest;
import dev.kj.rhino.api.etcdserverpb.RangeRequest;
import dev.kj.rhino.api.etcdserverpb.RangeResponse;
import dev.kj.rhino.api.etcdserverpb.RequestOp;
import dev.kj.rhino.api.etcdserverpb.TxnRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a kube-apiserver list costs on a store with a long history: K keys under one prefix, each
 * written V times (K×V rows, all but K of them history), then the prefix listed whole and in pages
 * of 500 (the apiserver's default limit), at the current revision. Loads through Txns of 100 puts
 * from several threads; prints one result line.
 *
 * <pre>PrefixListBench --endpoint 127.0.0.1:2379 [--label etcd] [--keys 10000] [--versions 100]
 *                 [--value-bytes 100] [--lists 30] [--page 500] [--threads 8]</pre>
 */
final class PrefixListBench {
    private static final String PREFIX = "/registry/bench/";
    private static final int KEYS_PER_TXN = 100;

    private PrefixListBench() {
    }

    record Options(String endpoint, String label, int keys, int versions, int valueBytes, int lists, int page,
                   int threads) {
        static Options parse(String[] args) {
            String endpoint = null;
            String label = "server";
            int keys = 10_000;
            int versions = 100;
            int valueBytes = 100;
            int lists = 30;
            int page = 500;
            int threads = 8;
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--endpoint" -> endpoint = value;
                    case "--label" -> label = value;
                    case "--keys" -> keys = Integer.parseInt(value);
                    case "--versions" -> versions = Integer.parseInt(value);
                    case "--value-bytes" -> valueBytes = Integer.parseInt(value);
                    case "--lists" -> lists = Integer.parseInt(value);
                    case "--page" -> page = Integer.parseInt(value);
                    case "--threads" -> threads = Integer.parseInt(value);
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
                i++;
            }
            if (endpoint == null) {
                throw new IllegalArgumentException("--endpoint host:port is required");
            }
            if (keys % KEYS_PER_TXN != 0) {
                throw new IllegalArgumentException("--keys must be a multiple of " + KEYS_PER_TXN);
            }
            return new Options(endpoint, label, keys, versions, valueBytes, lists, page, threads);
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        ManagedChannel channel = NettyChannelBuilder.forTarget(o.endpoint()).usePlaintext()
                .maxInboundMessageSize(256 << 20).build();
        try {
            KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
            double loadSeconds = load(channel, o);
            long revision = kv.range(RangeRequest.newBuilder().setKey(bs("x")).build()).getHeader().getRevision();

            ByteString start = bs(PREFIX);
            ByteString end = bs(PREFIX.substring(0, PREFIX.length() - 1) + (char) (PREFIX.charAt(PREFIX.length() - 1) + 1));
            // Warm up both paths (JIT, caches) before timing.
            for (int i = 0; i < 3; i++) {
                listAll(kv, start, end, o.keys());
                listPaged(kv, start, end, o.page(), o.keys());
            }
            long[] whole = new long[o.lists()];
            long[] paged = new long[o.lists()];
            for (int i = 0; i < o.lists(); i++) {
                long t0 = System.nanoTime();
                listAll(kv, start, end, o.keys());
                whole[i] = System.nanoTime() - t0;
                t0 = System.nanoTime();
                listPaged(kv, start, end, o.page(), o.keys());
                paged[i] = System.nanoTime() - t0;
            }
            Arrays.sort(whole);
            Arrays.sort(paged);
            System.out.printf(Locale.ROOT, "RESULT label=%s keys=%d rows=%d revision=%d load_s=%.1f"
                            + " list_all_p50_ms=%.1f list_all_p99_ms=%.1f list_paged%d_p50_ms=%.1f list_paged%d_p99_ms=%.1f"
                            + " first_page_ms=%.2f%n",
                    o.label(), o.keys(), (long) o.keys() * o.versions(), revision, loadSeconds,
                    millis(percentile(whole, 50)), millis(percentile(whole, 99)), o.page(),
                    millis(percentile(paged, 50)), o.page(), millis(percentile(paged, 99)), firstPageMillis(kv, start, end, o));
        } finally {
            channel.shutdownNow();
        }
    }

    /** Writes every key V times, 100 keys per Txn, from several threads; returns the seconds it took. */
    private static double load(ManagedChannel channel, Options o) throws Exception {
        int chunks = o.keys() / KEYS_PER_TXN;
        int txns = chunks * o.versions();
        AtomicInteger next = new AtomicInteger();
        byte[] value = new byte[o.valueBytes()];
        Arrays.fill(value, (byte) 'v');
        ByteString payload = ByteString.copyFrom(value);
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(o.threads())) {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < o.threads(); t++) {
                workers.add(pool.submit(() -> {
                    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
                    for (int i = next.getAndIncrement(); i < txns; i = next.getAndIncrement()) {
                        int chunk = i % chunks;
                        TxnRequest.Builder txn = TxnRequest.newBuilder();
                        for (int k = 0; k < KEYS_PER_TXN; k++) {
                            txn.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
                                    .setKey(key(chunk * KEYS_PER_TXN + k)).setValue(payload)));
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
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void listAll(KVGrpc.KVBlockingStub kv, ByteString start, ByteString end, int expected) {
        RangeResponse r = kv.range(RangeRequest.newBuilder().setKey(start).setRangeEnd(end).build());
        if (r.getKvsCount() != expected) {
            throw new IllegalStateException("listed " + r.getKvsCount() + " keys, expected " + expected);
        }
    }

    /** Pages as the apiserver does: limit N from the last key + "\0", pinned to the first page's revision. */
    private static void listPaged(KVGrpc.KVBlockingStub kv, ByteString start, ByteString end, int page, int expected) {
        int seen = 0;
        long revision = 0;
        ByteString from = start;
        while (true) {
            RangeResponse r = kv.range(RangeRequest.newBuilder().setKey(from).setRangeEnd(end).setLimit(page)
                    .setRevision(revision).build());
            revision = r.getHeader().getRevision();
            seen += r.getKvsCount();
            if (!r.getMore()) {
                break;
            }
            from = r.getKvs(r.getKvsCount() - 1).getKey().concat(ByteString.copyFrom(new byte[] {0}));
        }
        if (seen != expected) {
            throw new IllegalStateException("paged through " + seen + " keys, expected " + expected);
        }
    }

    /** One page of {@code page} keys (the apiserver's first request of a list), median of 30. */
    private static double firstPageMillis(KVGrpc.KVBlockingStub kv, ByteString start, ByteString end, Options o) {
        long[] t = new long[30];
        for (int i = 0; i < t.length; i++) {
            long t0 = System.nanoTime();
            kv.range(RangeRequest.newBuilder().setKey(start).setRangeEnd(end).setLimit(o.page()).build());
            t[i] = System.nanoTime() - t0;
        }
        Arrays.sort(t);
        return millis(percentile(t, 50));
    }

    private static ByteString key(int i) {
        return bs(String.format(Locale.ROOT, "%s%06d", PREFIX, i));
    }

    private static long percentile(long[] sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    private static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }
}
