package dev.kj.rhino.differential;

import dev.kj.rhino.testing.Peers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scripted session of HTTP requests against etcd's JSON gateway, played with curl (so the bytes
 * on the wire are a real client's) and turned into a transcript that two correct servers share.
 * One step per line ({@code #} comments and blank lines are ignored):
 * <pre>
 * POST /v3/kv/put {"key":"Zm9v"}       a request; everything after the path is the body (none if absent)
 * &#64;bg NAME POST /v3/watch {...}          the same, in the background (a stream)
 * &#64;wait NAME COUNT                       wait (at most 5 s) until NAME printed COUNT JSON lines
 * &#64;stop NAME                             end NAME's connection and record what it printed
 * &#64;sleep MILLIS                          pause (at most 3000 ms)
 * &#64;login USER PASSWORD                   authenticate; later requests send the token as Authorization
 * &#64;logout                                send no token any more
 * </pre>
 * The transcript keeps status lines, headers (sorted, without Date; Content-Length's value masked
 * because masked IDs change lengths), bodies and trailers. Masked: cluster and member IDs, raft
 * term and indexes, the leader, db sizes, hashes, the server and cluster versions, URL ports, and a remaining
 * TTL that is within its granted TTL, auth tokens; a lease's keys are sorted (etcd lists them in Go map order). Revisions, keys, values, lease IDs, codes and texts stay exact.
 */
final class CurlSession {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    private static final long MAX_SLEEP_MILLIS = 3000;
    private static final Pattern MASKED_STRING = Pattern.compile(
            "\"(cluster_id|member_id|leader|raft_term|raftTerm|raftIndex|raftAppliedIndex|dbSize|dbSizeInUse|etcdserver|etcdcluster)\":\"[^\"]*\"");
    /** The server version (a key's "version" is a plain counter and stays exact). */
    private static final Pattern SERVER_VERSION = Pattern.compile("\"version\":\"\\d+\\.\\d+[^\"]*\"");
    private static final Pattern MASKED_NUMBER = Pattern.compile("\"(hash)\":\\d+");
    private static final Pattern MEMBER_ID = Pattern.compile("\\{\"ID\":\"\\d+\",\"name\"");
    private static final Pattern PORT = Pattern.compile("(https?://[^:/\"]+):\\d+");
    /** A single member has no peers to dial; the peer URL is configuration, not behaviour. */
    private static final Pattern PEER_URLS = Pattern.compile("\"peerURLs\":\\[[^]]*]");
    /** etcd lists a lease's keys in Go map order. */
    private static final Pattern LEASE_KEYS = Pattern.compile("\"keys\":\\[([^]]*)]");
    private static final Pattern TOKEN = Pattern.compile("\"token\":\"([^\"]*)\"");
    private static final Pattern REMAINING = Pattern.compile("\"TTL\":\"(\\d+)\",\"grantedTTL\":\"(\\d+)\"");

    private final List<String> lines;
    private final String name;

    private CurlSession(String name, List<String> lines) {
        this.name = name;
        this.lines = lines;
    }

    static CurlSession load(Path file) {
        try {
            return new CurlSession(file.getFileName().toString(), Files.readAllLines(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Request(String method, String path, String body) {
        static Request parse(String text) {
            String[] parts = text.split(" ", 3);
            if (parts.length < 2) {
                throw new IllegalArgumentException("expected METHOD PATH [BODY]: " + text);
            }
            return new Request(parts[0], parts[1], parts.length == 3 ? parts[2] : null);
        }

        List<String> command(Path curl, String endpoint, boolean stream, String token) {
            List<String> command = new ArrayList<>(List.of(curl.toString(), "-s", "-i", "-X", method,
                    "--max-time", stream ? "30" : String.valueOf(COMMAND_TIMEOUT.toSeconds())));
            if (token != null) {
                command.add("-H");
                command.add("Authorization: " + token);
            }
            if (stream) {
                command.add("-N");
            }
            command.add("http://" + endpoint + path);
            if (body != null) {
                command.add("--data-binary");
                command.add(body);
            }
            return command;
        }
    }

    /** A running curl whose output is collected as it arrives. */
    private static final class Background {
        private final String line;
        private final Process process;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final Thread reader;

        Background(String line, Process process) {
            this.line = line;
            this.process = process;
            this.reader = Thread.ofVirtual().start(() -> {
                byte[] buf = new byte[4096];
                try (InputStream in = process.getInputStream()) {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        synchronized (out) {
                            out.write(buf, 0, n);
                        }
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            });
        }

        String output() {
            synchronized (out) {
                return out.toString(StandardCharsets.UTF_8);
            }
        }

        long jsonLines() {
            return output().lines().filter(l -> l.startsWith("{")).count();
        }

        String stop() throws InterruptedException {
            process.destroy();
            process.waitFor(5, TimeUnit.SECONDS);
            reader.join(5000);
            return output();
        }
    }

    /** Plays the session against {@code endpoint} ({@code host:port}) and returns its transcript. */
    List<String> run(String endpoint) throws IOException, InterruptedException {
        Path curl = Peers.require("curl");
        List<String> transcript = new ArrayList<>();
        Map<String, Background> background = new LinkedHashMap<>();
        String token = null;
        try {
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String where = name + ":" + (i + 1);
                if (!line.startsWith("@")) {
                    Request request = Request.parse(line);
                    transcript.add("$ " + line);
                    transcript.addAll(normalize(call(curl, endpoint, request, token)));
                    continue;
                }
                String[] words = line.split(" ", 3);
                switch (words[0]) {
                    case "@bg" -> {
                        Request request = Request.parse(words[2]);
                        Process process = new ProcessBuilder(request.command(curl, endpoint, true, token))
                                .redirectErrorStream(true).start();
                        background.put(words[1], new Background(words[2], process));
                    }
                    case "@wait" -> {
                        Background bg = named(background, words[1], where);
                        long count = Long.parseLong(words[2]);
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                        while (bg.jsonLines() < count && System.nanoTime() < deadline) {
                            Thread.sleep(20);
                        }
                        if (bg.jsonLines() < count) {
                            transcript.add("(" + words[1] + " printed " + bg.jsonLines() + " of " + count + " lines)");
                        }
                    }
                    case "@stop" -> {
                        Background bg = background.remove(words[1]);
                        if (bg == null) {
                            throw new IllegalArgumentException(where + ": no background " + words[1]);
                        }
                        transcript.add("$ " + bg.line);
                        transcript.addAll(normalize(bg.stop()));
                    }
                    case "@login" -> {
                        String[] userAndPassword = line.split(" ");
                        Request authenticate = new Request("POST", "/v3/auth/authenticate", "{\"name\":\""
                                + userAndPassword[1] + "\",\"password\":\"" + userAndPassword[2] + "\"}");
                        String output = call(curl, endpoint, authenticate, null);
                        Matcher issued = TOKEN.matcher(output);
                        token = issued.find() ? issued.group(1) : null;
                        transcript.add("$ " + line);
                        transcript.addAll(normalize(output));
                    }
                    case "@logout" -> token = null;
                    case "@sleep" -> {
                        long millis = Long.parseLong(words[1]);
                        if (millis > MAX_SLEEP_MILLIS) {
                            throw new IllegalArgumentException(where + ": sleeps are bounded to " + MAX_SLEEP_MILLIS + " ms");
                        }
                        Thread.sleep(millis);
                    }
                    default -> throw new IllegalArgumentException(where + ": unknown directive " + words[0]);
                }
            }
        } finally {
            for (Background bg : background.values()) {
                bg.stop();
            }
        }
        return transcript;
    }

    private static String call(Path curl, String endpoint, Request request, String token)
            throws IOException, InterruptedException {
        Process process = new ProcessBuilder(request.command(curl, endpoint, false, token))
                .redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(COMMAND_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return new String(output, StandardCharsets.UTF_8);
    }

    private static Background named(Map<String, Background> background, String name, String where) {
        Background bg = background.get(name);
        if (bg == null) {
            throw new IllegalArgumentException(where + ": no background " + name);
        }
        return bg;
    }

    /** curl -i output → status, sorted headers, then body lines (a trailer follows the body directly). */
    static List<String> normalize(String output) {
        String text = output.replace("\r\n", "\n");
        int split = text.indexOf("\n\n");
        String head = split < 0 ? text : text.substring(0, split);
        String body = split < 0 ? "" : text.substring(split + 2);
        List<String> out = new ArrayList<>();
        List<String> headLines = new ArrayList<>(head.lines().toList());
        if (!headLines.isEmpty()) {
            out.add(headLines.removeFirst());
        }
        headLines.stream()
                .filter(h -> !h.regionMatches(true, 0, "Date:", 0, 5))
                .map(h -> h.regionMatches(true, 0, "Content-Length:", 0, 15) ? "Content-Length: <n>" : h)
                .map(CurlSession::mask)
                .sorted()
                .forEach(h -> out.add("  " + h));
        for (String line : body.split("\n", -1)) {
            if (!line.isEmpty()) {
                out.add(mask(line));
            }
        }
        return out;
    }

    static String mask(String line) {
        String masked = MASKED_STRING.matcher(line).replaceAll(m -> Matcher.quoteReplacement("\"" + m.group(1) + "\":\"<masked>\""));
        masked = TOKEN.matcher(masked).replaceAll(Matcher.quoteReplacement("\"token\":\"<token>\""));
        masked = SERVER_VERSION.matcher(masked).replaceAll(Matcher.quoteReplacement("\"version\":\"<masked>\""));
        masked = MASKED_NUMBER.matcher(masked).replaceAll(m -> Matcher.quoteReplacement("\"" + m.group(1) + "\":<masked>"));
        masked = MEMBER_ID.matcher(masked).replaceAll(Matcher.quoteReplacement("{\"ID\":\"<member>\",\"name\""));
        masked = PEER_URLS.matcher(masked).replaceAll(Matcher.quoteReplacement("\"peerURLs\":[<masked>]"));
        masked = PORT.matcher(masked).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + ":<port>"));
        masked = LEASE_KEYS.matcher(masked).replaceAll(m -> Matcher.quoteReplacement("\"keys\":["
                + String.join(",", java.util.Arrays.stream(m.group(1).split(",")).sorted().toList()) + "]"));
        Matcher remaining = REMAINING.matcher(masked);
        if (remaining.find()) {
            long left = Long.parseLong(remaining.group(1));
            long granted = Long.parseLong(remaining.group(2));
            if (left > 0 && left <= granted) {
                masked = masked.substring(0, remaining.start()) + "\"TTL\":\"<=" + granted + "\",\"grantedTTL\":\""
                        + granted + "\"" + masked.substring(remaining.end());
            }
        }
        return masked;
    }
}
