package dev.kj.api.workqueue;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * client-go's rate-limited work queue (workqueue.TypedRateLimitingInterface) in one class:
 * <ul>
 * <li>an item queued twice is queued once (<em>dirty</em> set);</li>
 * <li>an item handed out by {@link #get()} is <em>processing</em> until {@link #done}; adding it
 *     meanwhile only marks it dirty, and {@code done} queues it again, so no two workers ever hold
 *     the same item;</li>
 * <li>{@link #addAfter} holds an item back until its time (an item waiting twice keeps the earlier
 *     time); {@link #addRateLimited} waits as the {@link RateLimiter} says, {@link #forget} resets it;</li>
 * <li>{@link #shutDown}: adds are ignored, waiting items dropped, {@code get} still hands out what
 *     is queued and then answers empty; {@link #shutDownWithDrain} also waits until every item
 *     handed out is done.</li>
 * </ul>
 */
public final class WorkQueue<T> {
    private final RateLimiter<T> rateLimiter;
    private final Ticker ticker;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<T> queue = new ArrayDeque<>();
    private final Set<T> dirty = new HashSet<>();
    private final Set<T> processing = new HashSet<>();
    private final PriorityQueue<Waiting<T>> waiting = new PriorityQueue<>();
    private final Map<T, Waiting<T>> waitingByItem = new HashMap<>();
    private long sequence;
    private boolean shuttingDown;

    private record Waiting<T>(T item, long readyAt, long sequence) implements Comparable<Waiting<T>> {
        @Override
        public int compareTo(Waiting<T> other) {
            int byTime = Long.compare(readyAt, other.readyAt);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }

    public WorkQueue(RateLimiter<T> rateLimiter, Ticker ticker) {
        this.rateLimiter = rateLimiter;
        this.ticker = ticker;
        ticker.onAdvance(() -> {
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        });
    }

    /** With client-go's default controller rate limiter and the system clock. */
    public static <T> WorkQueue<T> create() {
        return new WorkQueue<>(RateLimiter.defaultControllerRateLimiter(Ticker.SYSTEM), Ticker.SYSTEM);
    }

    public void add(T item) {
        lock.lock();
        try {
            addLocked(item);
        } finally {
            lock.unlock();
        }
    }

    private void addLocked(T item) {
        if (shuttingDown || !dirty.add(item)) {
            return;
        }
        if (!processing.contains(item)) {
            queue.add(item);
            changed.signalAll();
        }
    }

    /** Adds the item once {@code delay} has passed (at once for zero or less). */
    public void addAfter(T item, Duration delay) {
        lock.lock();
        try {
            if (shuttingDown) {
                return;
            }
            if (delay.isZero() || delay.isNegative()) {
                addLocked(item);
                return;
            }
            long readyAt = ticker.nanoTime() + delay.toNanos();
            Waiting<T> existing = waitingByItem.get(item);
            if (existing != null) {
                if (existing.readyAt() <= readyAt) {
                    return;
                }
                waiting.remove(existing);
            }
            Waiting<T> entry = new Waiting<>(item, readyAt, sequence++);
            waiting.add(entry);
            waitingByItem.put(item, entry);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Adds the item after the wait its rate limiter gives for one more failure. */
    public void addRateLimited(T item) {
        addAfter(item, rateLimiter.when(item));
    }

    /** The item succeeded: its rate limiter forgets its failures. */
    public void forget(T item) {
        rateLimiter.forget(item);
    }

    public int numRequeues(T item) {
        return rateLimiter.numRequeues(item);
    }

    /**
     * The next item, waiting for one; empty once the queue is shut down and emptied. The caller
     * must call {@link #done} with it.
     */
    public Optional<T> get() throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                promoteReady();
                if (!queue.isEmpty()) {
                    T item = queue.poll();
                    processing.add(item);
                    dirty.remove(item);
                    return Optional.of(item);
                }
                if (shuttingDown) {
                    return Optional.empty();
                }
                Waiting<T> next = waiting.peek();
                if (next == null) {
                    changed.await();
                } else {
                    changed.awaitNanos(next.readyAt() - ticker.nanoTime());
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void promoteReady() {
        long now = ticker.nanoTime();
        while (!waiting.isEmpty() && waiting.peek().readyAt() <= now) {
            Waiting<T> ready = waiting.poll();
            waitingByItem.remove(ready.item());
            addLocked(ready.item());
        }
    }

    /** The worker is through with the item; if it was added meanwhile it is queued again. */
    public void done(T item) {
        lock.lock();
        try {
            processing.remove(item);
            if (dirty.contains(item)) {
                queue.add(item);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Items queued now (not those waiting for their time, nor those being processed). */
    public int len() {
        lock.lock();
        try {
            promoteReady();
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    public void shutDown() {
        lock.lock();
        try {
            shuttingDown = true;
            waiting.clear();
            waitingByItem.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Shuts down and waits until every item handed out has been marked done (or the timeout passes). */
    public boolean shutDownWithDrain(Duration timeout) throws InterruptedException {
        lock.lock();
        try {
            shutDown();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!processing.isEmpty()) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                changed.awaitNanos(remaining);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    public boolean isShuttingDown() {
        lock.lock();
        try {
            return shuttingDown;
        } finally {
            lock.unlock();
        }
    }
}
