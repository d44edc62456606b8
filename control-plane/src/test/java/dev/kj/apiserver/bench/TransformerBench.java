package dev.kj.apiserver.bench;

import dev.kj.apiserver.storage.value.Identity;
import dev.kj.apiserver.storage.value.PrefixTransformers;
import dev.kj.apiserver.storage.value.PrefixTransformers.Prefixed;
import dev.kj.apiserver.storage.value.TransformationMetrics;
import dev.kj.apiserver.storage.value.Transformer;
import dev.kj.apiserver.storage.value.encrypt.AesCbc;
import dev.kj.apiserver.storage.value.encrypt.AesGcm;
import dev.kj.apiserver.storage.value.encrypt.Secretbox;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * CPU time per stored value of each encryption-at-rest provider, sealing and opening a Secret of
 * about {@code --size} bytes of JSON (default 1024) the way EtcdStorage does (provider prefix, key
 * prefix, the etcd key as additional data). Thread CPU time, not wall time: the machine is shared.
 * Prints one RESULT line per provider.
 *
 *   bench/transformers.sh [--size N] [--ops N]
 */
public final class TransformerBench {
    public static void main(String[] args) {
        int size = 1024;
        int ops = 200_000;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--size" -> size = Integer.parseInt(args[i + 1]);
                case "--ops" -> ops = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        byte[] value = ("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"data\":{\"k\":\"" + "A".repeat(Math.max(0, size - 60))
                + "\"}}").getBytes(StandardCharsets.UTF_8);
        byte[] key = "/registry/secrets/default/bench".getBytes(StandardCharsets.UTF_8);
        Map<String, Transformer> providers = new java.util.LinkedHashMap<>();
        providers.put("identity", Identity.INSTANCE);
        providers.put("aescbc-256", keyed("k8s:enc:aescbc:v1:", new AesCbc(new byte[32])));
        providers.put("aesgcm-256", keyed("k8s:enc:aesgcm:v1:", new AesGcm(new byte[32])));
        providers.put("secretbox", keyed("k8s:enc:secretbox:v1:", new Secretbox(new byte[32])));
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        for (var provider : providers.entrySet()) {
            Transformer transformer = provider.getValue();
            for (int warm = 0; warm < ops / 4; warm++) {
                transformer.fromStorage(transformer.toStorage(value, key), key);
            }
            byte[] stored = transformer.toStorage(value, key);
            long start = cpu.getCurrentThreadCpuTime();
            for (int i = 0; i < ops; i++) {
                stored = transformer.toStorage(value, key);
            }
            long sealed = cpu.getCurrentThreadCpuTime() - start;
            start = cpu.getCurrentThreadCpuTime();
            for (int i = 0; i < ops; i++) {
                transformer.fromStorage(stored, key);
            }
            long opened = cpu.getCurrentThreadCpuTime() - start;
            System.out.printf("RESULT provider=%s value_bytes=%d stored_bytes=%d seal_us=%.2f open_us=%.2f%n",
                    provider.getKey(), value.length, stored.length, sealed / 1e3 / ops, opened / 1e3 / ops);
        }
    }

    private static Transformer keyed(String prefix, Transformer cipher) {
        return new PrefixTransformers(List.of(Prefixed.of(prefix, new PrefixTransformers(
                List.of(Prefixed.of("key1:", cipher)), "no key", TransformationMetrics.NONE))), "no prefix",
                TransformationMetrics.NONE);
    }
}
