package ai.bitrouter.billing.system;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

import org.eclipse.microprofile.config.Config;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigUtils;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Refuses to start the production profile without the settings that more than one replica must share, or that only
 * the operator can know: unset, each replica would draw its own CSRF key (a form rendered by one pod is refused by
 * the next), the web pages would use the realm file's dev-only client secret, and the OAuth metadata would have no
 * issuer. One line names every missing or unusable variable, so one restart fixes them all.
 *
 * <p>The values the realm import needs (the Keycloak client secrets and the web client's redirect URIs) are checked
 * where they are used: required in {@code deploy/} (a Secret reference without {@code optional}, Compose's
 * {@code ${VAR:?}}).
 */
@ApplicationScoped
public class ProductionConfigCheck {

    /** One required setting: the environment variable operators set, the property it fills, and what is valid. */
    record Required(String variable, String property, Predicate<String> valid, String rule) {
    }

    static final List<Required> REQUIRED = List.of(
            new Required("BITROUTER_WEB_CSRF_SECRET", "bitrouter.web.csrf-secret",
                    v -> v.getBytes(StandardCharsets.UTF_8).length >= 32, "at least 32 bytes"),
            new Required("BITROUTER_WEB_CLIENT_SECRET", "quarkus.oidc.web.credentials.secret",
                    v -> !v.startsWith("dev-only-"), "not the realm file's dev-only value"),
            new Required("BITROUTER_OAUTH_PUBLIC_BASE_URL", "bitrouter.oauth.public-base-url",
                    v -> v.startsWith("https://"), "an https:// URL"));

    @Inject
    Config config;

    void onStart(@Observes StartupEvent event) {
        if (LaunchMode.current() != LaunchMode.NORMAL || !ConfigUtils.isProfileActive("prod")) {
            return;
        }
        String problem = problem(this::lookup);
        if (problem != null) {
            throw new IllegalStateException(problem);
        }
    }

    /** A value whose {@code ${VAR}} cannot be expanded is as missing as an unset one. */
    private Optional<String> lookup(String property) {
        try {
            return config.getOptionalValue(property, String.class);
        } catch (java.util.NoSuchElementException e) {
            return Optional.empty();
        }
    }

    /**
     * The one-line refusal for these settings, or null when every required one is present and valid. Blank counts
     * as missing (an empty variable in a manifest is a forgotten one).
     */
    static String problem(Function<String, Optional<String>> property) {
        List<String> missing = new ArrayList<>();
        List<String> invalid = new ArrayList<>();
        for (Required r : REQUIRED) {
            Optional<String> value = property.apply(r.property()).map(String::strip).filter(v -> !v.isEmpty());
            if (value.isEmpty()) {
                missing.add(r.variable());
            } else if (!r.valid().test(value.get())) {
                invalid.add(r.variable() + " (must be " + r.rule() + ")");
            }
        }
        if (missing.isEmpty() && invalid.isEmpty()) {
            return null;
        }
        StringBuilder s = new StringBuilder("refusing to start in production:");
        if (!missing.isEmpty()) {
            s.append(" missing ").append(String.join(", ", missing));
        }
        if (!invalid.isEmpty()) {
            s.append(missing.isEmpty() ? " " : "; ").append("invalid ").append(String.join(", ", invalid));
        }
        return s.append(" (deploy/kubernetes/README.md, deploy/compose/env.example)").toString();
    }
}
