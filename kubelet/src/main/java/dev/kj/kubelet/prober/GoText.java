package dev.kj.kubelet.prober;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;

/**
 * Go's spellings of the values upstream's probe and hook messages carry, so events and statuses
 * read the same as a Go kubelet's: network errors ("dial tcp 10.0.0.5:81: connect: connection
 * refused"), %q strings, %v string slices and durations ("1s").
 */
public final class GoText {
    private GoText() {
    }

    /** net.JoinHostPort: IPv6 literals in brackets. */
    static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** The error Go's net.Dial returns for a failed TCP connect to {@code address}. */
    static String dialError(String address, Throwable failure) {
        return "dial tcp " + address + ": " + cause(failure);
    }

    private static String cause(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof HttpTimeoutException) {
                return "i/o timeout";
            }
            if (t instanceof NoRouteToHostException) {
                return "connect: no route to host";
            }
            if (t instanceof ConnectException && t.getMessage() != null) {
                String message = t.getMessage().toLowerCase(java.util.Locale.ROOT);
                if (message.contains("refused")) {
                    return "connect: connection refused";
                }
                if (message.contains("unreachable")) {
                    return "connect: network is unreachable";
                }
                if (message.contains("timed out")) {
                    return "i/o timeout";
                }
            }
        }
        Throwable root = failure;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /** Whether the failure is a connect that never completed (as opposed to a broken exchange). */
    static boolean isConnectFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return true;
            }
        }
        return false;
    }

    /** Go's %q of a string. */
    public static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** Go's %v of a []string. */
    public static String list(List<String> values) {
        return "[" + String.join(" ", values) + "]";
    }

    /** Go's time.Duration String() for whole and fractional seconds ("1s", "1.5s", "500ms"). */
    static String duration(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        if (d.toMillis() < 1000) {
            return d.toMillis() + "ms";
        }
        long millis = d.toMillis();
        StringBuilder out = new StringBuilder();
        long hours = millis / 3_600_000, minutes = millis / 60_000 % 60;
        if (hours > 0) {
            out.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            out.append(minutes).append('m');
        }
        long seconds = millis / 1000 % 60, fraction = millis % 1000;
        out.append(seconds);
        if (fraction != 0) {
            out.append('.').append(String.format("%03d", fraction).replaceAll("0+$", ""));
        }
        return out.append('s').toString();
    }
}
