package dev.kj.kubelet.env;

import java.util.function.Function;

/**
 * Upstream's third_party expansion: {@code $(NAME)} is replaced by the mapping's value, {@code $$}
 * escapes a dollar, and a reference the mapping does not know (or an unclosed one) stays as written.
 */
public final class Expansion {
    private Expansion() {
    }

    /** @param mapping returns null for an unknown name, which is then kept as {@code $(NAME)} */
    public static String expand(String input, Function<String, String> mapping) {
        StringBuilder out = new StringBuilder(input.length());
        int cursor = 0;
        while (cursor < input.length()) {
            char c = input.charAt(cursor);
            if (c != '$' || cursor + 1 >= input.length()) {
                out.append(c);
                cursor++;
                continue;
            }
            char next = input.charAt(cursor + 1);
            if (next == '$') {
                out.append('$');
                cursor += 2;
            } else if (next == '(') {
                int close = input.indexOf(')', cursor + 2);
                if (close < 0) {
                    out.append("$(");
                    cursor += 2;
                } else {
                    String name = input.substring(cursor + 2, close);
                    String value = mapping.apply(name);
                    out.append(value == null ? "$(" + name + ")" : value);
                    cursor = close + 1;
                }
            } else {
                out.append('$').append(next);
                cursor += 2;
            }
        }
        return out.toString();
    }
}
