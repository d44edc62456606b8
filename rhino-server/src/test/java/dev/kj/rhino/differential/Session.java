package dev.kj.rhino.differential;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A scripted etcdctl session, read from a {@code .session} file. One step per line:
 * <pre>
 * # comment (blank lines are ignored too)
 * get a -w json                    run etcdctl with these arguments (shell-like quoting: "" and '')
 * txn -w json &lt;&lt;EOF                 the lines up to a line "EOF" are the command's stdin
 * &#64;bg NAME watch a -w json          start etcdctl in the background (stdin stays open; &lt;&lt;EOF allowed)
 * &#64;send NAME progress               write one line to NAME's stdin
 * &#64;wait NAME COUNT [REGEX]          wait (at most 5 s) until NAME printed COUNT lines on stdout, or until
 *                                  REGEX (the raw rest of the line) matched COUNT times in stdout + stderr
 * &#64;stop NAME                        SIGINT NAME, wait for it to exit, and record its output
 * &#64;exit NAME                        wait (at most 5 s) for NAME to exit by itself, and record its output
 * &#64;sleep MILLIS                     pause (at most 5000 ms)
 * &#64;poll "REGEX" ARGS...              re-run etcdctl ARGS, unrecorded, until its stdout matches REGEX (at most 5 s)
 * </pre>
 * Arguments may use {@code ${L1}}, {@code ${L2}} … (leases in the order the session first saw
 * them, as etcdctl's hex) and {@code ${TMP}} (a scratch directory of this run).
 */
record Session(String name, List<Step> steps) {
    static final long MAX_SLEEP_MILLIS = 5000;

    sealed interface Step permits Run, Background, Send, Wait, Stop, Exit, Sleep, Poll {
    }

    /** A foreground etcdctl run; {@code stdin} is null when none was given. */
    record Run(String line, List<String> args, String stdin) implements Step {
    }

    record Background(String name, String line, List<String> args, String stdin) implements Step {
    }

    record Send(String name, String text) implements Step {
    }

    /** {@code pattern} null means: count lines. */
    record Wait(String name, int count, Pattern pattern) implements Step {
    }

    record Stop(String name) implements Step {
    }

    record Exit(String name) implements Step {
    }

    record Sleep(long millis) implements Step {
    }

    /** Re-run {@code args} (unrecorded) until stdout matches {@code pattern}: waiting on server state. */
    record Poll(Pattern pattern, List<String> args) implements Step {
    }

    static Session load(Path file) {
        String fileName = file.getFileName().toString();
        try {
            return parse(fileName.replaceFirst("\\.session$", ""), Files.readAllLines(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Session parse(String name, List<String> lines) {
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = name + ".session:" + (i + 1);
            String stdin = null;
            if (line.endsWith("<<EOF")) {
                line = line.substring(0, line.length() - "<<EOF".length()).strip();
                StringBuilder input = new StringBuilder();
                int end = i + 1;
                while (end < lines.size() && !lines.get(end).strip().equals("EOF")) {
                    input.append(lines.get(end)).append('\n');
                    end++;
                }
                if (end == lines.size()) {
                    throw new IllegalArgumentException(where + ": <<EOF without a closing EOF line");
                }
                stdin = input.toString();
                i = end;
            }
            List<String> words = split(line, where);
            if (!line.startsWith("@")) {
                steps.add(new Run(line, words, stdin));
                continue;
            }
            String directive = words.getFirst();
            switch (directive) {
                case "@bg" -> {
                    need(words, 3, where);
                    steps.add(new Background(words.get(1), afterName(line), words.subList(2, words.size()), stdin));
                }
                case "@send" -> {
                    need(words, 3, where);
                    steps.add(new Send(words.get(1), afterName(line)));
                }
                case "@wait" -> {
                    need(words, 3, where);
                    // the regex is the raw rest of the line, quotes included
                    String regex = afterName(line).replaceFirst("^\\S+\\s*", "");
                    Pattern pattern = regex.isEmpty() ? null : Pattern.compile(regex);
                    steps.add(new Wait(words.get(1), Integer.parseInt(words.get(2)), pattern));
                }
                case "@stop" -> {
                    need(words, 2, where);
                    steps.add(new Stop(words.get(1)));
                }
                case "@exit" -> {
                    need(words, 2, where);
                    steps.add(new Exit(words.get(1)));
                }
                case "@sleep" -> {
                    need(words, 2, where);
                    long millis = Long.parseLong(words.get(1));
                    if (millis > MAX_SLEEP_MILLIS) {
                        throw new IllegalArgumentException(where + ": sleeps are bounded to " + MAX_SLEEP_MILLIS + " ms");
                    }
                    steps.add(new Sleep(millis));
                }
                case "@poll" -> {
                    need(words, 3, where);
                    steps.add(new Poll(Pattern.compile(words.get(1)), words.subList(2, words.size())));
                }
                default -> throw new IllegalArgumentException(where + ": unknown directive " + directive);
            }
        }
        return new Session(name, List.copyOf(steps));
    }

    /** The text after "@directive NAME". */
    private static String afterName(String line) {
        return line.replaceFirst("^@\\S+\\s+\\S+\\s*", "");
    }

    private static void need(List<String> words, int count, String where) {
        if (words.size() < count) {
            throw new IllegalArgumentException(where + ": " + words.getFirst() + " needs more arguments");
        }
    }

    /** Shell-like word splitting: whitespace separates, "…" (with \" and \\) and '…' group. */
    static List<String> split(String line, String where) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else if (c == '"') {
                inWord = true;
                i++;
                while (i < line.length() && line.charAt(i) != '"') {
                    if (line.charAt(i) == '\\' && i + 1 < line.length()) {
                        i++;
                    }
                    word.append(line.charAt(i++));
                }
                if (i >= line.length()) {
                    throw new IllegalArgumentException(where + ": unterminated \"");
                }
            } else if (c == '\'') {
                inWord = true;
                int close = line.indexOf('\'', i + 1);
                if (close < 0) {
                    throw new IllegalArgumentException(where + ": unterminated '");
                }
                word.append(line, i + 1, close);
                i = close;
            } else {
                inWord = true;
                word.append(c);
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }
}
