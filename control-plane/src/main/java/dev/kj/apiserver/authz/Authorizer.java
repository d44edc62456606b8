package dev.kj.apiserver.authz;

/** Decides whether a request may go ahead (upstream's authorizer.Authorizer). */
public interface Authorizer {
    Decision authorize(RequestAttributes attributes);

    /**
     * Allow, deny, or no opinion (the next authorizer decides; the last one's no opinion is a
     * denial). {@code reason} is what the 403 message appends, empty when there is nothing to say.
     */
    record Decision(Kind kind, String reason) {
        public enum Kind { ALLOW, DENY, NO_OPINION }

        public static final Decision ALLOW = new Decision(Kind.ALLOW, "");
        public static final Decision NO_OPINION = new Decision(Kind.NO_OPINION, "");

        public static Decision noOpinion(String reason) {
            return new Decision(Kind.NO_OPINION, reason);
        }

        public boolean allowed() {
            return kind == Kind.ALLOW;
        }
    }
}
