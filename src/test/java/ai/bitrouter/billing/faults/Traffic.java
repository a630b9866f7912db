package ai.bitrouter.billing.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import ai.bitrouter.billing.bench.UsageLoadGenerator;
import ai.bitrouter.billing.bench.UsageLoadGenerator.Expected;
import ai.bitrouter.billing.bench.UsageLoadGenerator.Outgoing;
import ai.bitrouter.billing.bench.UsageLoadGenerator.Plan;
import ai.bitrouter.billing.catalog.CatalogService;
import ai.bitrouter.billing.pricing.CatalogView;
import ai.bitrouter.billing.pricing.PricingPolicy;

/**
 * One fault test's traffic: the load generator's plan (tenants, records with re-sends and invalid ones, and the
 * outcome they must produce) on a topic of the test's own, and the oracle: the ledger, the rollup and the dead-letter
 * topic checked exactly against the plan's expected outcome.
 */
final class Traffic {
    static final int PARTITIONS = 4;

    final Plan plan;
    final String topic;
    final String group;
    private final Stack stack;
    private final DataSource db;

    private Traffic(Plan plan, String topic, String group, Stack stack, DataSource db) {
        this.plan = plan;
        this.topic = topic;
        this.group = group;
        this.stack = stack;
        this.db = db;
    }

    /**
     * Plans {@code events} records for {@code namespaces} tenants, writes the tenants, creates the test's topics.
     * The tag makes ids, topic and group unique per run, so tests (and reruns on one database) never share them.
     */
    static Traffic plan(String test, int events, int namespaces, Stack stack, DataSource db, CatalogService catalog)
            throws Exception {
        String tag = test + Long.toString(System.currentTimeMillis() % 1_000_000, 36);
        UsageLoadGenerator.Config d = UsageLoadGenerator.Config.defaults(tag, events);
        // A seed of its own: tenants' account ids derive from it, and every test shares the one database.
        Plan plan = UsageLoadGenerator.plan(new UsageLoadGenerator.Config(d.seed() + tag.hashCode(), tag, events, namespaces, d.from(),
                d.span()), new UsageLoadGenerator.PriceBook() {
                    @Override
                    public CatalogView catalogAt(Instant t) {
                        return catalog.at(t);
                    }

                    @Override
                    public PricingPolicy policyAt(Instant t) {
                        return catalog.policyAt(t);
                    }
                });
        try (Connection c = db.getConnection()) {
            UsageLoadGenerator.createTenants(c, plan.tenants());
        }
        Traffic t = new Traffic(plan, "faults." + tag + ".usage", "faults-" + tag, stack, db);
        t.createTopics();
        return t;
    }

    String tag() {
        return plan.config().runTag();
    }

    Expected expected() {
        return plan.expected();
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrap()));
    }

    private void createTopics() throws Exception {
        try (Admin a = admin()) {
            for (NewTopic t : List.of(new NewTopic(topic, PARTITIONS, (short) 1), new NewTopic(topic + ".dlq", 1, (short) 1))) {
                try {
                    a.createTopics(List.of(t)).all().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        }
    }

    /** Records {@code [from, to)} of the plan, every one acknowledged by the broker (acks=all) before it returns. */
    void publish(int from, int to) {
        List<Outgoing> records = plan.records().subList(from, to);
        AtomicLong failures = new AtomicLong();
        AtomicReference<Exception> first = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(UsageLoadGenerator.producerConfig(stack.bootstrap()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Outgoing r : records) {
                producer.send(new ProducerRecord<>(topic, r.key(), r.value()), (meta, error) -> {
                    if (error != null) {
                        failures.incrementAndGet();
                        first.compareAndSet(null, error);
                    }
                });
            }
            producer.flush();
        }
        if (first.get() != null) {
            throw new IllegalStateException(failures.get() + " records not accepted by the broker", first.get());
        }
    }

    int size() {
        return plan.records().size();
    }

    /** Ledger rows of this run so far. */
    long ledgerRows() throws Exception {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM usage_records WHERE namespace_id LIKE ?")) {
            ps.setString(1, "ns_" + tag() + "%");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Ledger rows whose Kafka record lies at or after the group's committed offset of its partition: committed to the
     * database but not yet to Kafka. A kill now makes the next consumer read them again (the window of C1).
     */
    long committedInDbNotInKafka() throws Exception {
        return committedInDbNotInKafka(java.util.stream.IntStream.range(0, PARTITIONS).boxed().toList());
    }

    /** As {@link #committedInDbNotInKafka()}, for some partitions only. */
    long committedInDbNotInKafka(List<Integer> partitions) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed;
        try (Admin a = admin()) {
            committed = a.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        }
        long n = 0;
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM usage_records WHERE namespace_id LIKE ? AND kafka_partition = ? AND kafka_offset >= ?")) {
            for (int p : partitions) {
                OffsetAndMetadata o = committed.get(new TopicPartition(topic, p));
                ps.setString(1, "ns_" + tag() + "%");
                ps.setInt(2, p);
                ps.setLong(3, o == null ? 0 : o.offset());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    n += rs.getLong(1);
                }
            }
        }
        return n;
    }

    /** Σ of the group's committed offsets over the topic's partitions (0 before its first commit). */
    long committedTotal() throws Exception {
        try (Admin a = admin()) {
            return a.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS).entrySet()
                    .stream().filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                    .mapToLong(e -> e.getValue().offset()).sum();
        }
    }

    /** Members of the group and the partitions each holds, e.g. {@code {consumer-1-...=[0, 1]}}. */
    Map<String, List<Integer>> assignment() throws Exception {
        try (Admin a = admin()) {
            ConsumerGroupDescription d = a.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS).get(group);
            Map<String, List<Integer>> out = new TreeMap<>();
            d.members().forEach(m -> out.put(m.host() + "/" + m.consumerId(), m.assignment().topicPartitions().stream()
                    .filter(tp -> tp.topic().equals(topic)).map(TopicPartition::partition).sorted().toList()));
            return out;
        }
    }

    /** Waits until the ledger holds every expected row (or the timeout), then checks everything exactly. */
    Result awaitExact(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long rows;
        while ((rows = ledgerRows()) < expected().rows() && System.nanoTime() < deadline) {
            Thread.sleep(250);
        }
        assertEquals(expected().rows(), rows, "ledger rows after " + timeout + " (expected every request id once)");
        return verify();
    }

    record Result(long rows, Map<String, Long> byState, BigDecimal charge, long deadLetters, long deadLetterCopies) {
        @Override
        public String toString() {
            return String.format("%,d rows %s, Σ charge %s µUSD, %,d distinct dead letters (%,d copies on the topic)",
                    rows, byState, charge.toPlainString(), deadLetters, deadLetterCopies);
        }
    }

    /**
     * The oracle (the same checks as the ingestion benchmark's): every expected request id exactly once and nothing
     * else, rows per pricing state (parked = {@code unknown}), Σ charge and Σ list exact, the daily rollup equal to
     * the ledger, no conflicts from re-sends, and every invalid record on the dead-letter topic with its reason.
     */
    Result verify() throws Exception {
        Expected x = expected();
        String ns = "ns_" + tag() + "%";
        Set<String> ids = new HashSet<>();
        Map<String, Long> byState = new TreeMap<>();
        BigDecimal charge = BigDecimal.ZERO;
        BigDecimal list = BigDecimal.ZERO;
        try (Connection c = db.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT request_id, pricing_state, coalesce(charge_micro_usd, 0), coalesce(list_micro_usd, 0) FROM usage_records "
                            + "WHERE namespace_id LIKE ?")) {
                ps.setString(1, ns);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        assertTrue(ids.add(rs.getString(1)), "request id twice in the ledger: " + rs.getString(1));
                        byState.merge(rs.getString(2), 1L, Long::sum);
                        charge = charge.add(rs.getBigDecimal(3));
                        list = list.add(rs.getBigDecimal(4));
                    }
                }
            }
            Set<String> lost = new HashSet<>(x.requestIds());
            lost.removeAll(ids);
            Set<String> unexpected = new HashSet<>(ids);
            unexpected.removeAll(x.requestIds());
            assertEquals(Set.of(), lost.stream().limit(10).collect(Collectors.toSet()), lost.size() + " request ids lost");
            assertEquals(Set.of(), unexpected.stream().limit(10).collect(Collectors.toSet()),
                    unexpected.size() + " unexpected request ids");
            assertEquals(x.rowsByState(), byState, "rows per pricing state (unknown = parked)");
            assertEquals(0, x.charge().compareTo(charge), "Σ charge: expected " + x.charge() + ", ledger " + charge);
            assertEquals(0, x.list().compareTo(list), "Σ list: expected " + x.list() + ", ledger " + list);
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT coalesce(sum(requests), 0), coalesce(sum(charge_micro_usd), 0), coalesce(sum(list_micro_usd), 0)
                    FROM usage_daily WHERE namespace_id LIKE ?""")) {
                ps.setString(1, ns);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertEquals(x.rolledUp(), rs.getLong(1), "rollup requests");
                    assertEquals(0, x.charge().compareTo(rs.getBigDecimal(2)), "rollup Σ charge " + rs.getBigDecimal(2));
                    assertEquals(0, x.list().compareTo(rs.getBigDecimal(3)), "rollup Σ list " + rs.getBigDecimal(3));
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM usage_conflicts WHERE request_id LIKE ?")) {
                ps.setString(1, "req_" + tag() + "_%");
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertEquals(0, rs.getLong(1), "re-sends and redeliveries must not be conflicts");
                }
            }
        }
        long copies = verifyDeadLetters(x);
        return new Result(ids.size(), byState, charge, x.deadLetters().size(), copies);
    }

    /** Every invalid record on the dead-letter topic with the expected reason; returns the copies read. */
    private long verifyDeadLetters(Expected x) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "faults-dlq-check-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        Map<String, Integer> copies = new HashMap<>();
        Map<String, Long> byReason = new TreeMap<>();
        List<String> wrongReason = new ArrayList<>();
        long total = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (var consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic + ".dlq"));
            while (copies.size() < x.deadLetters().size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    total++;
                    String reason = x.deadLetters().get(r.value());
                    String header = new String(r.headers().lastHeader("dlq-reason").value(), StandardCharsets.UTF_8);
                    if (reason == null) {
                        wrongReason.add("unexpected dead letter (" + header + "): " + r.value());
                    } else if (copies.merge(r.value(), 1, Integer::sum) == 1) {
                        byReason.merge(header, 1L, Long::sum);
                        if (!reason.equals(header)) {
                            wrongReason.add(reason + " expected, " + header + " found");
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), wrongReason.stream().limit(10).toList(), "dead letters");
        assertEquals(x.deadLetters().size(), copies.size(), "distinct invalid records on the dead-letter topic");
        assertEquals(x.deadByReason(), byReason, "dead letters per reason");
        return total;
    }
}
