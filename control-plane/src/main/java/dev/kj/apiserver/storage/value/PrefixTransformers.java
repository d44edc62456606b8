package dev.kj.apiserver.storage.value;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Chooses a transformer by the prefix a stored value starts with (upstream's
 * value.NewPrefixTransformers): writes use the first and carry its prefix; a read strips the prefix
 * of the first transformer that matches and reads the rest with it, and is stale when that was not
 * the first. Used twice, as upstream: providers by {@code k8s:enc:<provider>:v1:}, then a provider's
 * keys by {@code <name>:}.
 *
 * <p>A failing match does not end the search: two providers of one kind (rotating from one to
 * another) share a prefix, so the next match is tried; the errors of every failed match are
 * reported together. The identity provider's empty prefix matches everything, and its failure (the
 * value is encrypted) is not reported, so an encrypted value no provider can read ends with
 * {@code noMatch}.
 */
public final class PrefixTransformers implements Transformer {
    /** One transformer under its prefix (empty: identity). */
    public record Prefixed(byte[] prefix, Transformer transformer) {
        public static Prefixed of(String prefix, Transformer transformer) {
            return new Prefixed(prefix.getBytes(StandardCharsets.UTF_8), transformer);
        }
    }

    private final List<Prefixed> transformers;
    private final String noMatch;
    private final TransformationMetrics metrics;

    /**
     * @param noMatch the error when no prefix matches
     * @param metrics where each read and write is counted (upstream counts at every level)
     */
    public PrefixTransformers(List<Prefixed> transformers, String noMatch, TransformationMetrics metrics) {
        if (transformers.isEmpty()) {
            throw new IllegalArgumentException("at least one transformer is needed");
        }
        this.transformers = List.copyOf(transformers);
        this.noMatch = noMatch;
        this.metrics = metrics;
    }

    @Override
    public Read fromStorage(byte[] stored, byte[] authenticatedData) {
        long start = System.nanoTime();
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < transformers.size(); i++) {
            Prefixed candidate = transformers.get(i);
            byte[] prefix = candidate.prefix();
            if (!startsWith(stored, prefix)) {
                continue;
            }
            Read read;
            try {
                read = candidate.transformer().fromStorage(
                        java.util.Arrays.copyOfRange(stored, prefix.length, stored.length), authenticatedData);
            } catch (TransformException e) {
                if (prefix.length > 0) {
                    metrics.record(TransformationMetrics.FROM_STORAGE, label(prefix), start, false);
                    errors.add(e.getMessage());
                }
                continue;
            }
            metrics.record(TransformationMetrics.FROM_STORAGE, label(prefix), start, true);
            return new Read(read.data(), read.stale() || i != 0);
        }
        if (!errors.isEmpty()) {
            throw new TransformException(aggregate(errors));
        }
        metrics.record(TransformationMetrics.FROM_STORAGE, "unknown", start, false);
        throw new TransformException(noMatch);
    }

    @Override
    public byte[] toStorage(byte[] data, byte[] authenticatedData) {
        long start = System.nanoTime();
        Prefixed first = transformers.getFirst();
        byte[] sealed;
        try {
            sealed = first.transformer().toStorage(data, authenticatedData);
        } catch (TransformException e) {
            metrics.record(TransformationMetrics.TO_STORAGE, new String(first.prefix(), StandardCharsets.UTF_8), start, false);
            throw e;
        }
        metrics.record(TransformationMetrics.TO_STORAGE, new String(first.prefix(), StandardCharsets.UTF_8), start, true);
        byte[] out = new byte[first.prefix().length + sealed.length];
        System.arraycopy(first.prefix(), 0, out, 0, first.prefix().length);
        System.arraycopy(sealed, 0, out, first.prefix().length, sealed.length);
        return out;
    }

    private static String label(byte[] prefix) {
        return prefix.length == 0 ? "identity" : new String(prefix, StandardCharsets.UTF_8);
    }

    /** Upstream's errors.Reduce(NewAggregate(errs)): one message alone, several as {@code [a, b]} without repeats. */
    static String aggregate(List<String> messages) {
        Set<String> distinct = new LinkedHashSet<>(messages);
        if (distinct.size() == 1) {
            return distinct.iterator().next();
        }
        return "[" + String.join(", ", distinct) + "]";
    }

    static boolean startsWith(byte[] data, byte[] prefix) {
        if (data.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (data[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
