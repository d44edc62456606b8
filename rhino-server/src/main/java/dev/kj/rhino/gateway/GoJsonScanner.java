package dev.kj.rhino.gateway;

/**
 * A JSON syntax checker that accepts and rejects exactly what Go's {@code encoding/json} accepts,
 * with the same error texts ("invalid character 'x' looking for beginning of value", ...). etcd's
 * gateway returns those texts to the client, so a bad body must fail here with Go's words, not a
 * Java parser's. It is fed one byte at a time and answers what that byte did.
 */
final class GoJsonScanner {
    /** The byte continues the value. */
    static final int CONTINUE = 0;
    /** The byte was whitespace before or inside the value. */
    static final int SKIP_SPACE = 1;
    /** The byte closed an object or array (the value may have ended with it). */
    static final int END_OBJECT_OR_ARRAY = 2;
    /** The value ended just before this byte (which is not part of it). */
    static final int END = 3;
    /** The byte is a syntax error; see {@link #error()}. */
    static final int ERROR = 4;

    private static final int MAX_DEPTH = 10_000;

    private enum State {
        BEGIN_VALUE, BEGIN_VALUE_OR_EMPTY, BEGIN_STRING_OR_EMPTY, BEGIN_STRING, END_VALUE, END_TOP,
        IN_STRING, IN_STRING_ESC, IN_STRING_ESC_U, IN_STRING_ESC_U1, IN_STRING_ESC_U12, IN_STRING_ESC_U123,
        NEG, ONE, ZERO, DOT, DOT0, E, E_SIGN, E0,
        T, TR, TRU, F, FA, FAL, FALS, N, NU, NUL, ERROR
    }

    private static final byte OBJECT_KEY = 0;
    private static final byte OBJECT_VALUE = 1;
    private static final byte ARRAY_VALUE = 2;

    private State state = State.BEGIN_VALUE;
    private byte[] stack = new byte[16];
    private int depth;
    private boolean endTop;
    private String error;

    void reset() {
        state = State.BEGIN_VALUE;
        depth = 0;
        endTop = false;
        error = null;
    }

    String error() {
        return error;
    }

    /** What the byte {@code c} (0..255) does to the value scanned so far. */
    int step(int c) {
        return switch (state) {
            case BEGIN_VALUE -> beginValue(c);
            case BEGIN_VALUE_OR_EMPTY -> {
                if (isSpace(c)) {
                    yield SKIP_SPACE;
                }
                yield c == ']' ? endValue(c) : beginValue(c);
            }
            case BEGIN_STRING_OR_EMPTY -> {
                if (isSpace(c)) {
                    yield SKIP_SPACE;
                }
                if (c == '}') {
                    stack[depth - 1] = OBJECT_VALUE;
                    yield endValue(c);
                }
                yield beginString(c);
            }
            case BEGIN_STRING -> beginString(c);
            case END_VALUE -> endValue(c);
            case END_TOP -> endTop(c);
            case IN_STRING -> {
                if (c == '"') {
                    state = State.END_VALUE;
                    yield CONTINUE;
                }
                if (c == '\\') {
                    state = State.IN_STRING_ESC;
                    yield CONTINUE;
                }
                yield c < 0x20 ? fail(c, "in string literal") : CONTINUE;
            }
            case IN_STRING_ESC -> switch (c) {
                case 'b', 'f', 'n', 'r', 't', '\\', '/', '"' -> {
                    state = State.IN_STRING;
                    yield CONTINUE;
                }
                case 'u' -> {
                    state = State.IN_STRING_ESC_U;
                    yield CONTINUE;
                }
                default -> fail(c, "in string escape code");
            };
            case IN_STRING_ESC_U -> hex(c, State.IN_STRING_ESC_U1);
            case IN_STRING_ESC_U1 -> hex(c, State.IN_STRING_ESC_U12);
            case IN_STRING_ESC_U12 -> hex(c, State.IN_STRING_ESC_U123);
            case IN_STRING_ESC_U123 -> hex(c, State.IN_STRING);
            case NEG -> {
                if (c == '0') {
                    state = State.ZERO;
                    yield CONTINUE;
                }
                if (c >= '1' && c <= '9') {
                    state = State.ONE;
                    yield CONTINUE;
                }
                yield fail(c, "in numeric literal");
            }
            case ONE -> isDigit(c) ? CONTINUE : zero(c);
            case ZERO -> zero(c);
            case DOT -> {
                if (isDigit(c)) {
                    state = State.DOT0;
                    yield CONTINUE;
                }
                yield fail(c, "after decimal point in numeric literal");
            }
            case DOT0 -> {
                if (isDigit(c)) {
                    yield CONTINUE;
                }
                if (c == 'e' || c == 'E') {
                    state = State.E;
                    yield CONTINUE;
                }
                yield endValue(c);
            }
            case E -> {
                if (c == '+' || c == '-') {
                    state = State.E_SIGN;
                    yield CONTINUE;
                }
                yield eSign(c);
            }
            case E_SIGN -> eSign(c);
            case E0 -> isDigit(c) ? CONTINUE : endValue(c);
            case T -> literal(c, 'r', State.TR, "in literal true (expecting 'r')");
            case TR -> literal(c, 'u', State.TRU, "in literal true (expecting 'u')");
            case TRU -> literal(c, 'e', State.END_VALUE, "in literal true (expecting 'e')");
            case F -> literal(c, 'a', State.FA, "in literal false (expecting 'a')");
            case FA -> literal(c, 'l', State.FAL, "in literal false (expecting 'l')");
            case FAL -> literal(c, 's', State.FALS, "in literal false (expecting 's')");
            case FALS -> literal(c, 'e', State.END_VALUE, "in literal false (expecting 'e')");
            case N -> literal(c, 'u', State.NU, "in literal null (expecting 'u')");
            case NU -> literal(c, 'l', State.NUL, "in literal null (expecting 'l')");
            case NUL -> literal(c, 'l', State.END_VALUE, "in literal null (expecting 'l')");
            case ERROR -> ERROR;
        };
    }

    /**
     * The end of input: whether what was scanned is one complete value. Go feeds a space at EOF to
     * finish a trailing number or literal.
     */
    boolean completeAtEof() {
        if (error != null) {
            return false;
        }
        if (endTop) {
            return true;
        }
        step(' ');
        return endTop;
    }

    /** True once the top-level value has ended (Go's {@code endTop}). */
    boolean ended() {
        return endTop;
    }

    private int beginValue(int c) {
        if (isSpace(c)) {
            return SKIP_SPACE;
        }
        switch (c) {
            case '{' -> {
                state = State.BEGIN_STRING_OR_EMPTY;
                return push(OBJECT_KEY);
            }
            case '[' -> {
                state = State.BEGIN_VALUE_OR_EMPTY;
                return push(ARRAY_VALUE);
            }
            case '"' -> state = State.IN_STRING;
            case '-' -> state = State.NEG;
            case '0' -> state = State.ZERO;
            case 't' -> state = State.T;
            case 'f' -> state = State.F;
            case 'n' -> state = State.N;
            default -> {
                if (c >= '1' && c <= '9') {
                    state = State.ONE;
                } else {
                    return fail(c, "looking for beginning of value");
                }
            }
        }
        return CONTINUE;
    }

    private int beginString(int c) {
        if (isSpace(c)) {
            return SKIP_SPACE;
        }
        if (c == '"') {
            state = State.IN_STRING;
            return CONTINUE;
        }
        return fail(c, "looking for beginning of object key string");
    }

    private int endValue(int c) {
        if (depth == 0) {
            state = State.END_TOP;
            endTop = true;
            return endTop(c);
        }
        if (isSpace(c)) {
            state = State.END_VALUE;
            return SKIP_SPACE;
        }
        switch (stack[depth - 1]) {
            case OBJECT_KEY -> {
                if (c == ':') {
                    stack[depth - 1] = OBJECT_VALUE;
                    state = State.BEGIN_VALUE;
                    return CONTINUE;
                }
                return fail(c, "after object key");
            }
            case OBJECT_VALUE -> {
                if (c == ',') {
                    stack[depth - 1] = OBJECT_KEY;
                    state = State.BEGIN_STRING;
                    return CONTINUE;
                }
                if (c == '}') {
                    pop();
                    return END_OBJECT_OR_ARRAY;
                }
                return fail(c, "after object key:value pair");
            }
            default -> {
                if (c == ',') {
                    state = State.BEGIN_VALUE;
                    return CONTINUE;
                }
                if (c == ']') {
                    pop();
                    return END_OBJECT_OR_ARRAY;
                }
                return fail(c, "after array element");
            }
        }
    }

    private int endTop(int c) {
        if (!isSpace(c)) {
            // The value still ended; the complaint is for whoever scans on (Go's checkValid does).
            fail(c, "after top-level value");
        }
        return END;
    }

    private int zero(int c) {
        if (c == '.') {
            state = State.DOT;
            return CONTINUE;
        }
        if (c == 'e' || c == 'E') {
            state = State.E;
            return CONTINUE;
        }
        return endValue(c);
    }

    private int eSign(int c) {
        if (isDigit(c)) {
            state = State.E0;
            return CONTINUE;
        }
        return fail(c, "in exponent of numeric literal");
    }

    private int hex(int c, State next) {
        if (isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
            state = next;
            return CONTINUE;
        }
        return fail(c, "in \\u hexadecimal character escape");
    }

    private int literal(int c, char expected, State next, String context) {
        if (c == expected) {
            state = next;
            return CONTINUE;
        }
        return fail(c, context);
    }

    private int push(byte kind) {
        if (depth == stack.length) {
            stack = java.util.Arrays.copyOf(stack, depth * 2);
        }
        stack[depth++] = kind;
        if (depth > MAX_DEPTH) {
            state = State.ERROR;
            error = "exceeded max depth";
            return ERROR;
        }
        return CONTINUE;
    }

    private void pop() {
        depth--;
        state = depth == 0 ? State.END_TOP : State.END_VALUE;
        if (depth == 0) {
            endTop = true;
        }
    }

    private int fail(int c, String context) {
        state = State.ERROR;
        error = "invalid character " + quoteChar(c) + " " + context;
        return ERROR;
    }

    static boolean isSpace(int c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    /** Go's quoteChar: the byte as a one-character Go literal in single quotes. */
    static String quoteChar(int c) {
        if (c == '\'') {
            return "'\\''";
        }
        if (c == '"') {
            return "'\"'";
        }
        // Go converts the byte to the rune U+00XX and quotes that rune
        String quoted = GoStrings.quote(new String(Character.toChars(c)));
        return "'" + quoted.substring(1, quoted.length() - 1) + "'";
    }
}
