package dev.kj.rhino.differential;

import dev.kj.rhino.testing.Etcdctl;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns one server's etcdctl output into a transcript that is equal for two correct servers.
 * It masks only what legitimately differs between two fresh single-member clusters: cluster and
 * member IDs, raft term and index, the endpoint and scratch paths, db sizes, hashes, the server
 * version, timings, and lease IDs (renamed L1, L2 … in order of first appearance, so equal
 * structure is still checked). Revisions, keys, values, versions, counts and errors stay exact.
 * One instance per server per session: it remembers the lease names it handed out.
 */
final class Normalizer {
    private static final Set<String> MASKED = Set.of("cluster_id", "member_id", "raft_term", "leader",
            "raftIndex", "raftTerm", "raftAppliedIndex", "dbSize", "dbSizeInUse", "hash", "took");
    private static final Pattern TEXT_LEASE = Pattern.compile("\\blease ([0-9a-f]{1,16})\\b");
    private static final Pattern REMAINING = Pattern.compile("granted with TTL\\((\\d+)s\\), remaining\\((-?\\d+)s\\)");
    private static final Pattern LOCK_KEY = Pattern.compile("^(\\S*/)([0-9a-f]{1,16})$");
    private static final Pattern ATTACHED = Pattern.compile("attached keys\\(\\[(.*)]\\)");
    private static final Pattern TOOK = Pattern.compile("took = \\S+");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(L\\d+|TMP)}");

    private final String endpoint;
    private final String scratch;
    private final Map<Long, String> leaseNames = new LinkedHashMap<>();
    private final Map<String, Long> leaseIds = new LinkedHashMap<>();

    Normalizer(String endpoint, String scratch) {
        this.endpoint = endpoint;
        this.scratch = scratch;
    }

    /** Replaces {@code ${Ln}} with that lease's hex ID and {@code ${TMP}} with the scratch dir. */
    String expand(String word) {
        Matcher m = VARIABLE.matcher(word);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group(1).equals("TMP")) {
                replacement = scratch;
            } else {
                Long id = leaseIds.get(m.group(1));
                if (id == null) {
                    throw new IllegalStateException("session uses ${" + m.group(1) + "} before any lease got that name; known: " + leaseIds.keySet());
                }
                replacement = Long.toHexString(id);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The transcript lines for one finished command. */
    List<String> command(String line, List<String> args, Etcdctl.Result result) {
        List<String> out = new ArrayList<>();
        out.add("$ " + line);
        boolean keysAreLeases = !args.isEmpty() && (args.getFirst().equals("lock") || args.getFirst().equals("elect"));
        for (String raw : lines(result.stdout())) {
            out.addAll(stdoutLine(raw, keysAreLeases));
        }
        for (String raw : lines(result.stderr())) {
            // clientv3's retry interceptor logs JSON with timestamps and client UUIDs; the "Error:" line
            // etcdctl prints next carries the same message
            if (raw.startsWith("{\"level\":")) {
                continue;
            }
            out.add("stderr: " + text(raw));
        }
        out.add(result.timedOut() ? "(timed out)" : "exit " + result.exitCode());
        return out;
    }

    /**
     * Names the leases in a running command's output so far, so names follow the order in which
     * the session saw them rather than how the IDs happen to sort in a later listing.
     */
    void observe(List<String> args, String stdoutSoFar) {
        boolean keysAreLeases = !args.isEmpty() && (args.getFirst().equals("lock") || args.getFirst().equals("elect"));
        for (String raw : lines(stdoutSoFar)) {
            stdoutLine(raw, keysAreLeases);
        }
    }

    private List<String> stdoutLine(String raw, boolean keysAreLeases) {
        String line = raw.replace(endpoint, "<endpoint>").replace(scratch, "${TMP}");
        if (line.startsWith("{") || line.startsWith("[")) {
            Object tree;
            try {
                tree = Json.parse(line);
            } catch (IllegalArgumentException notJson) {
                return List.of(text(line));
            }
            if (tree instanceof Map<?, ?> map && map.containsKey("Events") && map.containsKey("Header")) {
                return watchResponse(map);
            }
            return List.of(Json.write(json(tree, null)).split("\n"));
        }
        String text = text(line);
        if (keysAreLeases) {
            Matcher m = LOCK_KEY.matcher(text);
            if (m.matches()) {
                text = m.group(1) + leaseName(Long.parseUnsignedLong(m.group(2), 16));
            }
        }
        return List.of(text);
    }

    /**
     * A watch response becomes one entry per event plus its status. The header is dropped: etcd
     * batches a catch-up into one response whose header is the current revision, and how a server
     * batches is not something a client can rely on (each event still carries its revisions).
     */
    private List<String> watchResponse(Map<?, ?> response) {
        List<String> out = new ArrayList<>();
        for (Object event : (List<?>) response.get("Events")) {
            out.add("event:");
            out.addAll(List.of(Json.write(json(event, null)).split("\n")));
        }
        Object compact = response.get("CompactRevision");
        if (!(compact instanceof Json.Num n && n.text().equals("0")) || Boolean.TRUE.equals(response.get("Canceled"))
                || Boolean.TRUE.equals(response.get("Created"))) {
            out.add("watch status: compact_revision=" + (compact instanceof Json.Num n ? n.text() : compact)
                    + " canceled=" + response.get("Canceled") + " created=" + response.get("Created"));
        }
        return out;
    }

    private String text(String raw) {
        String line = raw.replace(endpoint, "<endpoint>").replace(scratch, "${TMP}");
        Matcher lease = TEXT_LEASE.matcher(line);
        StringBuilder out = new StringBuilder();
        while (lease.find()) {
            lease.appendReplacement(out, Matcher.quoteReplacement("lease " + leaseName(Long.parseUnsignedLong(lease.group(1), 16))));
        }
        lease.appendTail(out);
        line = out.toString();
        line = TOOK.matcher(line).replaceAll("took = <took>");
        Matcher attached = ATTACHED.matcher(line);
        if (attached.find()) {
            // etcd lists a lease's keys in Go map order
            String sorted = String.join(" ", Arrays.stream(attached.group(1).split(" ")).sorted().toList());
            line = line.substring(0, attached.start(1)) + sorted + line.substring(attached.end(1));
        }
        Matcher remaining = REMAINING.matcher(line);
        if (remaining.find()) {
            long granted = Long.parseLong(remaining.group(1));
            long left = Long.parseLong(remaining.group(2));
            if (left > 0 && left <= granted) {
                line = line.substring(0, remaining.start(2)) + "<=" + granted + line.substring(remaining.end(2));
            }
        }
        return line;
    }

    private String leaseName(long id) {
        if (id == 0) {
            return "0";
        }
        return leaseNames.computeIfAbsent(id, k -> {
            String name = "L" + (leaseNames.size() + 1);
            leaseIds.put(name, k);
            return name;
        });
    }

    private String leaseName(Object number) {
        return number instanceof Json.Num n ? leaseName(Long.parseUnsignedLong(n.text())) : String.valueOf(number);
    }

    /** Rewrites one JSON value; {@code field} is the name it had in its parent object. */
    private Object json(Object value, String field) {
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>();
            for (Object item : list) {
                copy.add(json(item, field));
            }
            if ("leases".equals(field)) {
                // etcd lists leases in Go map order
                copy.sort(Comparator.comparing(Object::toString));
            }
            if ("kvs".equals(field) && copy.stream().anyMatch(kv -> kv instanceof Map<?, ?> m && m.get("key") instanceof String k
                    && k.matches(".*/L\\d+"))) {
                // keys that end in a lease ID sort by that ID, which differs between servers
                copy.sort(Comparator.comparing(kv -> String.valueOf(((Map<?, ?>) kv).get("key"))));
            }
            if ("keys".equals(field)) {
                // time-to-live lists a lease's keys in Go map order
                copy.replaceAll(k -> k instanceof String s ? decode(s) : k);
                copy.sort(Comparator.comparing(Object::toString));
            }
            return copy;
        }
        if (!(value instanceof Map<?, ?> map)) {
            return value;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        boolean isKv = map.containsKey("key") && (map.containsKey("mod_revision") || map.containsKey("create_revision"));
        boolean isLeaseGrant = map.containsKey("ID") && map.containsKey("TTL");
        boolean isTimeToLive = map.containsKey("granted-ttl");
        boolean isMember = "members".equals(field);
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = (String) e.getKey();
            Object v = e.getValue();
            if (MASKED.contains(key)) {
                out.put(key, "<" + key + ">");
            } else if (key.equals("version") && v instanceof String) {
                out.put(key, "<version>");
            } else if (isMember && (key.equals("ID") || key.equals("peerURLs"))) {
                out.put(key, "<" + key + ">");
            } else if ((isLeaseGrant && key.equals("ID")) || (isTimeToLive && key.equals("id"))
                    || ("leases".equals(field) && key.equals("id")) || (isKv && key.equals("lease"))) {
                out.put(key, leaseName(v));
            } else if (isTimeToLive && key.equals("ttl")) {
                out.put(key, remaining(v, map.get("granted-ttl")));
            } else if (isKv && (key.equals("key") || key.equals("value")) && v instanceof String s) {
                out.put(key, decode(s));
            } else {
                out.put(key, json(v, key));
            }
        }
        if (isKv && out.get("lease") instanceof String name && out.get("key") instanceof String key
                && map.get("lease") instanceof Json.Num id) {
            // lock and election keys end in their owner's lease ID
            String suffix = "/" + Long.toHexString(Long.parseUnsignedLong(id.text()));
            if (key.endsWith(suffix)) {
                out.put("key", key.substring(0, key.length() - suffix.length()) + "/" + name);
            }
        }
        return out;
    }

    /** A remaining TTL may be a second apart on two servers; it stays exact when it says "expired". */
    private static Object remaining(Object ttl, Object granted) {
        if (ttl instanceof Json.Num t && granted instanceof Json.Num g) {
            long left = Long.parseLong(t.text());
            long full = Long.parseLong(g.text());
            if (left > 0 && left <= full) {
                return "<=" + full;
            }
        }
        return ttl;
    }

    /** Base64 as etcdctl prints bytes, shown as text when it is printable UTF-8. */
    private static String decode(String base64) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException notBase64) {
            return base64;
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
            if (text.chars().allMatch(c -> c >= 0x20 && c != 0x7f)) {
                return text;
            }
        } catch (CharacterCodingException binary) {
            // fall through
        }
        return "base64:" + base64;
    }

    private static List<String> lines(String text) {
        if (text.isEmpty()) {
            return List.of();
        }
        String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        return List.of(body.split("\n", -1));
    }
}
