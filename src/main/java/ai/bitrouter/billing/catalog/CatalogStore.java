package ai.bitrouter.billing.catalog;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Catalog versions in PostgreSQL. A version and all its rows are written in one transaction and never changed.
 * Concurrent publishers are settled by unique constraints ({@code ON CONFLICT DO NOTHING}), never by reading
 * first: one effective instant per version, and at most one successor per version.
 */
@ApplicationScoped
public class CatalogStore {

    private static final String HEADER_COLUMNS =
            "id, effective_from, predecessor_id, source, content_sha256, note, created_by, created_at";

    // The effective instant is taken from the database clock (plus the publish lead) in the same statement,
    // and the version must take effect after the one it is built on, so history only ever grows forward.
    private static final String INSERT_VERSION = """
            INSERT INTO catalog_versions (effective_from, predecessor_id, source, content_sha256, note, created_by)
            SELECT e.t, ?, ?, ?, ?, ?
            FROM (SELECT coalesce(?::timestamptz, clock_timestamp() + ? * interval '1 microsecond') AS t) e
            WHERE ?::text IS NULL
               OR EXISTS (SELECT 1 FROM catalog_versions p WHERE p.id = ? AND p.effective_from < e.t)
            ON CONFLICT DO NOTHING
            RETURNING\s""" + HEADER_COLUMNS;

    @Inject
    DataSource dataSource;

    @Inject
    CatalogRows rows;

    /** What to publish: the content, and the version it was built on (empty for the first version). */
    public record NewVersion(Optional<String> predecessorId, Optional<Instant> effectiveFrom, long leadMicros,
                             String source, String note, String createdBy, CatalogSnapshot snapshot, String digest) {
    }

    /** The inserted version, or empty when another version won the race or would take effect later. */
    @Transactional
    public Optional<VersionHeader> insert(NewVersion v) {
        try (Connection c = dataSource.getConnection()) {
            VersionHeader header;
            try (PreparedStatement ps = c.prepareStatement(INSERT_VERSION)) {
                int i = 1;
                ps.setString(i++, v.predecessorId().orElse(null));
                ps.setString(i++, v.source());
                ps.setString(i++, v.digest());
                ps.setString(i++, v.note());
                ps.setString(i++, v.createdBy());
                ps.setString(i++, v.effectiveFrom().map(Instant::toString).orElse(null));
                ps.setLong(i++, v.leadMicros());
                ps.setString(i++, v.predecessorId().orElse(null));
                ps.setString(i, v.predecessorId().orElse(null));
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    header = header(rs);
                }
            }
            rows.write(c, header.id(), v.snapshot());
            return Optional.of(header);
        } catch (SQLException e) {
            throw new IllegalStateException("publishing a catalog version failed", e);
        }
    }

    /** Every version, oldest first: a few hundred small rows at most, read to build the in-memory index. */
    public List<VersionHeader> headers() {
        return query("SELECT " + HEADER_COLUMNS + " FROM catalog_versions ORDER BY effective_from");
    }

    public Optional<VersionHeader> latest() {
        return query("SELECT " + HEADER_COLUMNS + " FROM catalog_versions ORDER BY effective_from DESC LIMIT 1")
                .stream().findFirst();
    }

    public Instant databaseNow() {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT clock_timestamp()");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).toInstant();
        } catch (SQLException e) {
            throw new IllegalStateException("reading the database clock failed", e);
        }
    }

    /**
     * Rebuilds a version from its rows and checks it against the digest recorded when it was published, so a
     * version altered in the database is refused rather than used to bill.
     */
    public CatalogVersion load(VersionHeader header) {
        CatalogSnapshot snapshot;
        try (Connection c = dataSource.getConnection()) {
            snapshot = rows.read(c, header.id());
        } catch (SQLException e) {
            throw new IllegalStateException("reading catalog version " + header.id() + " failed", e);
        }
        String digest = CatalogDigest.of(snapshot);
        if (!digest.equals(header.contentSha256())) {
            throw new IllegalStateException("catalog version " + header.id() + " does not match its digest "
                    + header.contentSha256() + " (rebuilt: " + digest + ")");
        }
        return new CatalogVersion(header, snapshot);
    }

    private List<VersionHeader> query(String sql) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            List<VersionHeader> headers = new ArrayList<>();
            while (rs.next()) {
                headers.add(header(rs));
            }
            return headers;
        } catch (SQLException e) {
            throw new IllegalStateException("reading catalog versions failed", e);
        }
    }

    private static VersionHeader header(ResultSet rs) throws SQLException {
        return new VersionHeader(rs.getString("id"), rs.getObject("effective_from", OffsetDateTime.class).toInstant(),
                rs.getString("predecessor_id"), rs.getString("source"), rs.getString("content_sha256"),
                rs.getString("note"), rs.getString("created_by"),
                rs.getObject("created_at", OffsetDateTime.class).toInstant());
    }
}
