package dev.kj.apiserver.authn;

import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Who sent a request (upstream's union authenticator with the authenticated-group adder and
 * anonymous fallback): the client certificate first, then the bearer token through each token
 * authenticator in turn (token file, service accounts, bootstrap tokens). A request without
 * credentials is anonymous; one whose credentials no authenticator accepts is rejected, whatever
 * the path: upstream never takes a bad token for anonymous.
 */
public final class RequestAuthenticator {
    private static final System.Logger LOG = System.getLogger(RequestAuthenticator.class.getName());
    public static final String AUTHENTICATED_GROUP = "system:authenticated";

    private final List<TokenAuthenticator> tokens;
    private final List<String> apiAudiences;

    /** @param tokens tried in order; the first to accept a token decides */
    public RequestAuthenticator(List<TokenAuthenticator> tokens, List<String> apiAudiences) {
        this.tokens = List.copyOf(tokens);
        this.apiAudiences = List.copyOf(apiAudiences);
    }

    /** What authentication made of a request. */
    public sealed interface Result {
        record Authenticated(User user) implements Result {
        }

        /** No credentials: {@link Anonymous#USER}. */
        record Unauthenticated() implements Result {
        }

        /** Credentials presented and refused (answered 401); the reason is for the log. */
        record Rejected(String reason) implements Result {
        }
    }

    /**
     * @param verifiedChain the client's certificate chain as TLS verified it against the client CA (null: none)
     * @param authorization the Authorization header (null or empty: none)
     */
    public Result authenticate(Certificate[] verifiedChain, String authorization) {
        Optional<User> certificateUser = ClientCertificates.user(verifiedChain);
        if (certificateUser.isPresent()) {
            return new Result.Authenticated(withAuthenticatedGroup(certificateUser.get()));
        }
        Optional<String> token = bearer(authorization);
        if (token.isEmpty()) {
            return new Result.Unauthenticated();
        }
        try {
            return new Result.Authenticated(withAuthenticatedGroup(authenticateToken(token.get(), apiAudiences).user()));
        } catch (InvalidCredentialsException e) {
            LOG.log(System.Logger.Level.INFO, "Unable to authenticate the request: {0}", e.getMessage());
            return new Result.Rejected(e.getMessage());
        }
    }

    /**
     * A token as TokenReview asks: the first authenticator that accepts it, with the audiences it
     * was accepted for; refused with every authenticator's error when none does.
     *
     * @param audiences empty: the API server's
     */
    public Authenticated authenticateToken(String token, List<String> audiences) throws InvalidCredentialsException {
        List<String> errors = new ArrayList<>();
        for (TokenAuthenticator authenticator : tokens) {
            try {
                Optional<Authenticated> accepted = authenticator.authenticate(token, audiences);
                if (accepted.isPresent()) {
                    return new Authenticated(withAuthenticatedGroup(accepted.get().user()), accepted.get().audiences());
                }
            } catch (InvalidCredentialsException e) {
                errors.add(e.getMessage());
            } catch (RuntimeException e) {
                // storage unreachable or a value it cannot read: no credential can be vouched for (401, as upstream)
                errors.add(String.valueOf(e.getMessage()));
            }
        }
        if (errors.isEmpty()) {
            throw new InvalidCredentialsException("invalid bearer token");
        }
        // upstream's aggregate: one error as it is, several as [a, b]
        throw new InvalidCredentialsException(errors.size() == 1 ? errors.getFirst() : "[" + String.join(", ", errors) + "]");
    }

    public List<String> apiAudiences() {
        return apiAudiences;
    }

    /** upstream's bearertoken parsing: "Bearer <token>", case-insensitive scheme; anything else is no token. */
    static Optional<String> bearer(String authorization) {
        if (authorization == null) {
            return Optional.empty();
        }
        String trimmed = authorization.strip();
        if (trimmed.isEmpty()) {
            return Optional.empty();
        }
        String[] parts = trimmed.split(" ", 3);
        if (parts.length < 2 || !parts[0].equalsIgnoreCase("bearer") || parts[1].isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(parts[1]);
    }

    private static User withAuthenticatedGroup(User user) {
        if (user.groups().contains(AUTHENTICATED_GROUP) || user.name().equals(Anonymous.USER_NAME)) {
            return user;
        }
        List<String> groups = new ArrayList<>(user.groups());
        groups.add(AUTHENTICATED_GROUP);
        return new User(user.name(), user.uid(), groups, user.extra());
    }
}
