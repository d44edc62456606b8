package dev.kj.kubelet.prober;

/**
 * What one run of a handler found. {@link Result#WARNING} (a redirect not followed) counts as a
 * success, as upstream's prober treats it; {@code output} is what the events quote.
 */
public record Outcome(Result result, String output) {
    public enum Result {
        SUCCESS, WARNING, FAILURE
    }

    public static Outcome success(String output) {
        return new Outcome(Result.SUCCESS, output);
    }

    public static Outcome warning(String output) {
        return new Outcome(Result.WARNING, output);
    }

    public static Outcome failure(String output) {
        return new Outcome(Result.FAILURE, output);
    }

    public boolean succeeded() {
        return result != Result.FAILURE;
    }
}
