package dev.kj.apiserver.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The series of one family, keyed by label values given in the family's declared label order.
 * Lookups are a concurrent map read; the per-series state is striped (LongAdder and friends), so
 * recording takes no lock. Scrapes see label pairs sorted by name, series sorted by those pairs.
 */
final class Series<S> {
    private final List<String> declared;
    private final int[] sortedOrder;
    private final List<String> sortedNames;
    private final Supplier<S> create;
    private final Map<List<String>, S> byValues = new ConcurrentHashMap<>();

    Series(List<String> labelNames, Supplier<S> create) {
        this.declared = List.copyOf(labelNames);
        Integer[] order = new Integer[declared.size()];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparing(declared::get));
        this.sortedOrder = Arrays.stream(order).mapToInt(Integer::intValue).toArray();
        this.sortedNames = Arrays.stream(sortedOrder).mapToObj(declared::get).toList();
        this.create = create;
    }

    List<String> labelNames() {
        return declared;
    }

    List<String> sortedNames() {
        return sortedNames;
    }

    S get(String... values) {
        if (values.length != declared.size()) {
            throw new IllegalArgumentException("expected labels " + declared + ", got " + values.length + " values");
        }
        List<String> key = List.of(values);
        S existing = byValues.get(key);
        return existing != null ? existing : byValues.computeIfAbsent(key, k -> create.get());
    }

    void clear() {
        byValues.clear();
    }

    /** Each series as (label values sorted by label name, state), in scrape order. */
    List<Map.Entry<List<String>, S>> sorted() {
        List<Map.Entry<List<String>, S>> entries = new ArrayList<>();
        for (Map.Entry<List<String>, S> entry : byValues.entrySet()) {
            List<String> values = new ArrayList<>(sortedOrder.length);
            for (int index : sortedOrder) {
                values.add(entry.getKey().get(index));
            }
            entries.add(Map.entry(values, entry.getValue()));
        }
        entries.sort((a, b) -> {
            for (int i = 0; i < a.getKey().size(); i++) {
                int c = a.getKey().get(i).compareTo(b.getKey().get(i));
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        });
        return entries;
    }
}
