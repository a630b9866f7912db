package ai.bitrouter.billing.metering;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.bitrouter.billing.testsupport.TestAccounts;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * The ledger writes a batch with {@code COPY} after looking up which ids are already recorded. Another writer can
 * insert one of those ids between the lookup and the {@code COPY} (two instances during a rebalance, or a re-send
 * on another partition): then the primary key must still decide, the batch must fall back to
 * {@code ON CONFLICT DO NOTHING}, and the raced id must count as a conflict (its payload differs), not be lost or
 * written twice. The race is made deterministic by holding the other writer's insert uncommitted until the
 * service's {@code COPY} is seen waiting for it.
 */
@QuarkusTest
class UsageLedgerRaceTest {
    // kimi-k2.6 self-hosted: 1,000,000 x 0.7125 + 100,000 x 3.00 micro-USD per million = 1,012,500 micro-USD
    static final BigDecimal EACH = new BigDecimal("1012500");

    @Inject
    DataSource db;

    @Inject
    MeteringService metering;

    @Inject
    ObjectMapper json;

    @Test
    void anIdInsertedByAnotherWriterBetweenLookupAndCopyIsAConflictNotADuplicateRow() throws Exception {
        TestAccounts.Tenant tenant = TestAccounts.create(db);
        UsageEventParser parser = new UsageEventParser(json);
        List<MeteringService.Incoming> batch = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String payload = Events.in(tenant.namespaceId()).json();
            UsageEvent e = ((UsageEventParser.Parsed) parser.parse(payload)).event();
            batch.add(new MeteringService.Incoming(e, payload.getBytes(StandardCharsets.UTF_8), 0, (long) i));
            ids.add(e.requestId());
        }
        String raced = ids.get(1);
        MeteringService.Prepared prepared = metering.prepare(batch);
        assertEquals(3, prepared.accepted().size());

        try (Connection other = db.getConnection()) {
            other.setAutoCommit(false);
            try (PreparedStatement ps = other.prepareStatement("""
                    INSERT INTO usage_records (request_id, namespace_id, account_id, model_requested, status,
                        funding_source, event_time, prompt_tokens, completion_tokens, cache_read_tokens,
                        cache_write_tokens, reasoning_tokens, uncached_input_tokens, output_tokens, pricing_state,
                        charge_micro_usd, payload_sha256)
                    VALUES (?, ?, ?, 'moonshotai/kimi-k2.6', 'failed', 'cloud_credit', '2026-11-02T10:00:00Z',
                        0, 0, 0, 0, 0, 0, 0, 'not_charged', 0, '\\x00')""")) {
                ps.setString(1, raced);
                ps.setString(2, tenant.namespaceId());
                ps.setObject(3, tenant.accountId());
                ps.executeUpdate();
            }
            CompletableFuture<UsageLedger.Appended> append = CompletableFuture
                    .supplyAsync(() -> metering.append(prepared.accepted()));
            await().atMost(Duration.ofSeconds(30)).until(this::copyIsWaitingForALock);
            other.commit();
            UsageLedger.Appended appended = append.get(60, TimeUnit.SECONDS);
            assertEquals(new UsageLedger.Appended(2, 0, 1, 0), appended);
        }

        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT request_id, pricing_state, charge_micro_usd FROM usage_records WHERE namespace_id = ? "
                                + "ORDER BY request_id")) {
            ps.setString(1, tenant.namespaceId());
            List<String> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String charge = rs.getBigDecimal(3).stripTrailingZeros().toPlainString();
                    rows.add(rs.getString(1) + " " + rs.getString(2) + " " + charge);
                }
            }
            List<String> expected = new ArrayList<>();
            for (String id : ids.stream().sorted().toList()) {
                expected.add(id.equals(raced) ? id + " not_charged 0" : id + " computed " + EACH.toPlainString());
            }
            assertEquals(expected, rows, "the other writer's row stays, the two fresh ones are written once each");
        }
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT request_id, payload_sha256 FROM usage_conflicts WHERE request_id = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("text", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "the raced id is recorded as a conflict");
                assertEquals(raced, rs.getString(1));
                assertArrayEquals(prepared.accepted().get(1).event().payloadSha256(), rs.getBytes(2));
                assertTrue(!rs.next(), "and only that one");
            }
        }
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT sum(requests), sum(charge_micro_usd) FROM usage_daily WHERE namespace_id = ?")) {
            ps.setString(1, tenant.namespaceId());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(2, rs.getLong(1), "only what this batch inserted reaches the rollup");
                assertEquals(0, EACH.multiply(BigDecimal.TWO).compareTo(rs.getBigDecimal(2)));
            }
        }
    }

    /**
     * Two batches of this instance in flight, the later holding a re-send of an id the earlier one has inserted but
     * not committed: the later batch must leave that id out of its {@code COPY} (which would wait, fail on the primary
     * key and be undone) and write it with {@code ON CONFLICT}, which waits for the earlier commit and inserts nothing.
     */
    @Test
    void aReSendInTheOtherBatchInFlightIsLeftOutOfTheCopyAndWaitsForThatCommit() throws Exception {
        TestAccounts.Tenant tenant = TestAccounts.create(db);
        UsageEventParser parser = new UsageEventParser(json);
        List<MeteringService.Incoming> all = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String payload = Events.in(tenant.namespaceId()).json();
            all.add(new MeteringService.Incoming(((UsageEventParser.Parsed) parser.parse(payload)).event(),
                    payload.getBytes(StandardCharsets.UTF_8), 0,
                    (long) i));
        }
        MeteringService.Incoming resent = new MeteringService.Incoming(all.get(1).event(), all.get(1).payload(), 1, 9L);
        List<PricedEvent> earlier = metering.prepare(List.of(all.get(0), all.get(1))).accepted();
        List<PricedEvent> later = metering.prepare(List.of(resent, all.get(2))).accepted();

        // Own threads: on two cores the common pool has one, and the first task holds it until its commit.
        ExecutorService threads = Executors.newFixedThreadPool(2);
        CountDownLatch earlierWritten = new CountDownLatch(1);
        CountDownLatch commitEarlier = new CountDownLatch(1);
        CompletableFuture<UsageLedger.Appended> first = CompletableFuture.supplyAsync(
                () -> QuarkusTransaction.requiringNew().call(() -> {
                    UsageLedger.Appended a = metering.append(earlier);
                    earlierWritten.countDown();
                    commitEarlier.await(60, TimeUnit.SECONDS);
                    return a;
                }), threads);
        assertTrue(earlierWritten.await(30, TimeUnit.SECONDS));
        CompletableFuture<UsageLedger.Appended> second = CompletableFuture.supplyAsync(() -> metering.append(later),
                threads);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> second.isDone() || waitingForALock("INSERT INTO usage_records%") > 0);
        assertTrue(!second.isDone(), () -> "the later batch must wait for the earlier commit: " + second.join());
        assertEquals(0, waitingForALock("COPY usage_records%"), "the contested id is not in the COPY");
        commitEarlier.countDown();

        assertEquals(new UsageLedger.Appended(2, 0, 0, 0), first.get(60, TimeUnit.SECONDS));
        assertEquals(new UsageLedger.Appended(1, 1, 0, 0), second.get(60, TimeUnit.SECONDS),
                "the re-send is a duplicate, the other event is written");
        threads.shutdown();
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT count(*), count(DISTINCT request_id) FROM usage_records WHERE namespace_id = ?");
                PreparedStatement daily = c.prepareStatement(
                        "SELECT sum(requests), sum(charge_micro_usd) FROM usage_daily WHERE namespace_id = ?")) {
            ps.setString(1, tenant.namespaceId());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(3, rs.getLong(1));
                assertEquals(3, rs.getLong(2));
            }
            daily.setString(1, tenant.namespaceId());
            try (ResultSet rs = daily.executeQuery()) {
                rs.next();
                assertEquals(3, rs.getLong(1), "each request once in the rollup");
                assertEquals(0, EACH.multiply(BigDecimal.valueOf(3)).compareTo(rs.getBigDecimal(2)));
            }
        }
    }

    private long waitingForALock(String queryPattern) throws Exception {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE ?")) {
            ps.setString(1, queryPattern);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private boolean copyIsWaitingForALock() throws Exception {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT count(*) FROM pg_stat_activity
                        WHERE wait_event_type = 'Lock' AND query LIKE 'COPY usage_records%'""");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1) > 0;
        }
    }
}
