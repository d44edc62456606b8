package dev.kj.api.workqueue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** A ticker that stands still until {@link #advance} moves it, waking whoever waits on it. */
public final class FakeTicker implements Ticker {
    private final AtomicLong now = new AtomicLong();
    private final List<Runnable> wakers = new CopyOnWriteArrayList<>();

    @Override
    public long nanoTime() {
        return now.get();
    }

    @Override
    public void onAdvance(Runnable wake) {
        wakers.add(wake);
    }

    public void advance(Duration by) {
        now.addAndGet(by.toNanos());
        wakers.forEach(Runnable::run);
    }
}
