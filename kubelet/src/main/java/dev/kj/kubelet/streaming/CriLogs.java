package dev.kj.kubelet.streaming;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.BooleanSupplier;

/**
 * Reads a container's log file in the CRI format ({@code <RFC3339Nano time> <stdout|stderr> <P|F> <text>}
 * a line, {@code P} marking a partial line the next entries continue) and writes what
 * {@code kubectl logs} shows: the texts, optionally prefixed by their time, filtered by the options.
 * Follow mode keeps reading the file as it grows until {@code running} says the container stopped.
 */
public final class CriLogs {
    /** PodLogOptions as the kubelet's /containerLogs takes them; null: not given. */
    public record Options(boolean follow, Long tailLines, boolean timestamps, Instant since, Long limitBytes) {
    }

    /** One parsed entry; {@code partial} when its text continues in the next entry of the same stream. */
    record Entry(Instant time, String stream, boolean partial, byte[] text) {
    }

    private CriLogs() {
    }

    /** Parses one line without its newline; a line in no known format is skipped as upstream does (null). */
    static Entry parse(byte[] line) {
        String head = new String(line, 0, Math.min(line.length, 64), StandardCharsets.ISO_8859_1);
        int first = head.indexOf(' ');
        int second = first < 0 ? -1 : head.indexOf(' ', first + 1);
        if (second < 0) {
            return null;
        }
        Instant time;
        try {
            time = Instant.parse(head.substring(0, first));
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
        String stream = head.substring(first + 1, second);
        int tagEnd = head.indexOf(' ', second + 1);
        String tag = tagEnd < 0 ? head.substring(second + 1) : head.substring(second + 1, tagEnd);
        byte[] text = tagEnd < 0 ? new byte[0]
                : java.util.Arrays.copyOfRange(line, tagEnd + 1, line.length);
        // the tag may carry more flags after ':'; the first says partial or full
        boolean partial = tag.split(":")[0].equals("P");
        return new Entry(time, stream, partial, text);
    }

    /** Writes the log at {@code path} to {@code out}, flushing after every line. */
    public static void copy(Path path, Options options, OutputStream out, BooleanSupplier running)
            throws IOException, InterruptedException {
        long[] remaining = {options.limitBytes() == null ? Long.MAX_VALUE : options.limitBytes()};
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "r")) {
            long start = options.tailLines() == null ? 0 : tailStart(path, options.tailLines());
            file.seek(start);
            LineReader lines = new LineReader(file);
            java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
            while (true) {
                byte[] line = lines.next();
                if (line == null) {
                    if (!options.follow()) {
                        return;
                    }
                    if (!running.getAsBoolean()) {
                        // one more pass: lines written just before the container stopped
                        line = lines.next();
                        if (line == null) {
                            return;
                        }
                    } else {
                        Thread.sleep(100);
                        continue;
                    }
                }
                Entry entry = parse(line);
                if (entry == null || (options.since() != null && entry.time().isBefore(options.since()))) {
                    continue;
                }
                if (joined.size() == 0 && options.timestamps()) {
                    joined.writeBytes((TIME.format(entry.time()) + " ").getBytes(StandardCharsets.US_ASCII));
                }
                joined.writeBytes(entry.text());
                if (entry.partial()) {
                    continue;
                }
                joined.write('\n');
                byte[] shown = joined.toByteArray();
                joined.reset();
                int n = (int) Math.min(shown.length, remaining[0]);
                out.write(shown, 0, n);
                out.flush();
                remaining[0] -= n;
                if (remaining[0] <= 0) {
                    return;
                }
            }
        }
    }

    /** Upstream prints times as RFC3339Nano with all nine digits. */
    static final java.time.format.DateTimeFormatter TIME =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(java.time.ZoneOffset.UTC);

    /** The offset of the first of the last {@code n} full lines (a partial line counts with the line it ends). */
    static long tailStart(Path path, long n) throws IOException {
        if (n <= 0) {
            return Files.size(path);
        }
        Deque<Long> starts = new ArrayDeque<>();
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "r")) {
            LineReader lines = new LineReader(file);
            long lineStart = 0;
            long entryStart = 0;
            boolean continuing = false;
            byte[] line;
            while ((line = lines.next()) != null) {
                Entry entry = parse(line);
                if (entry == null) { // not shown, so not counted
                    lineStart = lines.offset();
                    continue;
                }
                if (!continuing) {
                    entryStart = lineStart;
                }
                continuing = entry.partial();
                if (!continuing) {
                    starts.addLast(entryStart);
                    if (starts.size() > n) {
                        starts.removeFirst();
                    }
                }
                lineStart = lines.offset();
            }
        }
        return starts.isEmpty() ? Files.size(path) : starts.getFirst();
    }

    /** Complete lines only: a line still being written (no newline yet) is read again later. */
    private static final class LineReader {
        private final RandomAccessFile file;
        private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
        private final byte[] buffer = new byte[8192];
        private int position;
        private int limit;
        private long offset;

        LineReader(RandomAccessFile file) throws IOException {
            this.file = file;
            this.offset = file.getFilePointer();
        }

        /** Offset just past the last line returned. */
        long offset() {
            return offset;
        }

        byte[] next() throws IOException {
            while (true) {
                for (int i = position; i < limit; i++) {
                    if (buffer[i] == '\n') {
                        pending.write(buffer, position, i - position);
                        position = i + 1;
                        byte[] line = pending.toByteArray();
                        offset += line.length + 1;
                        pending.reset();
                        return line;
                    }
                }
                pending.write(buffer, position, limit - position);
                position = 0;
                limit = file.read(buffer);
                if (limit <= 0) {
                    limit = 0;
                    return null;
                }
            }
        }
    }
}
