package ai.bitrouter.billing.pricing;

import ai.bitrouter.billing.money.Money;
import ai.bitrouter.billing.money.Percentage;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;

/** Prices and requests written inline, so the tests need nothing outside the repository. */
final class Fixtures {

    static final Instant EVENT_TIME = Instant.parse("2026-07-02T12:00:00Z");
    static final PricingPolicy POLICY = PricingPolicy.defaults("policy-2026-07", Instant.parse("2026-01-01T00:00:00Z"));
    static final String SELF_HOSTED = "bitrouter";

    private Fixtures() {
    }

    static BigDecimal dec(String value) {
        return value == null ? null : new BigDecimal(value);
    }

    static Rates rates(String noCache, String cacheRead, String cacheWrite, String text, String reasoning) {
        return new Rates(dec(noCache), dec(cacheRead), dec(cacheWrite), dec(text), dec(reasoning));
    }

    static Rates inOut(String in, String out) {
        return Rates.of(dec(in), dec(out));
    }

    static Money micro(String value) {
        return Money.ofMicroUsd(new BigDecimal(value));
    }

    static TokenUsage usage(long prompt, long completion) {
        return new TokenUsage(prompt, completion, 0, 0, 0);
    }

    static RequestBuilder request(String requestedModel, String servedModel, String provider) {
        return new RequestBuilder(requestedModel, servedModel, provider);
    }

    /** Defaults to a succeeded, credit-funded request without a custom discount. */
    static final class RequestBuilder {
        private final String requestedModel;
        private final String servedModel;
        private final String provider;
        private TokenUsage usage = Fixtures.usage(0, 0);
        private RequestStatus status = RequestStatus.SUCCEEDED;
        private FundingSource funding = FundingSource.CLOUD_CREDIT;
        private Optional<Percentage> customDiscount = Optional.empty();

        private RequestBuilder(String requestedModel, String servedModel, String provider) {
            this.requestedModel = requestedModel;
            this.servedModel = servedModel;
            this.provider = provider;
        }

        RequestBuilder usage(TokenUsage value) {
            usage = value;
            return this;
        }

        RequestBuilder usage(long prompt, long completion) {
            return usage(Fixtures.usage(prompt, completion));
        }

        RequestBuilder status(RequestStatus value) {
            status = value;
            return this;
        }

        RequestBuilder funding(FundingSource value) {
            funding = value;
            return this;
        }

        RequestBuilder customDiscount(String percent) {
            customDiscount = Optional.of(Percentage.of(percent));
            return this;
        }

        PricingRequest build() {
            return new PricingRequest("req-" + requestedModel + "-" + provider, requestedModel, servedModel, provider,
                    status, funding, usage, EVENT_TIME, customDiscount);
        }
    }
}
