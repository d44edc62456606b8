package dev.kj.rhino.auth;

import io.grpc.Context;

/**
 * Who sent a call, as far as the transport tells: the {@code token} metadata (etcd's clients send
 * the simple token there; {@code authorization} is its gateway spelling) and the common name of a
 * verified client certificate. Which user that is gets decided by {@link AuthStore#authInfo}.
 */
public record Caller(String token, String certificateCommonName) {
    public static final Caller ANONYMOUS = new Caller(null, null);
    static final Context.Key<Caller> KEY = Context.key("rhino-caller");

    /** The caller of the gRPC call being served on this thread. */
    public static Caller current() {
        Caller caller = KEY.get();
        return caller == null ? ANONYMOUS : caller;
    }
}
