package dev.kj.rhino.gateway;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Go's text rules that surface in etcd's gateway answers: {@code strconv.Quote} (used in error
 * texts), UTF-8 decoding with Go's replacement rules, {@code encoding/json}'s string unquoting and
 * quoting, and base64 decoding with Go's error offsets.
 */
final class GoStrings {
    static final int RUNE_ERROR = 0xFFFD;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private GoStrings() {
    }

    /** {@code strconv.Quote} of a string. */
    static String quote(String s) {
        return quote(s.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code strconv.Quote} (or {@code %q}) of raw bytes: invalid UTF-8 bytes become {@code \xNN}. */
    static String quote(byte[] s) {
        StringBuilder out = new StringBuilder(s.length + 2).append('"');
        int i = 0;
        while (i < s.length) {
            long decoded = decodeRune(s, i, s.length);
            int rune = (int) (decoded >> 8);
            int width = (int) (decoded & 0xff);
            if (width == 1 && rune == RUNE_ERROR) {
                out.append("\\x").append(HEX[(s[i] >> 4) & 0xf]).append(HEX[s[i] & 0xf]);
                i++;
                continue;
            }
            i += width;
            if (rune == '"' || rune == '\\') {
                out.append('\\').appendCodePoint(rune);
            } else if (isPrint(rune)) {
                out.appendCodePoint(rune);
            } else {
                switch (rune) {
                    case 0x07 -> out.append("\\a");
                    case '\b' -> out.append("\\b");
                    case '\f' -> out.append("\\f");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    case 0x0b -> out.append("\\v");
                    default -> {
                        if (rune < ' ' || rune == 0x7f) {
                            out.append("\\x").append(HEX[rune >> 4]).append(HEX[rune & 0xf]);
                        } else if (rune < 0x10000) {
                            out.append("\\u").append(hex(rune, 4));
                        } else {
                            out.append("\\U").append(hex(rune, 8));
                        }
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** Go's {@code unicode.IsPrint}: letters, marks, numbers, punctuation, symbols and the ASCII space. */
    static boolean isPrint(int rune) {
        if (rune == ' ') {
            return true;
        }
        return switch (Character.getType(rune)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER,
                 Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
                 Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER,
                 Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                 Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION,
                 Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                 Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }

    /**
     * Go's {@code utf8.DecodeRune} on {@code s[from:to]}: the rune in the high bits and its width
     * in the low byte; an invalid or truncated sequence is U+FFFD of width 1.
     */
    static long decodeRune(byte[] s, int from, int to) {
        int b0 = s[from] & 0xff;
        if (b0 < 0x80) {
            return ((long) b0 << 8) | 1;
        }
        int need;
        int rune;
        int low = 0x80;
        int high = 0xbf;
        if (b0 >= 0xc2 && b0 <= 0xdf) {
            need = 1;
            rune = b0 & 0x1f;
        } else if (b0 >= 0xe0 && b0 <= 0xef) {
            need = 2;
            rune = b0 & 0x0f;
            if (b0 == 0xe0) {
                low = 0xa0;
            } else if (b0 == 0xed) {
                high = 0x9f; // no surrogates
            }
        } else if (b0 >= 0xf0 && b0 <= 0xf4) {
            need = 3;
            rune = b0 & 0x07;
            if (b0 == 0xf0) {
                low = 0x90;
            } else if (b0 == 0xf4) {
                high = 0x8f;
            }
        } else {
            return ((long) RUNE_ERROR << 8) | 1;
        }
        if (to - from < need + 1) {
            return ((long) RUNE_ERROR << 8) | 1;
        }
        for (int k = 1; k <= need; k++) {
            int b = s[from + k] & 0xff;
            int lo = k == 1 ? low : 0x80;
            int hi = k == 1 ? high : 0xbf;
            if (b < lo || b > hi) {
                return ((long) RUNE_ERROR << 8) | 1;
            }
            rune = (rune << 6) | (b & 0x3f);
        }
        return ((long) rune << 8) | (need + 1);
    }

    /**
     * {@code encoding/json}'s unquoting of a validated string literal {@code s[from:to]} (quotes
     * included) into UTF-8 bytes: invalid UTF-8 and unpaired surrogates become U+FFFD.
     */
    static byte[] unquote(byte[] s, int from, int to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        int r = from + 1;
        int end = to - 1;
        while (r < end) {
            int c = s[r] & 0xff;
            if (c == '\\') {
                int e = s[r + 1] & 0xff;
                switch (e) {
                    case '"', '\\', '/', '\'' -> out.write(e);
                    case 'b' -> out.write('\b');
                    case 'f' -> out.write('\f');
                    case 'n' -> out.write('\n');
                    case 'r' -> out.write('\r');
                    case 't' -> out.write('\t');
                    case 'u' -> {
                        int rune = hex4(s, r + 2);
                        r += 6;
                        if (rune >= 0xd800 && rune < 0xe000) {
                            int second = r + 6 <= end && s[r] == '\\' && s[r + 1] == 'u' ? hex4(s, r + 2) : -1;
                            if (rune < 0xdc00 && second >= 0xdc00 && second < 0xe000) {
                                writeRune(out, 0x10000 + ((rune - 0xd800) << 10) + (second - 0xdc00));
                                r += 6;
                                continue;
                            }
                            rune = RUNE_ERROR;
                        }
                        writeRune(out, rune);
                        continue;
                    }
                    default -> throw new IllegalArgumentException("not a validated JSON string");
                }
                r += 2;
            } else if (c < 0x80) {
                out.write(c);
                r++;
            } else {
                long decoded = decodeRune(s, r, end);
                writeRune(out, (int) (decoded >> 8));
                r += (int) (decoded & 0xff);
            }
        }
        return out.toByteArray();
    }

    /** {@code encoding/json}'s quoting of a string (HTML-safe, as {@code json.Marshal} does). */
    static void appendJsonString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp < 0x80) {
                switch (cp) {
                    case '\\', '"' -> out.append('\\').append((char) cp);
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    default -> {
                        if (cp < 0x20 || cp == '<' || cp == '>' || cp == '&') {
                            out.append("\\u00").append(HEX[cp >> 4]).append(HEX[cp & 0xf]);
                        } else {
                            out.append((char) cp);
                        }
                    }
                }
            } else if (cp == 0x2028 || cp == 0x2029) {
                out.append("\\u202").append(HEX[cp & 0xf]);
            } else if (cp >= 0xd800 && cp < 0xe000) {
                out.append("\\ufffd"); // a lone surrogate is not text Go could hold
            } else {
                out.appendCodePoint(cp);
            }
        }
        out.append('"');
    }

    /**
     * {@code base64.StdEncoding.DecodeString}: padding required, CR and LF ignored, and on bad
     * input Go's "illegal base64 data at input byte N" with Go's offset.
     */
    static byte[] base64Decode(byte[] src) throws GoJsonException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(src.length * 3 / 4);
        int si = 0;
        int[] quantum = new int[4];
        while (true) {
            int length = 4;
            boolean done = false;
            int j = 0;
            while (j < 4) {
                if (si == src.length) {
                    if (j == 0) {
                        return out.toByteArray();
                    }
                    // with padding required, a short final quantum is corrupt
                    throw corrupt(si - j);
                }
                int in = src[si] & 0xff;
                si++;
                int value = base64Value(in);
                if (value >= 0) {
                    quantum[j++] = value;
                    continue;
                }
                if (in == '\n' || in == '\r') {
                    continue;
                }
                if (in != '=') {
                    throw corrupt(si - 1);
                }
                // padding: only after two or three symbols
                if (j == 0 || j == 1) {
                    throw corrupt(si - 1);
                }
                if (j == 2) {
                    while (si < src.length && (src[si] == '\n' || src[si] == '\r')) {
                        si++;
                    }
                    if (si == src.length) {
                        throw corrupt(src.length);
                    }
                    if (src[si] != '=') {
                        throw corrupt(si - 1);
                    }
                    si++;
                }
                while (si < src.length && (src[si] == '\n' || src[si] == '\r')) {
                    si++;
                }
                if (si < src.length) {
                    // Go writes the quantum, then reports the trailing garbage
                    write(out, quantum, j);
                    throw corrupt(si);
                }
                length = j;
                done = true;
                break;
            }
            write(out, quantum, length);
            if (done) {
                return out.toByteArray();
            }
        }
    }

    private static void write(ByteArrayOutputStream out, int[] q, int symbols) {
        int value = (q[0] << 18) | (q[1] << 12) | (symbols > 2 ? q[2] << 6 : 0) | (symbols > 3 ? q[3] : 0);
        out.write((value >> 16) & 0xff);
        if (symbols > 2) {
            out.write((value >> 8) & 0xff);
        }
        if (symbols > 3) {
            out.write(value & 0xff);
        }
    }

    private static int base64Value(int c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        return c == '+' ? 62 : c == '/' ? 63 : -1;
    }

    private static GoJsonException corrupt(int offset) {
        return new GoJsonException("illegal base64 data at input byte " + offset);
    }

    private static int hex4(byte[] s, int at) {
        int value = 0;
        for (int k = 0; k < 4; k++) {
            value = (value << 4) | Character.digit(s[at + k], 16);
        }
        return value;
    }

    private static void writeRune(ByteArrayOutputStream out, int rune) {
        byte[] bytes = new String(Character.toChars(rune)).getBytes(StandardCharsets.UTF_8);
        out.write(bytes, 0, bytes.length);
    }

    private static String hex(int value, int digits) {
        StringBuilder out = new StringBuilder(digits);
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            out.append(HEX[(value >> shift) & 0xf]);
        }
        return out.toString();
    }
}
