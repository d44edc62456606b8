package dev.kj.apiserver.validation.batch;

import java.util.Map;
import java.util.Optional;

/**
 * robfig/cron v3's ParseStandard, which upstream's CronJob validation uses: five fields (minute, hour,
 * day of month, month, day of week) or a descriptor, with its error texts.
 */
final class CronSchedule {
    private CronSchedule() {
    }

    private record Bounds(int min, int max, Map<String, Integer> names) {
    }

    private static final Map<String, Integer> MONTHS = Map.ofEntries(Map.entry("jan", 1), Map.entry("feb", 2),
            Map.entry("mar", 3), Map.entry("apr", 4), Map.entry("may", 5), Map.entry("jun", 6), Map.entry("jul", 7),
            Map.entry("aug", 8), Map.entry("sep", 9), Map.entry("oct", 10), Map.entry("nov", 11), Map.entry("dec", 12));
    private static final Map<String, Integer> DAYS = Map.of("sun", 0, "mon", 1, "tue", 2, "wed", 3, "thu", 4,
            "fri", 5, "sat", 6);
    private static final Bounds[] FIELDS = {new Bounds(0, 59, Map.of()), new Bounds(0, 23, Map.of()),
            new Bounds(1, 31, Map.of()), new Bounds(1, 12, MONTHS), new Bounds(0, 6, DAYS)};

    /** The parse error as robfig/cron words it, or empty when the schedule parses. */
    static Optional<String> problem(String spec) {
        if (spec.isEmpty()) {
            return Optional.of("empty spec string");
        }
        String s = spec;
        if (s.startsWith("TZ=") || s.startsWith("CRON_TZ=")) {
            int space = s.indexOf(' ');
            String zone = space < 0 ? s.substring(s.indexOf('=') + 1) : s.substring(s.indexOf('=') + 1, space);
            try {
                java.time.ZoneId.of(zone);
            } catch (java.time.DateTimeException e) {
                return Optional.of("provided bad location " + zone + ": unknown time zone " + zone);
            }
            s = space < 0 ? "" : s.substring(space).strip();
        }
        if (s.startsWith("@")) {
            return descriptor(s);
        }
        String[] fields = s.strip().split("\\s+");
        if (s.isBlank()) {
            fields = new String[0];
        }
        if (fields.length != 5) {
            return Optional.of("expected exactly 5 fields, found " + fields.length + ": [" + String.join(" ", fields) + "]");
        }
        for (int i = 0; i < 5; i++) {
            for (String expr : fields[i].split(",", -1)) {
                Optional<String> problem = range(expr, FIELDS[i]);
                if (problem.isPresent()) {
                    return problem;
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> descriptor(String s) {
        switch (s) {
            case "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly" -> {
                return Optional.empty();
            }
            default -> {
                if (s.startsWith("@every ")) {
                    String duration = s.substring("@every ".length());
                    if (!duration.matches("([0-9]*(\\.[0-9]*)?(ns|us|µs|ms|s|m|h))+")) {
                        return Optional.of("failed to parse duration " + s + ": time: invalid duration "
                                + dev.kj.apiserver.validation.GoValues.quote(duration));
                    }
                    return Optional.empty();
                }
                return Optional.of("unrecognized descriptor: " + s);
            }
        }
    }

    private static Optional<String> range(String expr, Bounds bounds) {
        String[] rangeAndStep = expr.split("/", -1);
        String[] lowAndHigh = rangeAndStep[0].split("-", -1);
        boolean singleDigit = lowAndHigh.length == 1;
        int start;
        int end;
        if (lowAndHigh[0].equals("*") || lowAndHigh[0].equals("?")) {
            start = bounds.min;
            end = bounds.max;
        } else {
            Optional<Integer> low = value(lowAndHigh[0], bounds);
            if (low.isEmpty()) {
                return Optional.of(valueProblem(lowAndHigh[0]));
            }
            start = low.get();
            switch (lowAndHigh.length) {
                case 1 -> end = start;
                case 2 -> {
                    Optional<Integer> high = value(lowAndHigh[1], bounds);
                    if (high.isEmpty()) {
                        return Optional.of(valueProblem(lowAndHigh[1]));
                    }
                    end = high.get();
                }
                default -> {
                    return Optional.of("too many hyphens: " + expr);
                }
            }
        }
        switch (rangeAndStep.length) {
            case 1 -> {
            }
            case 2 -> {
                Optional<Integer> step = number(rangeAndStep[1]);
                if (step.isEmpty()) {
                    return Optional.of(valueProblem(rangeAndStep[1]));
                }
                if (singleDigit) {
                    end = bounds.max;
                }
            }
            default -> {
                return Optional.of("too many slashes: " + expr);
            }
        }
        if (start < bounds.min) {
            return Optional.of("beginning of range (" + start + ") below minimum (" + bounds.min + "): " + expr);
        }
        if (end > bounds.max) {
            return Optional.of("end of range (" + end + ") above maximum (" + bounds.max + "): " + expr);
        }
        if (start > end) {
            return Optional.of("beginning of range (" + start + ") beyond end of range (" + end + "): " + expr);
        }
        if (rangeAndStep.length == 2 && number(rangeAndStep[1]).orElse(1) == 0) {
            return Optional.of("step of range should be a positive number: " + expr);
        }
        return Optional.empty();
    }

    private static Optional<Integer> value(String text, Bounds bounds) {
        Integer named = bounds.names.get(text.toLowerCase(java.util.Locale.ROOT));
        return named != null ? Optional.of(named) : number(text);
    }

    private static Optional<Integer> number(String text) {
        if (!text.matches("[0-9]+")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(text));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** mustParseInt's error for a value that is no number (strconv.Atoi's text). */
    private static String valueProblem(String text) {
        if (text.matches("-[0-9]+")) {
            return "negative number (" + text + ") not allowed: " + text;
        }
        return "failed to parse int from " + text + ": strconv.Atoi: parsing " + dev.kj.apiserver.validation.GoValues.quote(text)
                + ": invalid syntax";
    }
}
