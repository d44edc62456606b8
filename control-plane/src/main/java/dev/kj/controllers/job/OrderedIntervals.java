package dev.kj.controllers.job;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * A set of completion indexes as ordered, disjoint, non-adjacent intervals: the form of a Job's
 * {@code status.completedIndexes} ("1-3,5"). Parsing is lenient as upstream's: malformed parts and
 * indexes at or past {@code completions} are dropped.
 */
record OrderedIntervals(List<Interval> intervals) {
    record Interval(int first, int last) {
    }

    static final OrderedIntervals EMPTY = new OrderedIntervals(List.of());

    OrderedIntervals {
        intervals = List.copyOf(intervals);
    }

    static OrderedIntervals parse(String text, int completions) {
        if (text == null || text.isEmpty()) {
            return EMPTY;
        }
        TreeSet<Integer> indexes = new TreeSet<>();
        for (String part : text.split(",")) {
            String[] bounds = part.split("-", -1);
            try {
                int first = Integer.parseInt(bounds[0]);
                int last = bounds.length == 2 ? Integer.parseInt(bounds[1]) : first;
                if (bounds.length > 2 || first < 0 || last < first) {
                    continue;
                }
                for (int i = first; i <= last && i < completions; i++) {
                    indexes.add(i);
                }
            } catch (NumberFormatException e) {
                // upstream logs and skips a part it cannot read
            }
        }
        return of(indexes);
    }

    static OrderedIntervals of(Collection<Integer> indexes) {
        List<Interval> result = new ArrayList<>();
        int first = -1;
        int last = -2;
        for (int index : new TreeSet<>(indexes)) {
            if (index == last + 1) {
                last = index;
                continue;
            }
            if (first >= 0) {
                result.add(new Interval(first, last));
            }
            first = index;
            last = index;
        }
        if (first >= 0) {
            result.add(new Interval(first, last));
        }
        return new OrderedIntervals(result);
    }

    OrderedIntervals with(Collection<Integer> more) {
        TreeSet<Integer> all = new TreeSet<>(more);
        for (Interval interval : intervals) {
            for (int i = interval.first(); i <= interval.last(); i++) {
                all.add(i);
            }
        }
        return of(all);
    }

    boolean has(int index) {
        return intervals.stream().anyMatch(interval -> interval.first() <= index && index <= interval.last());
    }

    int total() {
        return intervals.stream().mapToInt(interval -> interval.last() - interval.first() + 1).sum();
    }

    /** Upstream's text: a lone index alone, a pair as "a,b", a longer run as "first-last". */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (Interval interval : intervals) {
            if (!text.isEmpty()) {
                text.append(',');
            }
            text.append(interval.first());
            if (interval.last() > interval.first()) {
                text.append(interval.last() == interval.first() + 1 ? ',' : '-').append(interval.last());
            }
        }
        return text.toString();
    }
}
