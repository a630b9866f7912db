package ai.bitrouter.billing.invoicing;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

import javax.sql.DataSource;

import ai.bitrouter.billing.money.Money;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

/**
 * The invoices' tables (V7). Drafting claims the account's unbilled charged requests into {@code invoice_usage}
 * first and only then sums what it claimed, so a request priced by the re-pricer while a draft is built is either
 * on this invoice, counted, or left for the next one: never claimed without being counted.
 */
@ApplicationScoped
public class InvoiceStore {

    @Inject
    DataSource dataSource;

    public enum Status {
        DRAFT, PUSHING, PUSH_FAILED, FINALIZED, PAID, PAYMENT_FAILED, VOID;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Status of(String wire) {
            return valueOf(wire.toUpperCase(java.util.Locale.ROOT));
        }

        /** Stripe's state has moved past ours only forwards; a late or replayed event never moves it back. */
        public boolean isFinal() {
            return this == PAID || this == VOID;
        }
    }

    public record Invoice(UUID id, UUID accountId, BillingPeriod period, Status status, int attempt,
            BigDecimal exactTotalMicroUsd, long totalCents, int lineCount, long requestCount, String stripeCustomerId,
            String stripeInvoiceId, Instant createRequestedAt, Instant linesRequestedAt, String stripeNumber,
            String hostedInvoiceUrl, String invoicePdf, String lastError, Instant createdAt, Instant finalizedAt,
            Instant paidAt) {
    }

    public record StoredLine(int lineNo, String kind, BillingPeriod usagePeriod, String model, String discountKind,
            String description, long requests, UsageGroup.TokenTotals tokens, BigDecimal listMicroUsd,
            BigDecimal exactMicroUsd, long amountCents, boolean pushed) {
    }

    // --- drafting ----------------------------------------------------------------------------------------------

    /**
     * Accounts with charged requests up to the end of {@code period} not yet on any invoice, leaving out accounts
     * already invoiced for a later period (their stray usage goes on their next invoice).
     */
    public List<UUID> accountsToBill(BillingPeriod period) {
        return uuids("""
                SELECT DISTINCT u.account_id FROM usage_records u
                 WHERE u.pricing_state = 'computed' AND u.event_time < ?
                   AND NOT EXISTS (SELECT 1 FROM invoice_usage iu WHERE iu.request_id = u.request_id)
                   AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.account_id = u.account_id
                                                              AND i.period_start > ?)
                 ORDER BY 1""", ps -> {
            ps.setTimestamp(1, Timestamp.from(period.end()));
            ps.setDate(2, Date.valueOf(period.firstDay()));
        });
    }

    /**
     * Builds (or, while still a draft, rebuilds with what arrived since) the account's invoice for the period.
     * Empty when there is nothing to bill. An invoice past the draft stage is returned untouched: it is frozen.
     */
    @Transactional
    public Optional<UUID> draft(UUID accountId, BillingPeriod period) {
        return draft(accountId, period, drafted -> {
        });
    }

    /** What a draft claimed, for its audit row. */
    public record Drafted(UUID invoiceId, UUID accountId, String period, BigDecimal exactTotalMicroUsd,
            long totalCents, int lines, long requests) {
    }

    /**
     * As {@link #draft(UUID, BillingPeriod)}, running {@code inTransaction} (the audit row) in the draft's
     * transaction once the draft is written, so the claim and its trace commit together. Not run when nothing was
     * drafted or the invoice is past the draft stage (nothing changed).
     */
    @Transactional
    public Optional<UUID> draft(UUID accountId, BillingPeriod period, Consumer<Drafted> inTransaction) {
        try (Connection c = dataSource.getConnection()) {
            UUID id = UUID.randomUUID();
            boolean created;
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO invoices (id, account_id, period_start, period_end, status, exact_total_micro_usd,
                                          total_cents, line_count, request_count)
                    VALUES (?, ?, ?, ?, 'draft', 0, 0, 0, 0)
                    ON CONFLICT (account_id, period_start) DO NOTHING""")) {
                ps.setObject(1, id);
                ps.setObject(2, accountId);
                ps.setDate(3, Date.valueOf(period.firstDay()));
                ps.setDate(4, Date.valueOf(period.endExclusive()));
                created = ps.executeUpdate() == 1;
            }
            if (!created) {
                // Lock the existing invoice: the status read here stays true until this transaction ends.
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT id, status FROM invoices WHERE account_id = ? AND period_start = ? FOR UPDATE")) {
                    ps.setObject(1, accountId);
                    ps.setDate(2, Date.valueOf(period.firstDay()));
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        id = rs.getObject(1, UUID.class);
                        if (!"draft".equals(rs.getString(2))) {
                            return Optional.of(id);
                        }
                    }
                }
                exec(c, "DELETE FROM invoice_lines WHERE invoice_id = ?", id);
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO invoice_usage (request_id, invoice_id)
                    SELECT u.request_id, ? FROM usage_records u
                     WHERE u.namespace_id IN (SELECT n.id FROM namespaces n WHERE n.account_id = ?)
                       AND u.account_id = ? AND u.pricing_state = 'computed' AND u.event_time < ?
                       AND NOT EXISTS (SELECT 1 FROM invoice_usage iu WHERE iu.request_id = u.request_id)
                    ON CONFLICT (request_id) DO NOTHING""")) {
                // Through the account's namespaces: the ledger's (namespace_id, event_time) index (V9).
                ps.setObject(1, id);
                ps.setObject(2, accountId);
                ps.setObject(3, accountId);
                ps.setTimestamp(4, Timestamp.from(period.end()));
                ps.executeUpdate();
            }
            List<UsageGroup> groups = claimedGroups(c, id);
            if (groups.isEmpty()) {
                exec(c, "DELETE FROM invoices WHERE id = ?", id);
                return Optional.empty();
            }
            InvoiceBuilder.Draft draft = InvoiceBuilder.build(period, groups);
            insertLines(c, id, draft);
            long requests = groups.stream().mapToLong(UsageGroup::requests).sum();
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE invoices SET exact_total_micro_usd = ?, total_cents = ?, line_count = ?, request_count = ?,
                                        updated_at = now()
                     WHERE id = ?""")) {
                ps.setBigDecimal(1, draft.exactTotal().microUsd());
                ps.setLong(2, draft.totalCents());
                ps.setInt(3, draft.lines().size());
                ps.setLong(4, requests);
                ps.setObject(5, id);
                ps.executeUpdate();
            }
            inTransaction.accept(new Drafted(id, accountId, period.toString(), draft.exactTotal().microUsd(),
                    draft.totalCents(), draft.lines().size(), requests));
            return Optional.of(id);
        } catch (SQLException e) {
            throw new IllegalStateException("drafting the invoice of account " + accountId + " for " + period
                    + " failed", e);
        }
    }

    private static List<UsageGroup> claimedGroups(Connection c, UUID invoiceId) throws SQLException {
        List<UsageGroup> groups = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT date_trunc('month', u.event_time AT TIME ZONE 'UTC')::date,
                       coalesce(u.served_model_id, u.model_requested), coalesce(u.discount_kind, 'none'), count(*),
                       sum(u.uncached_input_tokens), sum(u.cache_read_tokens), sum(u.cache_write_tokens),
                       sum(u.output_tokens), sum(u.reasoning_tokens), sum(u.list_micro_usd), sum(u.charge_micro_usd)
                  FROM invoice_usage iu JOIN usage_records u ON u.request_id = iu.request_id
                 WHERE iu.invoice_id = ?
                 GROUP BY 1, 2, 3""")) {
            ps.setObject(1, invoiceId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    BigDecimal list = rs.getBigDecimal(10);
                    groups.add(new UsageGroup(BillingPeriod.startingOn(rs.getDate(1).toLocalDate()), rs.getString(2),
                            rs.getString(3), rs.getLong(4),
                            new UsageGroup.TokenTotals(rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(8),
                                    rs.getLong(9)),
                            Money.ofMicroUsd(list == null ? BigDecimal.ZERO : list),
                            Money.ofMicroUsd(rs.getBigDecimal(11))));
                }
            }
        }
        return groups;
    }

    private static void insertLines(Connection c, UUID invoiceId, InvoiceBuilder.Draft draft) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO invoice_lines (invoice_id, line_no, kind, usage_period_start, model, discount_kind,
                    description, requests, uncached_input_tokens, cache_read_tokens, cache_write_tokens,
                    output_tokens, reasoning_tokens, list_micro_usd, exact_micro_usd, amount_cents)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            for (InvoiceBuilder.Line l : draft.lines()) {
                ps.setObject(1, invoiceId);
                ps.setInt(2, l.lineNo());
                ps.setString(3, l.kind().wireName());
                ps.setDate(4, Date.valueOf(l.usagePeriod().firstDay()));
                ps.setString(5, l.model());
                ps.setString(6, l.discountKind());
                ps.setString(7, l.description());
                ps.setLong(8, l.requests());
                ps.setLong(9, l.tokens().uncachedInput());
                ps.setLong(10, l.tokens().cacheRead());
                ps.setLong(11, l.tokens().cacheWrite());
                ps.setLong(12, l.tokens().output());
                ps.setLong(13, l.tokens().reasoning());
                ps.setBigDecimal(14, l.list().microUsd());
                ps.setBigDecimal(15, l.exact().microUsd());
                ps.setLong(16, l.amountCents());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    // --- reading -----------------------------------------------------------------------------------------------

    private static final String INVOICE_COLUMNS = """
            id, account_id, period_start, status, attempt, exact_total_micro_usd, total_cents, line_count,
            request_count, stripe_customer_id, stripe_invoice_id, create_requested_at, lines_requested_at,
            stripe_number, hosted_invoice_url, invoice_pdf, last_error, created_at, finalized_at, paid_at""";

    public Optional<Invoice> find(UUID id) {
        List<Invoice> found = invoices("SELECT " + INVOICE_COLUMNS + " FROM invoices WHERE id = ?",
                ps -> ps.setObject(1, id));
        return found.stream().findFirst();
    }

    public Optional<Invoice> findByStripeId(String stripeInvoiceId) {
        return invoices("SELECT " + INVOICE_COLUMNS + " FROM invoices WHERE stripe_invoice_id = ?",
                ps -> ps.setString(1, stripeInvoiceId)).stream().findFirst();
    }

    public List<Invoice> forAccount(UUID accountId, int limit, int offset) {
        return invoices("SELECT " + INVOICE_COLUMNS + " FROM invoices WHERE account_id = ?"
                + " ORDER BY period_start DESC, created_at DESC LIMIT ? OFFSET ?", ps -> {
                    ps.setObject(1, accountId);
                    ps.setInt(2, limit);
                    ps.setInt(3, offset);
                });
    }

    /** Admin list: by status and/or period, newest first. Null filters match everything. */
    public List<Invoice> search(Status status, BillingPeriod period, UUID accountId, int limit, int offset) {
        return invoices("SELECT " + INVOICE_COLUMNS + " FROM invoices"
                + " WHERE (?::text IS NULL OR status = ?) AND (?::date IS NULL OR period_start = ?)"
                + "   AND (?::uuid IS NULL OR account_id = ?)"
                + " ORDER BY period_start DESC, created_at DESC LIMIT ? OFFSET ?", ps -> {
                    String s = status == null ? null : status.wire();
                    Date p = period == null ? null : Date.valueOf(period.firstDay());
                    ps.setString(1, s);
                    ps.setString(2, s);
                    ps.setDate(3, p);
                    ps.setDate(4, p);
                    ps.setObject(5, accountId);
                    ps.setObject(6, accountId);
                    ps.setInt(7, limit);
                    ps.setInt(8, offset);
                });
    }

    /** Invoices a run should (re)push: drafts, and pushes an earlier run left unfinished. */
    public List<UUID> toPush() {
        return uuids("SELECT id FROM invoices WHERE status IN ('draft', 'pushing') ORDER BY period_start, id",
                ps -> {
                });
    }

    public List<StoredLine> lines(UUID invoiceId) {
        List<StoredLine> lines = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT line_no, kind, usage_period_start, model, discount_kind, description, requests,
                               uncached_input_tokens, cache_read_tokens, cache_write_tokens, output_tokens,
                               reasoning_tokens, list_micro_usd, exact_micro_usd, amount_cents, pushed
                          FROM invoice_lines WHERE invoice_id = ? ORDER BY line_no""")) {
            ps.setObject(1, invoiceId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lines.add(new StoredLine(rs.getInt(1), rs.getString(2),
                            BillingPeriod.startingOn(rs.getDate(3).toLocalDate()), rs.getString(4), rs.getString(5),
                            rs.getString(6), rs.getLong(7),
                            new UsageGroup.TokenTotals(rs.getLong(8), rs.getLong(9), rs.getLong(10), rs.getLong(11),
                                    rs.getLong(12)),
                            rs.getBigDecimal(13), rs.getBigDecimal(14), rs.getLong(15), rs.getBoolean(16)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading invoice lines failed", e);
        }
        return lines;
    }

    // --- the push's bookkeeping (each its own short transaction, so a crash keeps what was done) ----------------

    /** The account's row: absent if no create was ever sent; present with a null id if one may have been. */
    public record CustomerRow(String stripeCustomerId) {
    }

    public Optional<CustomerRow> customerRow(UUID accountId) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT stripe_customer_id FROM billing_customers WHERE account_id = ?")) {
            ps.setObject(1, accountId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new CustomerRow(rs.getString(1))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the Stripe customer failed", e);
        }
    }

    public void customerRequested(UUID accountId) {
        update("INSERT INTO billing_customers (account_id) VALUES (?) ON CONFLICT (account_id) DO NOTHING",
                ps -> ps.setObject(1, accountId));
    }

    public void customerCreated(UUID accountId, String stripeCustomerId) {
        update("""
                INSERT INTO billing_customers (account_id, stripe_customer_id, created_at) VALUES (?, ?, now())
                ON CONFLICT (account_id) DO UPDATE SET stripe_customer_id = excluded.stripe_customer_id,
                                                       created_at = now()
                 WHERE billing_customers.stripe_customer_id IS NULL""", ps -> {
            ps.setObject(1, accountId);
            ps.setString(2, stripeCustomerId);
        });
    }

    public Optional<String> accountName(UUID accountId, boolean email) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT " + (email ? "email" : "coalesce(display_name, email)") + " FROM accounts WHERE id = ?")) {
            ps.setObject(1, accountId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the account failed", e);
        }
    }

    /** draft -> pushing (a push_failed one only through {@link #retryFailed}); false if it is past that. */
    public boolean startPush(UUID id, String stripeCustomerId) {
        return update("""
                UPDATE invoices SET status = 'pushing', stripe_customer_id = coalesce(stripe_customer_id, ?),
                                    updated_at = now()
                 WHERE id = ? AND status IN ('draft', 'pushing')""", ps -> {
            ps.setString(1, stripeCustomerId);
            ps.setObject(2, id);
        }) == 1;
    }

    public void createRequested(UUID id) {
        update("UPDATE invoices SET create_requested_at = coalesce(create_requested_at, now()) WHERE id = ?",
                ps -> ps.setObject(1, id));
    }

    public void stripeInvoiceCreated(UUID id, String stripeInvoiceId) {
        update("UPDATE invoices SET stripe_invoice_id = ?, updated_at = now() WHERE id = ? AND stripe_invoice_id IS NULL",
                ps -> {
                    ps.setString(1, stripeInvoiceId);
                    ps.setObject(2, id);
                });
    }

    public void linesRequested(UUID id) {
        update("UPDATE invoices SET lines_requested_at = coalesce(lines_requested_at, now()) WHERE id = ?",
                ps -> ps.setObject(1, id));
    }

    public void linesPushed(UUID id, Collection<Integer> lineNos) {
        if (lineNos.isEmpty()) {
            return;
        }
        update("UPDATE invoice_lines SET pushed = true WHERE invoice_id = ? AND line_no = ANY (?)", ps -> {
            ps.setObject(1, id);
            ps.setArray(2, ps.getConnection().createArrayOf("integer", lineNos.toArray()));
        });
    }

    /** Records what Stripe says after finalizing, moving the status forward only. */
    public void finalized(UUID id, String number, String hostedUrl, String pdf) {
        update("""
                UPDATE invoices SET stripe_number = coalesce(?, stripe_number),
                                    hosted_invoice_url = coalesce(?, hosted_invoice_url),
                                    invoice_pdf = coalesce(?, invoice_pdf), last_error = null,
                                    finalized_at = coalesce(finalized_at, now()), updated_at = now()
                 WHERE id = ?""", ps -> {
            ps.setString(1, number);
            ps.setString(2, hostedUrl);
            ps.setString(3, pdf);
            ps.setObject(4, id);
        });
        advance(id, Status.FINALIZED);
    }

    /**
     * Moves an invoice's status forward along draft/pushing -> finalized -> payment_failed -> paid | void, never
     * back: Stripe's events arrive in any order and more than once. True if the status changed.
     */
    public boolean advance(UUID id, Status to) {
        String from = switch (to) {
            case FINALIZED -> "'draft', 'pushing', 'push_failed'";
            case PAYMENT_FAILED -> "'draft', 'pushing', 'push_failed', 'finalized'";
            case PAID, VOID -> "'draft', 'pushing', 'push_failed', 'finalized', 'payment_failed'";
            default -> throw new IllegalArgumentException("not a Stripe-driven status: " + to);
        };
        return update("UPDATE invoices SET status = ?, updated_at = now(), "
                + "finalized_at = coalesce(finalized_at, now()), "
                + "paid_at = CASE WHEN ? = 'paid' THEN coalesce(paid_at, now()) ELSE paid_at END "
                + "WHERE id = ? AND status IN (" + from + ")", ps -> {
                    ps.setString(1, to.wire());
                    ps.setString(2, to.wire());
                    ps.setObject(3, id);
                }) == 1;
    }

    public void pushError(UUID id, String error, boolean needsPerson) {
        update("UPDATE invoices SET last_error = ?, updated_at = now(), status = CASE WHEN ? AND status = 'pushing' "
                + "THEN 'push_failed' ELSE status END WHERE id = ?", ps -> {
                    ps.setString(1, error);
                    ps.setBoolean(2, needsPerson);
                    ps.setObject(3, id);
                });
    }

    /** push_failed -> pushing with a new attempt number (fresh idempotency keys); false if it was not failed. */
    public boolean retryFailed(UUID id) {
        return update("UPDATE invoices SET status = 'pushing', attempt = attempt + 1, updated_at = now() "
                + "WHERE id = ? AND status = 'push_failed'", ps -> ps.setObject(1, id)) == 1;
    }

    // --- plumbing ----------------------------------------------------------------------------------------------

    @FunctionalInterface
    interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private int update(String sql, Binder binder) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("invoice bookkeeping failed: " + e.getMessage(), e);
        }
    }

    private static void exec(Connection c, String sql, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, id);
            ps.executeUpdate();
        }
    }

    private List<UUID> uuids(String sql, Binder binder) {
        List<UUID> ids = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getObject(1, UUID.class));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading invoices failed", e);
        }
        return ids;
    }

    private List<Invoice> invoices(String sql, Binder binder) {
        List<Invoice> found = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(new Invoice(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class),
                            BillingPeriod.startingOn(rs.getDate(3).toLocalDate()), Status.of(rs.getString(4)),
                            rs.getInt(5), rs.getBigDecimal(6), rs.getLong(7), rs.getInt(8), rs.getLong(9),
                            rs.getString(10), rs.getString(11), instant(rs, 12), instant(rs, 13), rs.getString(14),
                            rs.getString(15), rs.getString(16), rs.getString(17), instant(rs, 18), instant(rs, 19),
                            instant(rs, 20)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading invoices failed", e);
        }
        return found;
    }

    private static Instant instant(ResultSet rs, int i) throws SQLException {
        Timestamp t = rs.getTimestamp(i);
        return t == null ? null : t.toInstant();
    }
}
