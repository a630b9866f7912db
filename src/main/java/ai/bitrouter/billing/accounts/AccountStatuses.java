package ai.bitrouter.billing.accounts;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The status ({@code active}, {@code suspended}, {@code closed}) of the account a person owns, asked on every request
 * made with a person's token. Held per instance for {@link AccountsConfig#statusCacheTtl()}, so the check costs one
 * indexed read per person and period rather than one per request; "no account yet" is held as well.
 */
@ApplicationScoped
public class AccountStatuses {
    public static final String ACTIVE = "active";

    /** Beyond this many people the whole map is dropped: simpler than an LRU, and at worst one read each again. */
    static final int MAX_ENTRIES = 50_000;

    private record Entry(Optional<String> status, long expiresAtNanos) {
    }

    private final Map<String, Entry> bySubject = new ConcurrentHashMap<>();

    @Inject
    DataSource dataSource;

    @Inject
    AccountsConfig config;

    /** The status of the account {@code ownerSubject} owns; empty when the person has no account. */
    public Optional<String> ofOwner(String ownerSubject) {
        Optional<Optional<String>> cached = cached(ownerSubject);
        if (cached.isPresent()) {
            return cached.get();
        }
        long now = System.nanoTime();
        Optional<String> status = read(ownerSubject);
        if (bySubject.size() >= MAX_ENTRIES) {
            bySubject.clear();
        }
        bySubject.put(ownerSubject, new Entry(status, now + config.statusCacheTtl().toNanos()));
        return status;
    }

    /** The held status when it is still fresh, without reading: empty when a read is needed. */
    public Optional<Optional<String>> cached(String ownerSubject) {
        Entry cached = bySubject.get(ownerSubject);
        return cached != null && System.nanoTime() - cached.expiresAtNanos() < 0
                ? Optional.of(cached.status())
                : Optional.empty();
    }

    private Optional<String> read(String ownerSubject) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT status FROM accounts WHERE owner_subject = ?")) {
            ps.setString(1, ownerSubject);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the account's status failed", e);
        }
    }
}
