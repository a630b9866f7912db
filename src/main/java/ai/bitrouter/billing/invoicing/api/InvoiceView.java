package ai.bitrouter.billing.invoicing.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import ai.bitrouter.billing.invoicing.InvoiceStore;
import ai.bitrouter.billing.money.Money;

/**
 * An invoice as customers and admins read it. Cents are what is billed; the exact micro-USD sums stand beside them
 * (as decimal strings, so no digit is lost) so anyone can check the rounding: total = exact total half-even to
 * cents, lines allocated to add up to it.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record InvoiceView(String id, @JsonProperty("account_id") String accountId, String period, String status,
        String currency, @JsonProperty("total_cents") long totalCents, String total,
        @JsonProperty("exact_total_micro_usd") String exactTotalMicroUsd,
        @JsonProperty("request_count") long requestCount, @JsonProperty("line_count") int lineCount,
        @JsonProperty("hosted_invoice_url") String hostedInvoiceUrl, @JsonProperty("invoice_pdf") String invoicePdf,
        String number, @JsonProperty("stripe_invoice_id") String stripeInvoiceId,
        @JsonProperty("created_at") Instant createdAt, @JsonProperty("finalized_at") Instant finalizedAt,
        @JsonProperty("paid_at") Instant paidAt, @JsonInclude(JsonInclude.Include.NON_NULL) List<LineView> lines,
        @JsonInclude(JsonInclude.Include.NON_NULL) Admin admin) {

    public record LineView(@JsonProperty("line_no") int lineNo, String kind,
            @JsonProperty("usage_period") String usagePeriod, String model,
            @JsonProperty("discount_kind") String discountKind, String description, long requests,
            @JsonProperty("uncached_input_tokens") long uncachedInputTokens,
            @JsonProperty("cache_read_tokens") long cacheReadTokens,
            @JsonProperty("cache_write_tokens") long cacheWriteTokens,
            @JsonProperty("output_tokens") long outputTokens, @JsonProperty("reasoning_tokens") long reasoningTokens,
            @JsonProperty("list_micro_usd") String listMicroUsd,
            @JsonProperty("discount_micro_usd") String discountMicroUsd,
            @JsonProperty("exact_micro_usd") String exactMicroUsd, @JsonProperty("amount_cents") long amountCents) {

        static LineView of(InvoiceStore.StoredLine l) {
            BigDecimal discount = l.listMicroUsd().subtract(l.exactMicroUsd());
            return new LineView(l.lineNo(), l.kind(), l.usagePeriod().toString(), l.model(), l.discountKind(),
                    l.description(), l.requests(), l.tokens().uncachedInput(), l.tokens().cacheRead(),
                    l.tokens().cacheWrite(), l.tokens().output(), l.tokens().reasoning(),
                    l.listMicroUsd().toPlainString(), discount.toPlainString(), l.exactMicroUsd().toPlainString(),
                    l.amountCents());
        }
    }

    /** Only in admin views: what the push did. */
    public record Admin(int attempt, @JsonProperty("stripe_customer_id") String stripeCustomerId,
            @JsonProperty("last_error") String lastError) {
    }

    public static InvoiceView of(InvoiceStore.Invoice i, List<InvoiceStore.StoredLine> lines, boolean admin) {
        return new InvoiceView(i.id().toString(), i.accountId().toString(), i.period().toString(), i.status().wire(),
                "usd", i.totalCents(), Money.ofCents(i.totalCents()).toUsd().setScale(2).toPlainString(),
                i.exactTotalMicroUsd().toPlainString(), i.requestCount(), i.lineCount(), i.hostedInvoiceUrl(),
                i.invoicePdf(), i.stripeNumber(), i.stripeInvoiceId(), i.createdAt(), i.finalizedAt(), i.paidAt(),
                lines == null ? null : lines.stream().map(LineView::of).toList(),
                admin ? new Admin(i.attempt(), i.stripeCustomerId(), i.lastError()) : null);
    }
}
