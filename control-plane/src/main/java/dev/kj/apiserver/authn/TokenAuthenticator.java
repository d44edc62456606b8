package dev.kj.apiserver.authn;

import java.util.List;
import java.util.Optional;

/** One way of reading a bearer token (authenticator.Token upstream). */
public interface TokenAuthenticator {
    /**
     * @param audiences the audiences the caller wants the token to be good for (the API server's
     *                  own for requests; TokenReview's spec.audiences)
     * @return empty when the token is not of this authenticator's kind or it knows nothing of it
     * @throws InvalidCredentialsException when the token is this authenticator's but not valid
     */
    Optional<Authenticated> authenticate(String token, List<String> audiences) throws InvalidCredentialsException;

    /**
     * An authenticator whose tokens carry no audience, made to answer only for the API server's
     * audiences (upstream's WrapAudienceAgnosticToken): a token file or bootstrap token is no
     * credential for another audience.
     */
    static TokenAuthenticator audienceAgnostic(List<String> apiAudiences, TokenAuthenticator inner) {
        return (token, audiences) -> {
            List<String> granted = audiences.isEmpty() ? apiAudiences
                    : audiences.stream().filter(apiAudiences::contains).toList();
            if (granted.isEmpty()) {
                return Optional.empty();
            }
            return inner.authenticate(token, audiences).map(a -> new Authenticated(a.user(), granted));
        };
    }
}
