package ai.bitrouter.billing.web;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/** Settings of the web pages under {@code /ui} (docs/web.md). */
@ConfigMapping(prefix = "bitrouter.web")
public interface WebConfig {

    /**
     * Key of the CSRF tokens of the admin forms. Every replica must share it; unset, each instance draws a random
     * key at start, which is right for one instance (dev, tests) and wrong behind a load balancer.
     */
    Optional<String> csrfSecret();
}
