package dev.kj.apiserver.authn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bootstrap tokens (upstream's bootstrap authenticator): {@code <id>.<secret>} matched against the
 * Secret {@code kube-system/bootstrap-token-<id>} of type bootstrap.kubernetes.io/token, which must
 * allow authentication and not be expired or being deleted. The user is
 * {@code system:bootstrap:<id>} in system:bootstrappers plus the Secret's auth-extra-groups. As
 * upstream, every mismatch is "not mine" (the chain then answers 401) and is logged by token id only.
 */
public final class BootstrapTokens implements TokenAuthenticator {
    private static final System.Logger LOG = System.getLogger(BootstrapTokens.class.getName());
    public static final Pattern TOKEN = Pattern.compile("^([a-z0-9]{6})\\.([a-z0-9]{16})$");
    private static final Pattern EXTRA_GROUP = Pattern.compile("^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$");
    public static final String SECRET_TYPE = "bootstrap.kubernetes.io/token";
    public static final String SECRET_PREFIX = "bootstrap-token-";
    public static final String USER_PREFIX = "system:bootstrap:";
    public static final String GROUP = "system:bootstrappers";

    private final ObjectLookup lookup;
    private final Clock clock;

    public BootstrapTokens(ObjectLookup lookup, Clock clock) {
        this.lookup = lookup;
        this.clock = clock;
    }

    @Override
    public Optional<Authenticated> authenticate(String token, List<String> audiences) throws InvalidCredentialsException {
        Matcher parts = TOKEN.matcher(token);
        if (!parts.matches()) {
            return Optional.empty();
        }
        String id = parts.group(1);
        Optional<ObjectNode> found = lookup.get("secrets", "kube-system", SECRET_PREFIX + id);
        if (found.isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, "No secret of name {0} to match bootstrap bearer token", SECRET_PREFIX + id);
            return Optional.empty();
        }
        ObjectNode secret = found.get();
        if (secret.path("metadata").has("deletionTimestamp")) {
            return refuse(id, "secret is being deleted");
        }
        if (!secret.path("type").asText().equals(SECRET_TYPE)) {
            return refuse(id, "secret has type " + secret.path("type").asText());
        }
        JsonNode data = secret.path("data");
        if (!MessageDigest.isEqual(decoded(data, "token-secret").getBytes(StandardCharsets.UTF_8),
                parts.group(2).getBytes(StandardCharsets.UTF_8))) {
            return refuse(id, "the token's secret does not match");
        }
        if (!decoded(data, "token-id").equals(id)) {
            return refuse(id, "the token id does not match the secret's");
        }
        String expiration = decoded(data, "expiration");
        if (!expiration.isEmpty()) {
            try {
                if (!clock.instant().isBefore(Instant.parse(expiration))) {
                    return refuse(id, "the token has expired");
                }
            } catch (DateTimeParseException e) {
                return refuse(id, "the expiration is not RFC 3339");
            }
        }
        if (!decoded(data, "usage-bootstrap-authentication").equals("true")) {
            return refuse(id, "the token is not marked usage-bootstrap-authentication");
        }
        List<String> groups = new ArrayList<>(List.of(GROUP));
        String extra = decoded(data, "auth-extra-groups");
        if (!extra.isEmpty()) {
            for (String group : extra.split(",")) {
                if (!EXTRA_GROUP.matcher(group).matches()) {
                    throw new InvalidCredentialsException("bootstrap token " + id + ": invalid auth-extra-groups " + group);
                }
                if (!groups.contains(group)) {
                    groups.add(group);
                }
            }
        }
        return Optional.of(new Authenticated(new User(USER_PREFIX + id, groups), List.of()));
    }

    private static Optional<Authenticated> refuse(String id, String why) {
        LOG.log(System.Logger.Level.DEBUG, "bootstrap token {0} refused: {1}", id, why);
        return Optional.empty();
    }

    private static String decoded(JsonNode data, String key) {
        JsonNode value = data.path(key);
        if (!value.isTextual()) {
            return "";
        }
        try {
            return new String(Base64.getDecoder().decode(value.asText()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    /** A new {@code <id>.<secret>} of kubeadm's alphabet. */
    public static String newToken() {
        SecureRandom random = new SecureRandom();
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder token = new StringBuilder();
        for (int i = 0; i < 23; i++) {
            token.append(i == 6 ? '.' : alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return token.toString();
    }
}
