package ai.bitrouter.billing.invoicing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.bitrouter.billing.metering.MeteringService;
import ai.bitrouter.billing.metering.UsageEventParser;

/**
 * Writes usage through the real parse, pricing and ledger path (MeteringService, as the Kafka consumer does, without
 * Kafka's timing), and reads the ledger back for the oracle.
 */
public final class LedgerSeed {

    public record Event(String namespace, String model, String served, String provider, String status, String usage,
            Instant time) {
    }

    public static List<String> record(MeteringService metering, ObjectMapper json, List<Event> events) {
        UsageEventParser parser = new UsageEventParser(json);
        List<MeteringService.Incoming> batch = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (Event e : events) {
            String id = "req_" + UUID.randomUUID();
            String payload = """
                    {"specversion":"1.0","id":"%s","source":"router://test","type":"ai.bitrouter.usage.v1",
                     "subject":"%s","time":"%s","data":{"request_id":"%s","namespace_id":"%s","model":"%s",
                     "served_model_id":"%s","provider_id":"%s","status":"%s","funding_source":"cloud_credit",
                     "usage":%s,"streamed":false}}
                    """.formatted(id, e.namespace(), e.time(), id, e.namespace(), e.model(), e.served(),
                    e.provider(), e.status(), e.usage());
            var parsed = (UsageEventParser.Parsed) parser.parse(payload);
            batch.add(new MeteringService.Incoming(parsed.event(), payload.getBytes(StandardCharsets.UTF_8), null, null));
            ids.add(id);
        }
        MeteringService.Prepared prepared = metering.prepare(batch);
        assertTrue(prepared.rejected().isEmpty(), () -> "rejected: " + prepared.rejected());
        metering.append(prepared.accepted());
        return ids;
    }

    /** Σ exact charge of the account's charged requests with event time in [from, to). */
    static BigDecimal exactCharge(DataSource db, UUID account, Instant from, Instant to) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                SELECT coalesce(sum(charge_micro_usd), 0) FROM usage_records
                 WHERE account_id = ? AND pricing_state = 'computed' AND event_time >= ? AND event_time < ?""")) {
            ps.setObject(1, account);
            ps.setTimestamp(2, Timestamp.from(from));
            ps.setTimestamp(3, Timestamp.from(to));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBigDecimal(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static long count(DataSource db, String sql, Object... args) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i] instanceof Instant t ? Timestamp.from(t) : args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private LedgerSeed() {
    }
}
