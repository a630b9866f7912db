package ai.bitrouter.billing.metering;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.testsupport.TestAccounts;
import ai.bitrouter.billing.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/**
 * The dead-letter replay on the real broker and database. Every case works in namespaces of its own and names them
 * in the replay's filter, so the dead letters other tests leave on the shared topic are counted by the scans but
 * never re-published. Amounts: kimi-k2.6 self-hosted, (input x 0.95 + output x 4.00) x 0.75 micro-USD per token.
 */
@QuarkusTest
class DeadLetterReplayTest {
    static final String TOPIC = "bitrouter.usage.v1";
    static final String DLQ = TOPIC + ".dlq";
    static final String REPLAY = "/v1/admin/usage/dead-letters/replay";
    static final String INVENTORY = "/v1/admin/usage/dead-letters";

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;

    @Inject
    DataSource db;

    KafkaProducer<String, String> producer;

    @BeforeEach
    void setUp() {
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer());
    }

    @AfterEach
    void close() {
        producer.close();
    }

    @Test
    void unknownNamespaceEventsAreRecordedOnceAfterTheNamespaceExistsAndOtherReasonsStayPut() throws Exception {
        String ns = freshNamespace();
        List<Events> events = List.of(
                Events.in(ns).usage("{\"prompt_tokens\":1000,\"completion_tokens\":100}"), // 1,012.5
                Events.in(ns).usage("{\"prompt_tokens\":1000000,\"completion_tokens\":100000}"), // 1,012,500
                Events.in(ns).usage("{\"prompt_tokens\":2000,\"completion_tokens\":0}")); // 1,425
        BigDecimal expected = new BigDecimal("1014937.5");
        for (Events e : events) {
            send(e.namespace, e.json());
        }
        send(ns, "{\"specversion\": \"1.0\", \"id\": "); // malformed_json, for this namespace by its key
        // A record a consumer bug dead-lettered: a valid event, kept under a reason of its own.
        Events bug = Events.in(ns).usage("{\"prompt_tokens\":4000,\"completion_tokens\":0}"); // 2,850
        sendDeadLetter(ns, bug.json(), "unprocessable", false);
        // A dead letter whose value was cut to fit the topic: matched, never re-published.
        Events cut = Events.in(ns);
        sendDeadLetter(ns, cut.json().substring(0, 120), "unknown_namespace", true);

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            JsonPath inv = inventory(ns);
            return n(inv, "by_reason.unknown_namespace") == 4 && n(inv, "by_reason.malformed_json") == 1
                    && n(inv, "by_reason.unprocessable") == 1;
        });
        // "since" reads from the first record at that time: nothing was dead-lettered in the future.
        JsonPath later = admin().queryParam("namespace", ns).queryParam("since", Instant.now().plusSeconds(3600).toString())
                .when().get(INVENTORY).then().statusCode(200).extract().jsonPath();
        assertEquals(Map.of(), later.getMap("by_reason"));

        createNamespace(ns);
        JsonPath first = replay("{\"reasons\": [\"unknown_namespace\"], \"namespaces\": [\"" + ns + "\"]}");
        assertEquals(4, first.getInt("matched"));
        assertEquals(1, first.getInt("truncated"));
        assertEquals(3, first.getInt("events"));
        assertEquals(3, first.getInt("republished"));
        assertEquals(0, first.getInt("already_recorded"));
        assertEquals(0, first.getInt("failed"));
        assertTrue(first.getBoolean("complete"));

        await().atMost(Duration.ofSeconds(60)).until(() -> count(ns) == 3);
        assertEquals(0, expected.compareTo(total(ns)), "the exact charges of the three events");
        for (Events e : events) {
            assertEquals(1, count("SELECT count(*) FROM usage_records WHERE request_id = ?", e.id));
        }
        assertEquals(0, count("SELECT count(*) FROM usage_records WHERE request_id = ?", bug.id),
                "a dead letter of another reason is not replayed");

        // Again: the same dead letters are recorded now, so nothing is sent and nothing changes.
        JsonPath second = replay("{\"reasons\": [\"unknown_namespace\"], \"namespaces\": [\"" + ns + "\"]}");
        assertEquals(4, second.getInt("matched"));
        assertEquals(0, second.getInt("republished"));
        assertEquals(3, second.getInt("already_recorded"));
        // The ledger after a marker sent behind the replays on the namespace's partition: still three rows.
        Events marker = Events.in(ns).usage("{\"prompt_tokens\":1,\"completion_tokens\":0}");
        send(ns, marker.json());
        await().atMost(Duration.ofSeconds(60)).until(() -> count("SELECT count(*) FROM usage_records WHERE request_id = ?",
                marker.id) == 1);
        assertEquals(4, count(ns));
        assertEquals(0, expected.add(new BigDecimal("0.7125")).compareTo(total(ns)));

        // The bug's record, once chosen, is recorded too: reasons select what is replayed.
        JsonPath third = replay("{\"reasons\": [\"unprocessable\"], \"namespaces\": [\"" + ns + "\"]}");
        assertEquals(1, third.getInt("matched"));
        assertEquals(1, third.getInt("republished"));
        await().atMost(Duration.ofSeconds(60)).until(() -> count("SELECT count(*) FROM usage_records WHERE request_id = ?",
                bug.id) == 1);
        assertEquals(0, expected.add(new BigDecimal("2850.7125")).compareTo(total(ns)));

        // One audit row per replay, with the admin as actor, the filter and the counts.
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                SELECT actor_username, after -> 'outcome' ->> 'republished', after -> 'outcome' ->> 'already_recorded',
                       detail
                FROM audit_log WHERE action = 'usage.dead_letter.replay' AND jsonb_exists(after -> 'filter' -> 'namespaces', ?)
                ORDER BY id""")) {
            ps.setString(1, ns);
            try (ResultSet rs = ps.executeQuery()) {
                String[][] rows = { { "3", "0", "reasons unknown_namespace" }, { "0", "3", "reasons unknown_namespace" },
                        { "1", "0", "reasons unprocessable" } };
                for (String[] row : rows) {
                    assertTrue(rs.next(), "an audit row per replay");
                    assertEquals("admin", rs.getString(1));
                    assertEquals(row[0], rs.getString(2));
                    assertEquals(row[1], rs.getString(3));
                    assertEquals(row[2], rs.getString(4));
                }
                assertFalse(rs.next(), "no other audit rows for these replays");
            }
        }
    }

    @Test
    void aLimitDefersTheRestToTheNextCallWhichSkipsWhatWasRecorded() throws Exception {
        String ns = freshNamespace();
        for (int i = 0; i < 3; i++) {
            send(ns, Events.in(ns).usage("{\"prompt_tokens\":1000,\"completion_tokens\":100}").json()); // 1,012.5
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> n(inventory(ns), "by_reason.unknown_namespace") == 3);
        createNamespace(ns);
        String body = "{\"reasons\": [\"unknown_namespace\"], \"namespaces\": [\"" + ns + "\"], \"limit\": 2}";
        JsonPath first = replay(body);
        assertEquals(2, first.getInt("republished"));
        assertEquals(1, first.getInt("deferred"));
        await().atMost(Duration.ofSeconds(60)).until(() -> count(ns) == 2);
        JsonPath second = replay(body);
        assertEquals(2, second.getInt("already_recorded"));
        assertEquals(1, second.getInt("republished"));
        assertEquals(0, second.getInt("deferred"));
        await().atMost(Duration.ofSeconds(60)).until(() -> count(ns) == 3);
        assertEquals(0, new BigDecimal("3037.5").compareTo(total(ns)));
    }

    @Test
    void anEventWhoseCauseIsNotFixedIsReplayedAtMostMaxReplaysTimes() throws Exception {
        String ns = freshNamespace(); // never created
        Events e = Events.in(ns);
        send(ns, e.json());
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> n(inventory(ns), "by_reason.unknown_namespace") == 1);
        String body = "{\"reasons\": [\"unknown_namespace\"], \"namespaces\": [\"" + ns + "\"]}";
        for (int round = 1; round <= 3; round++) {
            JsonPath r = replay(body);
            assertEquals(round, r.getInt("matched"), "the original and the copies of earlier rounds");
            assertEquals(1, r.getInt("events"), "copies of one payload are one event");
            assertEquals(1, r.getInt("republished"));
            int copies = round;
            // The replayed copy is dead-lettered again, carrying its replay count.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> inventory(ns).getInt("replayed_copies") == copies);
        }
        JsonPath last = replay(body);
        assertEquals(4, last.getInt("matched"));
        assertEquals(0, last.getInt("republished"));
        assertEquals(1, last.getInt("exhausted"));
        JsonPath inv = inventory(ns);
        assertEquals(4, n(inv, "by_reason.unknown_namespace"), "no new copy after the last allowed round");
        assertEquals(0, count("SELECT count(*) FROM usage_records WHERE request_id = ?", e.id));
    }

    @Test
    void whenTheAuditRowCannotBeWrittenTheReplayAnswers500() throws Exception {
        String ns = freshNamespace();
        Events e = Events.in(ns);
        send(ns, e.json());
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> n(inventory(ns), "by_reason.unknown_namespace") == 1);
        String trigger = "refuse_audit_" + ns.toLowerCase();
        try (Connection c = owner(); Statement s = c.createStatement()) {
            s.execute("CREATE FUNCTION " + trigger + "() RETURNS trigger LANGUAGE plpgsql AS "
                    + "$$ BEGIN RAISE EXCEPTION 'audit refused by the test'; END $$");
            s.execute("CREATE TRIGGER " + trigger + " BEFORE INSERT ON audit_log FOR EACH ROW WHEN "
                    + "(NEW.after::text LIKE '%" + ns + "%') EXECUTE FUNCTION " + trigger + "()");
        }
        try {
            admin().contentType(ContentType.JSON)
                    .body("{\"reasons\": [\"unknown_namespace\"], \"namespaces\": [\"" + ns + "\"]}")
                    .when().post(REPLAY).then().statusCode(500).body("error", equalTo("internal"));
        } finally {
            try (Connection c = owner(); Statement s = c.createStatement()) {
                s.execute("DROP TRIGGER " + trigger + " ON audit_log");
                s.execute("DROP FUNCTION " + trigger + "()");
            }
        }
        assertEquals(0, count("SELECT count(*) FROM audit_log WHERE action = 'usage.dead_letter.replay' "
                + "AND after::text LIKE '%' || ? || '%'", ns));
        // The re-publishing is a Kafka operation the failed audit cannot undo: it happened, and the request said 500.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> inventory(ns).getInt("replayed_copies") == 1);
    }

    @Test
    void onlyBillingAdminsMayInspectOrReplayAndTheRequestIsChecked() {
        String customer = Tokens.demo();
        given().auth().oauth2(customer).when().get(INVENTORY).then()
                .statusCode(403).body("error", equalTo("forbidden"));
        given().auth().oauth2(customer).contentType(ContentType.JSON).body("{\"reasons\": [\"unknown_namespace\"]}")
                .when().post(REPLAY).then().statusCode(403).body("error", equalTo("forbidden"));
        given().contentType(ContentType.JSON).body("{\"reasons\": [\"unknown_namespace\"]}")
                .when().post(REPLAY).then().statusCode(401).body("error", equalTo("unauthorized"));

        for (String bad : List.of("{}", "{\"reasons\": []}", "{\"reasons\": \"unknown_namespace\"}",
                "{\"reasons\": [\"unknown_namespace\"], \"limit\": 0}",
                "{\"reasons\": [\"unknown_namespace\"], \"limit\": 1000000}",
                "{\"reasons\": [\"unknown_namespace\"], \"since\": \"yesterday\"}",
                "{\"reasons\": [\"unknown_namespace\"], \"since\": \"2026-12-02T00:00:00Z\", \"until\": \"2026-12-01T00:00:00Z\"}",
                "not json")) {
            admin().contentType(ContentType.JSON).body(bad).when().post(REPLAY).then()
                    .statusCode(400).body("error", equalTo("bad_request"));
        }
        admin().queryParam("since", "not a time").when().get(INVENTORY).then()
                .statusCode(400).body("error", equalTo("bad_request"));
    }

    private static io.restassured.specification.RequestSpecification admin() {
        return given().auth().oauth2(Tokens.admin());
    }

    private static JsonPath inventory(String ns) {
        return admin().queryParam("namespace", ns).when().get(INVENTORY).then().statusCode(200).extract().jsonPath();
    }

    private static JsonPath replay(String body) {
        return admin().contentType(ContentType.JSON).body(body).when().post(REPLAY).then().statusCode(200)
                .extract().jsonPath();
    }

    /** A count in an answer; a reason absent from by_reason is zero. */
    private static int n(JsonPath answer, String path) {
        Number v = answer.get(path);
        return v == null ? 0 : v.intValue();
    }

    private static String freshNamespace() {
        return "ns_" + UUID.randomUUID().toString().replace("-", "").substring(0, 26);
    }

    private void send(String key, String value) throws Exception {
        producer.send(new ProducerRecord<>(TOPIC, key, value)).get();
    }

    private void sendDeadLetter(String key, String value, String reason, boolean truncated) throws Exception {
        RecordHeaders h = new RecordHeaders();
        if (truncated) {
            h.add("dlq-truncated", "true".getBytes(StandardCharsets.UTF_8));
            h.add("dlq-original-size", Integer.toString(value.length() * 2).getBytes(StandardCharsets.UTF_8));
        }
        h.add("dlq-reason", reason.getBytes(StandardCharsets.UTF_8));
        h.add("dlq-detail", "IllegalStateException: a bug in the test's story".getBytes(StandardCharsets.UTF_8));
        h.add("dlq-original-topic", TOPIC.getBytes(StandardCharsets.UTF_8));
        producer.send(new ProducerRecord<>(DLQ, null, key, value, h)).get();
    }

    /** The account and namespace, created after the events that name it were dead-lettered. */
    private void createNamespace(String ns) {
        TestAccounts.create(db, ns);
    }

    /** The database's owner, for the trigger the service's own role must not be able to create. */
    private Connection owner() throws Exception {
        return DriverManager.getConnection(jdbcUrl, "postgres", "postgres");
    }

    private long count(String ns) throws Exception {
        return count("SELECT count(*) FROM usage_records WHERE namespace_id = ?", ns);
    }

    private BigDecimal total(String ns) throws Exception {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT sum(charge_micro_usd) FROM usage_records WHERE namespace_id = ?")) {
            ps.setString(1, ns);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBigDecimal(1);
            }
        }
    }

    private long count(String sql, String arg) throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
