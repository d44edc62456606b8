package dev.kj.rhino.auth;

import java.time.Duration;

/**
 * etcd's auth flags: {@code --bcrypt-cost} (4 to 31; anything else falls back to 10 with a warning,
 * as etcd does) and {@code --auth-token-ttl} for simple tokens. Only simple tokens exist
 * ({@code --auth-token simple}, etcd's default); JWT tokens are not built.
 */
public record AuthOptions(int bcryptCost, Duration tokenTtl) {
    public static final int DEFAULT_BCRYPT_COST = 10;
    public static final AuthOptions DEFAULTS = new AuthOptions(DEFAULT_BCRYPT_COST, Duration.ofSeconds(300));
    private static final System.Logger LOG = System.getLogger(AuthOptions.class.getName());

    public AuthOptions {
        if (bcryptCost < 4 || bcryptCost > 31) {
            LOG.log(System.Logger.Level.WARNING, "use default bcrypt cost {0} instead of the invalid given cost {1}"
                    + " (min-cost 4, max-cost 31)", DEFAULT_BCRYPT_COST, bcryptCost);
            bcryptCost = DEFAULT_BCRYPT_COST;
        }
        if (tokenTtl == null || tokenTtl.isZero() || tokenTtl.isNegative()) {
            tokenTtl = DEFAULTS.tokenTtl();
        }
    }
}
