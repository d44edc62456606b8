package dev.kj.controllers;

import dev.kj.api.client.ApiException;
import dev.kj.api.client.ResourceClient;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assertions;

/** Waiting in tests for what controllers do in the background (tests may poll; controllers never do). */
public final class Await {
    private Await() {
    }

    public static final Duration TIMEOUT = Duration.ofSeconds(60);

    public static void until(String what, BooleanSupplier condition) {
        until(what, TIMEOUT, condition);
    }

    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                Assertions.fail("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                Assertions.fail("interrupted waiting for " + what);
            }
        }
    }

    /** A pause before checking that something did not happen. */
    public static void sleepQuietly(Duration pause) {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** True once the object is not there. */
    public static boolean gone(ResourceClient<?> client, String namespace, String name) {
        try {
            client.get(namespace, name);
            return false;
        } catch (ApiException e) {
            if (e.isNotFound()) {
                return true;
            }
            throw e;
        }
    }
}
