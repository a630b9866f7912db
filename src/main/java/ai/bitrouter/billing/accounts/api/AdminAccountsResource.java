package ai.bitrouter.billing.accounts.api;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import javax.sql.DataSource;

import com.fasterxml.jackson.annotation.JsonProperty;

import ai.bitrouter.billing.accounts.Account;
import ai.bitrouter.billing.accounts.Namespace;
import ai.bitrouter.billing.common.api.ApiException;
import ai.bitrouter.billing.discounts.DiscountGrantAdmin;
import ai.bitrouter.billing.money.Rounding;
import ai.bitrouter.billing.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * Billing admins only (realm role {@code billing-admin}; customers get the 403 envelope, anonymous callers 401):
 * finding an account and seeing its namespaces, month-to-date spend and discount grants.
 */
@Path("/v1/admin/accounts")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.BILLING_ADMIN)
public class AdminAccountsResource {
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 100;

    @Inject
    DataSource dataSource;

    @Inject
    DiscountGrantAdmin grants;

    public record AccountSummary(String id, String status, @JsonProperty("owner_subject") String ownerSubject,
            String email, @JsonProperty("display_name") String displayName,
            @JsonProperty("created_at") Instant createdAt) {

        static AccountSummary of(Account a) {
            return new AccountSummary(a.id.toString(), a.status, a.ownerSubject, a.email, a.displayName, a.createdAt);
        }
    }

    public record SearchResult(List<AccountSummary> data, int limit) {
    }

    /** The current UTC month so far: from its first day through today, by event time, as the invoice will see it. */
    public record MonthToDate(String month, @JsonProperty("spend_micro_usd") long spendMicroUsd) {
    }

    public record AccountDetail(AccountSummary account, List<NamespaceView> namespaces,
            @JsonProperty("month_to_date") MonthToDate monthToDate, List<DiscountGrantAdmin.GrantView> grants) {
    }

    /**
     * {@code q} matches the account id or owner subject exactly, or appears (case-insensitively) in the email or the
     * display name. Newest accounts first.
     */
    @GET
    @Transactional
    public SearchResult search(@QueryParam("q") String q, @QueryParam("limit") Integer limit) {
        int clamped = limit == null ? DEFAULT_LIMIT : Math.max(1, Math.min(MAX_LIMIT, limit));
        if (q == null || q.isBlank()) {
            return new SearchResult(Account.<Account> find("order by createdAt desc, id").page(0, clamped).list()
                    .stream().map(AccountSummary::of).toList(), clamped);
        }
        String term = q.strip();
        // '!' escapes LIKE's wildcards, so an email such as a_b@x.org matches itself and nothing else.
        String like = "%" + term.toLowerCase(Locale.ROOT).replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%";
        List<Account> found = Account.<Account> find("""
                str(id) = ?1 or ownerSubject = ?1 or lower(email) like ?2 escape '!' or lower(displayName) like ?2 escape '!'
                order by createdAt desc, id""", term, like).page(0, clamped).list();
        return new SearchResult(found.stream().map(AccountSummary::of).toList(), clamped);
    }

    @GET
    @Path("/{id}")
    @Transactional
    public AccountDetail get(@PathParam("id") String id) {
        UUID accountId;
        try {
            accountId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("account not found");
        }
        Account account = Account.<Account> findByIdOptional(accountId)
                .orElseThrow(() -> ApiException.notFound("account not found"));
        List<NamespaceView> namespaces = new ArrayList<>();
        for (Namespace n : Namespace.ofAccount(accountId)) {
            namespaces.add(NamespaceView.of(n));
        }
        YearMonth month = YearMonth.now(ZoneOffset.UTC);
        return new AccountDetail(AccountSummary.of(account), namespaces,
                new MonthToDate(month.toString(), Rounding.toWireMicroUsd(spendSince(accountId, month.atDay(1)))),
                grants.list(accountId));
    }

    /** The exact sum of the daily rollup (never the ledger), rounded by the caller once. */
    private BigDecimal spendSince(UUID accountId, LocalDate firstDay) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT coalesce(sum(charge_micro_usd), 0) FROM usage_daily
                        WHERE account_id = ? AND day >= ? AND day < ? AND pricing_state = 'computed'""")) {
            ps.setObject(1, accountId);
            ps.setObject(2, firstDay);
            ps.setObject(3, firstDay.plusMonths(1));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBigDecimal(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading month-to-date spend failed", e);
        }
    }
}
