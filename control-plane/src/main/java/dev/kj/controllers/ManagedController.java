package dev.kj.controllers;

/** A controller the {@link ControllerManager} runs: {@link #run()} on its own thread until {@link #close()}. */
public interface ManagedController extends AutoCloseable {
    /** The canonical name (upstream's, e.g. {@code namespace-controller}). */
    String name();

    /** Starts its informers and works until closed; returns once stopped. */
    void run() throws InterruptedException;

    @Override
    void close();
}
