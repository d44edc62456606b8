package dev.kj.rhino.differential;

import dev.kj.rhino.testing.Etcdctl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Plays a {@link Session} with etcdctl against one endpoint and returns its normalized transcript. */
final class SessionRunner {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration WAIT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration STOP_GRACE = Duration.ofSeconds(3);

    private record Running(String line, List<String> args, Etcdctl.Background process) {
    }

    private SessionRunner() {
    }

    static List<String> run(Session session, String endpoint, String scratch) throws InterruptedException {
        return run(session, endpoint, scratch, List.of());
    }

    /** {@code globalFlags} go to every etcdctl run (TLS: --cacert, --cert, --key). */
    static List<String> run(Session session, String endpoint, String scratch, List<String> globalFlags)
            throws InterruptedException {
        Etcdctl etcdctl = Etcdctl.forEndpoint(endpoint).withGlobalFlags(globalFlags);
        Normalizer normalizer = new Normalizer(endpoint, scratch);
        List<String> transcript = new ArrayList<>();
        Map<String, Running> background = new LinkedHashMap<>();
        try {
            for (Session.Step step : session.steps()) {
                switch (step) {
                    case Session.Run run -> {
                        List<String> args = run.args().stream().map(normalizer::expand).toList();
                        Etcdctl.Result result = etcdctl.run(args, run.stdin() == null ? null : normalizer.expand(run.stdin()), COMMAND_TIMEOUT);
                        rejectUsageErrors(session, run.line(), result);
                        transcript.addAll(normalizer.command(run.line(), args, result));
                    }
                    case Session.Background bg -> {
                        if (background.containsKey(bg.name())) {
                            throw new IllegalArgumentException("background name " + bg.name() + " is already running");
                        }
                        List<String> args = bg.args().stream().map(normalizer::expand).toList();
                        Etcdctl.Background process = etcdctl.start(args);
                        if (bg.stdin() != null) {
                            process.send(normalizer.expand(bg.stdin()));
                        }
                        background.put(bg.name(), new Running(bg.line(), args, process));
                    }
                    case Session.Send send -> running(background, send.name()).process().send(normalizer.expand(send.text()) + "\n");
                    case Session.Wait wait -> {
                        Running r = running(background, wait.name());
                        Etcdctl.Background p = r.process();
                        boolean reached = p.awaitOutput(() -> count(p, wait.pattern()) >= wait.count(), WAIT_TIMEOUT);
                        normalizer.observe(r.args(), p.stdout());
                        if (!reached) {
                            transcript.add("! timed out waiting for " + wait.name() + " to print " + wait.count()
                                    + (wait.pattern() == null ? " lines" : " matches of " + wait.pattern())
                                    + " (got " + count(p, wait.pattern()) + ")");
                        }
                    }
                    case Session.Stop stop -> {
                        Running r = running(background, stop.name());
                        background.remove(stop.name());
                        Etcdctl.Result result = r.process().interrupt(STOP_GRACE);
                        transcript.addAll(normalizer.command("&" + stop.name() + " " + r.line(), r.args(), result));
                    }
                    case Session.Exit exit -> {
                        Running r = running(background, exit.name());
                        background.remove(exit.name());
                        Etcdctl.Result result = r.process().awaitExit(WAIT_TIMEOUT);
                        transcript.addAll(normalizer.command("&" + exit.name() + " " + r.line(), r.args(), result));
                    }
                    case Session.Sleep sleep -> Thread.sleep(sleep.millis());
                    case Session.Poll poll -> {
                        List<String> args = poll.args().stream().map(normalizer::expand).toList();
                        long deadline = System.nanoTime() + WAIT_TIMEOUT.toNanos();
                        String last = "";
                        while (!poll.pattern().matcher(last).find()) {
                            if (System.nanoTime() > deadline) {
                                transcript.add("! timed out polling " + String.join(" ", poll.args()) + " for " + poll.pattern());
                                break;
                            }
                            last = etcdctl.run(args, null, COMMAND_TIMEOUT).stdout();
                            Thread.sleep(50);
                        }
                    }
                }
            }
        } finally {
            for (Map.Entry<String, Running> left : background.entrySet()) {
                transcript.add("! " + left.getKey() + " was never stopped");
                left.getValue().process().close();
            }
        }
        return transcript;
    }

    /** A session line etcdctl 3.4 does not understand is a broken test, not a server difference. */
    private static void rejectUsageErrors(Session session, String line, Etcdctl.Result result) {
        if (result.stderr().contains("Error: unknown flag") || result.stderr().contains("Error: unknown command")
                || result.stdout().startsWith("NAME:\n")) {
            throw new IllegalArgumentException(session.name() + ".session: etcdctl 3.4 rejects '" + line + "': "
                    + result.stderr().strip());
        }
    }

    private static Running running(Map<String, Running> background, String name) {
        Running r = background.get(name);
        if (r == null) {
            throw new IllegalArgumentException("no background command named " + name);
        }
        return r;
    }

    private static int count(Etcdctl.Background process, Pattern pattern) {
        if (pattern == null) {
            return (int) process.stdout().chars().filter(c -> c == '\n').count();
        }
        return (int) pattern.matcher(process.stdout() + process.stderr()).results().count();
    }
}
