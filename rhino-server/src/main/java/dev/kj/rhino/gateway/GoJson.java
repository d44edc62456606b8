package dev.kj.rhino.gateway;

import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * JSON values as Go's {@code encoding/json} sees them: {@code json.RawMessage} slices of a body,
 * validity checks with Go's texts, and {@code json.Decoder}'s reading of one value after another
 * from a stream (a watch or keep-alive body is a sequence of JSON objects).
 */
final class GoJson {
    enum Kind { OBJECT, ARRAY, STRING, NUMBER, TRUE, FALSE, NULL }

    private GoJson() {
    }

    /** A syntactically valid JSON value {@code buf[from:to]} without surrounding whitespace. */
    record Raw(byte[] buf, int from, int to) {
        static Raw of(String json) {
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            return new Raw(bytes, 0, bytes.length).trimmed();
        }

        Kind kind() {
            return switch (buf[from]) {
                case '{' -> Kind.OBJECT;
                case '[' -> Kind.ARRAY;
                case '"' -> Kind.STRING;
                case 't' -> Kind.TRUE;
                case 'f' -> Kind.FALSE;
                case 'n' -> Kind.NULL;
                default -> Kind.NUMBER;
            };
        }

        boolean isNull() {
            return to - from == 4 && buf[from] == 'n';
        }

        String text() {
            return new String(buf, from, to - from, StandardCharsets.UTF_8);
        }

        byte[] bytes() {
            return Arrays.copyOfRange(buf, from, to);
        }

        Raw trimmed() {
            int a = from;
            int b = to;
            while (a < b && GoJsonScanner.isSpace(buf[a])) {
                a++;
            }
            while (b > a && GoJsonScanner.isSpace(buf[b - 1])) {
                b--;
            }
            return new Raw(buf, a, b);
        }

        /** The raw text between the quotes of a string value, escapes left as they are. */
        Raw insideQuotes() {
            return new Raw(buf, from + 1, to - 1);
        }

        /** The decoded bytes of a string value. */
        byte[] unquoted() {
            return GoStrings.unquote(buf, from, to);
        }
    }

    /** {@code json.Unmarshal}'s first step: the whole input must be exactly one valid value. */
    static void checkValid(Raw input) throws GoJsonException {
        GoJsonScanner scanner = new GoJsonScanner();
        for (int i = input.from(); i < input.to(); i++) {
            if (scanner.step(input.buf()[i] & 0xff) == GoJsonScanner.ERROR) {
                throw new GoJsonException(scanner.error());
            }
        }
        if (!scanner.completeAtEof()) {
            throw new GoJsonException(scanner.error() != null ? scanner.error() : "unexpected end of JSON input");
        }
    }

    /** The members of a valid object value, in order (a repeated name appears twice). */
    static List<Map.Entry<String, Raw>> members(Raw object) {
        List<Map.Entry<String, Raw>> out = new ArrayList<>();
        byte[] b = object.buf();
        int i = skipSpace(b, object.from() + 1);
        if (b[i] == '}') {
            return out;
        }
        while (true) {
            i = skipSpace(b, i);
            int keyEnd = endOf(b, i);
            String key = new String(GoStrings.unquote(b, i, keyEnd), StandardCharsets.UTF_8);
            i = skipSpace(b, keyEnd) + 1; // the colon
            int valueStart = skipSpace(b, i);
            int valueEnd = endOf(b, valueStart);
            out.add(new AbstractMap.SimpleImmutableEntry<>(key, new Raw(b, valueStart, valueEnd)));
            i = skipSpace(b, valueEnd);
            if (b[i] == '}') {
                return out;
            }
            i++; // the comma
        }
    }

    /** The elements of a valid array value. */
    static List<Raw> elements(Raw array) {
        List<Raw> out = new ArrayList<>();
        byte[] b = array.buf();
        int i = skipSpace(b, array.from() + 1);
        if (b[i] == ']') {
            return out;
        }
        while (true) {
            int start = skipSpace(b, i);
            int end = endOf(b, start);
            out.add(new Raw(b, start, end));
            i = skipSpace(b, end);
            if (b[i] == ']') {
                return out;
            }
            i++;
        }
    }

    private static int skipSpace(byte[] b, int i) {
        while (GoJsonScanner.isSpace(b[i])) {
            i++;
        }
        return i;
    }

    /** The end (exclusive) of the valid value starting at {@code i}. */
    private static int endOf(byte[] b, int i) {
        switch (b[i]) {
            case '"' -> {
                int j = i + 1;
                while (b[j] != '"') {
                    j += b[j] == '\\' ? 2 : 1;
                }
                return j + 1;
            }
            case '{', '[' -> {
                int depth = 0;
                int j = i;
                while (true) {
                    byte c = b[j];
                    if (c == '"') {
                        j = endOf(b, j);
                        continue;
                    }
                    if (c == '{' || c == '[') {
                        depth++;
                    } else if (c == '}' || c == ']') {
                        depth--;
                        if (depth == 0) {
                            return j + 1;
                        }
                    }
                    j++;
                }
            }
            default -> {
                int j = i;
                while (j < b.length && !GoJsonScanner.isSpace(b[j]) && b[j] != ',' && b[j] != '}' && b[j] != ']') {
                    j++;
                }
                return j;
            }
        }
    }

    /**
     * {@code json.Decoder}: values read one after another from bytes that arrive in pieces. Like Go,
     * a syntax error or a value cut off by the end of input fails; whitespace alone at the end is
     * the clean end of the stream.
     */
    static final class StreamDecoder {
        /** Returned by {@link #next} at the clean end of the stream (Go's {@code io.EOF}). */
        static final Raw EOF = new Raw(new byte[0], 0, 0);

        private final GoJsonScanner scanner = new GoJsonScanner();
        private final int maxValueBytes;
        private byte[] buf = new byte[256];
        private int start;
        private int scanned;
        private int end;

        StreamDecoder(int maxValueBytes) {
            this.maxValueBytes = maxValueBytes;
        }

        void feed(byte[] bytes, int offset, int length) throws GoJsonException {
            if (end - start + length > maxValueBytes) {
                throw new GoJsonException("http: request body too large");
            }
            if (end + length > buf.length) {
                int live = end - start;
                byte[] grown = live + length > buf.length ? new byte[Math.max(buf.length * 2, live + length)] : buf;
                System.arraycopy(buf, start, grown, 0, live);
                buf = grown;
                scanned -= start;
                end = live;
                start = 0;
            }
            System.arraycopy(bytes, offset, buf, end, length);
            end += length;
        }

        /**
         * The next complete value, or null if it has not fully arrived yet; with {@code eof} the
         * input is over, so it is a complete value, {@link #EOF} or an error.
         */
        Raw next(boolean eof) throws GoJsonException {
            while (scanned < end) {
                int c = buf[scanned] & 0xff;
                switch (scanner.step(c)) {
                    case GoJsonScanner.END -> {
                        return take(scanned);
                    }
                    case GoJsonScanner.END_OBJECT_OR_ARRAY -> {
                        scanned++;
                        if (scanner.ended()) {
                            return take(scanned);
                        }
                    }
                    case GoJsonScanner.ERROR -> throw new GoJsonException(scanner.error());
                    default -> scanned++;
                }
            }
            if (!eof) {
                return null;
            }
            if (scanner.step(' ') == GoJsonScanner.END) {
                return take(scanned);
            }
            for (int i = start; i < end; i++) {
                if (!GoJsonScanner.isSpace(buf[i])) {
                    throw new GoJsonException("unexpected EOF");
                }
            }
            return EOF;
        }

        private Raw take(int valueEnd) {
            Raw value = new Raw(Arrays.copyOfRange(buf, start, valueEnd), 0, valueEnd - start).trimmed();
            start = valueEnd;
            scanned = valueEnd;
            scanner.reset();
            return value;
        }
    }
}
