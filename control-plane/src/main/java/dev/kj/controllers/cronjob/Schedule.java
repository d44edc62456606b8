package dev.kj.controllers.cronjob;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.Locale;
import java.util.Map;

/**
 * A CronJob schedule as robfig/cron v3's ParseStandard reads it (what upstream's controller uses):
 * five fields (minute, hour, day of month, month, day of week; names for months and days;
 * {@code * ? , - /}), the descriptors {@code @yearly @annually @monthly @weekly @daily @midnight
 * @hourly} and {@code @every <duration>}, evaluated in one time zone. The API server's validation
 * has already refused what does not parse; {@link #parse} still throws for anything it cannot read.
 */
sealed interface Schedule permits Schedule.Fields, Schedule.Every {
    /** The first activation strictly after {@code time}. */
    Instant next(Instant time);

    static Schedule parse(String spec, ZoneId zone) {
        String s = spec.strip();
        if (s.startsWith("TZ=") || s.startsWith("CRON_TZ=")) {
            int space = s.indexOf(' ');
            if (space < 0) {
                throw new IllegalArgumentException("missing schedule after time zone");
            }
            zone = ZoneId.of(s.substring(s.indexOf('=') + 1, space));
            s = s.substring(space).strip();
        }
        if (s.startsWith("@every ")) {
            return new Every(GoDuration.parse(s.substring("@every ".length()).strip()));
        }
        s = switch (s) {
            case "@yearly", "@annually" -> "0 0 1 1 *";
            case "@monthly" -> "0 0 1 * *";
            case "@weekly" -> "0 0 * * 0";
            case "@daily", "@midnight" -> "0 0 * * *";
            case "@hourly" -> "0 * * * *";
            default -> {
                if (s.startsWith("@")) {
                    throw new IllegalArgumentException("unrecognized descriptor: " + s);
                }
                yield s;
            }
        };
        String[] fields = s.split("\\s+");
        if (fields.length != 5) {
            throw new IllegalArgumentException("expected exactly 5 fields, found " + fields.length + ": [" + s + "]");
        }
        return new Fields(Field.MINUTE.parse(fields[0]), Field.HOUR.parse(fields[1]), Field.DAY_OF_MONTH.parse(fields[2]),
                Field.MONTH.parse(fields[3]), Field.DAY_OF_WEEK.parse(fields[4]), zone);
    }

    /** robfig's ConstantDelaySchedule: a fixed delay of whole seconds (at least one). */
    record Every(Duration delay) implements Schedule {
        public Every {
            delay = delay.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : Duration.ofSeconds(delay.getSeconds());
        }

        @Override
        public Instant next(Instant time) {
            return time.truncatedTo(ChronoUnit.SECONDS).plus(delay);
        }
    }

    /**
     * robfig's SpecSchedule with the seconds fixed at 0. Day of month and day of week are OR-ed,
     * unless either was written {@code *} or {@code ?}: then both must match (cron's rule).
     */
    record Fields(Field.Set minutes, Field.Set hours, Field.Set daysOfMonth, Field.Set months, Field.Set daysOfWeek,
                  ZoneId zone) implements Schedule {
        @Override
        public Instant next(Instant time) {
            ZonedDateTime t = time.atZone(zone).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
            int limit = t.getYear() + 5; // as robfig: no match within five years means none
            while (t.getYear() <= limit) {
                if (!months.has(t.getMonthValue())) {
                    t = t.withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS).plusMonths(1);
                    continue;
                }
                if (!dayMatches(t)) {
                    t = t.truncatedTo(ChronoUnit.DAYS).plusDays(1);
                    continue;
                }
                if (!hours.has(t.getHour())) {
                    t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
                    continue;
                }
                if (!minutes.has(t.getMinute())) {
                    t = t.plusMinutes(1);
                    continue;
                }
                return t.toInstant();
            }
            return Instant.EPOCH; // robfig's zero time: never
        }

        private boolean dayMatches(ZonedDateTime t) {
            boolean dom = daysOfMonth.has(t.getDayOfMonth());
            boolean dow = daysOfWeek.has(t.getDayOfWeek().getValue() % 7);
            return daysOfMonth.star() || daysOfWeek.star() ? dom && dow : dom || dow;
        }
    }

    /** One of the five fields: its bounds and the names it accepts. */
    enum Field {
        MINUTE(0, 59, Map.of()), HOUR(0, 23, Map.of()), DAY_OF_MONTH(1, 31, Map.of()),
        MONTH(1, 12, Map.ofEntries(Map.entry("jan", 1), Map.entry("feb", 2), Map.entry("mar", 3), Map.entry("apr", 4),
                Map.entry("may", 5), Map.entry("jun", 6), Map.entry("jul", 7), Map.entry("aug", 8), Map.entry("sep", 9),
                Map.entry("oct", 10), Map.entry("nov", 11), Map.entry("dec", 12))),
        DAY_OF_WEEK(0, 6, Map.of("sun", 0, "mon", 1, "tue", 2, "wed", 3, "thu", 4, "fri", 5, "sat", 6));

        private final int min;
        private final int max;
        private final Map<String, Integer> names;

        Field(int min, int max, Map<String, Integer> names) {
            this.min = min;
            this.max = max;
            this.names = names;
        }

        /** The values a field allows; {@code star} when it was written {@code *} or {@code ?} with no step above 1. */
        record Set(BitSet values, boolean star) {
            boolean has(int value) {
                return values.get(value);
            }
        }

        Set parse(String text) {
            BitSet values = new BitSet();
            boolean star = false;
            for (String expr : text.split(",", -1)) {
                String[] rangeAndStep = expr.split("/", -1);
                String[] lowAndHigh = rangeAndStep[0].split("-", -1);
                int start;
                int end;
                boolean all = lowAndHigh[0].equals("*") || lowAndHigh[0].equals("?");
                if (rangeAndStep.length > 2 || lowAndHigh.length > 2 || all && lowAndHigh.length > 1) {
                    throw new IllegalArgumentException("invalid expression: " + expr);
                }
                if (all) {
                    start = min;
                    end = max;
                } else {
                    start = value(lowAndHigh[0]);
                    end = lowAndHigh.length == 2 ? value(lowAndHigh[1]) : start;
                }
                int step = 1;
                if (rangeAndStep.length == 2) {
                    step = Integer.parseInt(rangeAndStep[1]);
                    if (lowAndHigh.length == 1 && !all) {
                        end = max; // "N/step" means N-max/step
                    }
                }
                if (start < min || end > max || start > end || step < 1) {
                    throw new IllegalArgumentException("invalid expression: " + expr);
                }
                for (int v = start; v <= end; v += step) {
                    values.set(v);
                }
                star |= all && step == 1;
            }
            return new Set(values, star);
        }

        private int value(String text) {
            Integer named = names.get(text.toLowerCase(Locale.ROOT));
            return named != null ? named : Integer.parseInt(text);
        }
    }

    /** Go's time.ParseDuration, for {@code @every}: a sequence of decimal numbers with units ns us µs ms s m h. */
    final class GoDuration {
        private static final java.util.regex.Pattern PART = java.util.regex.Pattern.compile("([0-9]*(?:\\.[0-9]*)?)(ns|us|µs|ms|s|m|h)");

        private GoDuration() {
        }

        static Duration parse(String text) {
            var matcher = PART.matcher(text);
            double nanos = 0;
            int at = 0;
            while (at < text.length() && matcher.find(at) && matcher.start() == at && !matcher.group(1).isEmpty()) {
                double unit = switch (matcher.group(2)) {
                    case "ns" -> 1;
                    case "us", "µs" -> 1e3;
                    case "ms" -> 1e6;
                    case "s" -> 1e9;
                    case "m" -> 60e9;
                    default -> 3600e9;
                };
                nanos += Double.parseDouble(matcher.group(1)) * unit;
                at = matcher.end();
            }
            if (at != text.length() || text.isEmpty()) {
                throw new IllegalArgumentException("time: invalid duration \"" + text + "\"");
            }
            return Duration.ofNanos((long) nanos);
        }
    }
}
