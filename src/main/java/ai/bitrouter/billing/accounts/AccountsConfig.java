package ai.bitrouter.billing.accounts;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Accounts ({@code bitrouter.accounts.*}). */
@ConfigMapping(prefix = "bitrouter.accounts")
public interface AccountsConfig {

    /**
     * How long an instance keeps the status of a signed-in person's account before reading it again: the longest a
     * suspension takes to reach that person's tokens on every replica. API keys read it with the key itself, so
     * for them it takes effect on the next request.
     */
    @WithDefault("5s")
    Duration statusCacheTtl();
}
