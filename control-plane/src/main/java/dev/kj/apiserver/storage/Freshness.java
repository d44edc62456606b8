package dev.kj.apiserver.storage;

/** How recent a read must be (the resourceVersion semantics of upstream's list and watch). */
public enum Freshness {
    /** resourceVersion "": at least the store's revision when the request arrived. */
    CONSISTENT,
    /** resourceVersion "0": any state, however old. */
    ANY,
    /** resourceVersionMatch NotOlderThan (or a plain resourceVersion): at least the given revision. */
    NOT_OLDER_THAN,
    /** resourceVersionMatch Exact, and continuations: exactly the given revision. */
    EXACT
}
