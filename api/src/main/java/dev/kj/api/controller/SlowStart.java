package dev.kj.api.controller;

/**
 * Issues many similar calls in batches that double in size (upstream's slowStartBatch): 1, 2, 4,
 * ... calls run in parallel on virtual threads; the first batch with a failure is the last, so a
 * request doomed to fail (a quota, a bad template) fails a few times, not a thousand.
 */
public final class SlowStart {
    private SlowStart() {
    }

    /** One call; throwing counts as a failure. */
    @FunctionalInterface
    public interface Call {
        void run() throws Exception;
    }

    /**
     * @return how many calls succeeded (the rest were not made, or failed)
     */
    public static int run(int count, int initialBatch, Call call) {
        int remaining = count;
        int successes = 0;
        for (int batch = Math.min(remaining, Math.max(1, initialBatch)); batch > 0; batch = Math.min(2 * batch, remaining)) {
            java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
            try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < batch; i++) {
                    executor.submit(() -> {
                        try {
                            call.run();
                        } catch (Exception e) {
                            failed.incrementAndGet();
                        }
                        return null;
                    });
                }
            }
            successes += batch - failed.get();
            if (failed.get() > 0) {
                return successes;
            }
            remaining -= batch;
        }
        return successes;
    }
}
