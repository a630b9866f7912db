package ai.bitrouter.billing.web;

import java.time.Instant;
import java.util.List;

import io.quarkus.qute.TemplateData;

/** What the usage page shows; every amount is the API's rounded micro-USD and its dollar text. */
@TemplateData
public record UsageView(Header header, List<Option> namespaces, String month, boolean currentMonth, Instant windowFrom, Instant windowTo,
        Amount total, long requestCount, List<DiscountLine> discounts, Amount discountTotal, List<GrantLine> grants,
        Chart chart, List<ModelLine> topModels, Filters filters, List<RequestLine> requests, Pager pager) {

    /** The top bar of every page: who is signed in, whether to link the admin page, the CSRF token for forms. */
    @TemplateData
    public record Header(String username, boolean admin, String csrf) {
    }

    @TemplateData
    public record Option(String value, String label, boolean selected) {
    }

    @TemplateData
    public record Amount(long microUsd, String dollars) {
        public static Amount of(long microUsd) {
            return new Amount(microUsd, Dollars.of(microUsd));
        }
    }

    @TemplateData
    public record DiscountLine(String kind, Amount saved) {
    }

    @TemplateData
    public record GrantLine(String percent, Instant startsAt, Instant endsAt, String state) {
    }

    /** An inline SVG bar chart: coordinates are computed here in whole pixels, so the template only draws. */
    @TemplateData
    public record Chart(int width, int height, int baseline, String maxLabel, List<Bar> bars) {
    }

    @TemplateData
    public record Bar(String day, String label, Amount amount, int x, int y, int width, int height) {
    }

    @TemplateData
    public record ModelLine(String model, long requests, long promptTokens, long completionTokens, Amount amount) {
    }

    @TemplateData
    public record Filters(String namespace, String model, String status, String from, String to,
            List<Option> statuses) {
    }

    @TemplateData
    public record RequestLine(String requestId, String namespaceId, Instant time, String status, String model,
            String servedModel, long promptTokens, long completionTokens, String pricingState, Amount charge) {
    }

    @TemplateData
    public record Pager(int page, String previousUrl, String nextUrl) {
    }
}
