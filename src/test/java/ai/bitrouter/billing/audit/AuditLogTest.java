package ai.bitrouter.billing.audit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.catalog.Probe;
import ai.bitrouter.billing.testsupport.OwnerDb;
import ai.bitrouter.billing.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;

/**
 * Every admin action leaves exactly one audit row, the rows can be searched, and the database itself refuses to
 * change or remove them.
 */
@QuarkusTest
class AuditLogTest {

    @Inject
    DataSource db;

    private static RequestSpecification admin() {
        return given().auth().oauth2(Tokens.admin());
    }

    private long count(String where, String arg) throws SQLException {
        try (Connection c = db.getConnection(); var ps = c.prepareStatement("SELECT count(*) FROM audit_log " + where)) {
            if (arg != null) {
                ps.setString(1, arg);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void aCatalogImportAndAnOfficialPriceOverrideLeaveOneRowEach() throws Exception {
        Probe probe = new Probe();
        String version = admin().contentType(ContentType.JSON).body(probe.upload("2.1"))
                .when().post("/v1/admin/catalog/imports").then().statusCode(200)
                .body("outcome", equalTo("created")).extract().path("version_id");
        assertEquals(1, count("WHERE action = 'catalog.import' AND target_id = ?", version));

        long overridesBefore = count("WHERE action = 'catalog.official_price.set' AND target_id = ?", probe.id);
        assertEquals(0, overridesBefore);
        admin().contentType(ContentType.JSON)
                .body("{\"pricing\": {\"input_tokens\": {\"no_cache\": \"1.20\"}, \"output_tokens\": {\"text\": 5}},"
                        + " \"note\": \"vendor list\"}")
                .when().put("/v1/admin/catalog/models/" + probe.id + "/official-price").then().statusCode(200);
        assertEquals(1, count("WHERE action = 'catalog.official_price.set' AND target_id = ?", probe.id));
        admin().queryParam("action", "catalog.official_price.set").queryParam("target_id", probe.id)
                .when().get("/v1/admin/audit").then().statusCode(200)
                .body("data", hasSize(1))
                .body("data[0].actor_username", equalTo("admin"))
                .body("data[0].target_type", equalTo("model"))
                .body("data[0].before.source", equalTo("derived"))
                .body("data[0].after.source", equalTo("admin"))
                .body("data[0].after.pricing.input_tokens.no_cache", equalTo("1.2"));

        // A refused override changes nothing and so records nothing.
        admin().contentType(ContentType.JSON).body("{\"pricing\": {\"input_tokens\": {\"no_cache\": 1}}}")
                .when().put("/v1/admin/catalog/models/acme/unknown-" + UUID.randomUUID() + "/official-price").then()
                .statusCode(404);
        assertEquals(1, count("WHERE action = 'catalog.official_price.set' AND target_id = ?", probe.id));
    }

    @Test
    void aRepricingRunLeavesOneRow() throws Exception {
        Instant before = Instant.now();
        long runs = count("WHERE action = 'usage.reprice'", null);
        admin().when().post("/v1/admin/usage/reprice").then().statusCode(200);
        assertEquals(runs + 1, count("WHERE action = 'usage.reprice'", null));
        admin().queryParam("action", "usage.reprice").queryParam("actor", "admin")
                .queryParam("from", before.minusSeconds(1).toString()).queryParam("limit", 1)
                .when().get("/v1/admin/audit").then().statusCode(200)
                .body("limit", equalTo(1))
                .body("data", hasSize(1))
                .body("data[0].after.repriced", notNullValue())
                .body("data[0].actor_subject", notNullValue());
    }

    @Test
    void theSearchIsNewestFirstAndClampsItsLimit() {
        admin().queryParam("limit", 5000).when().get("/v1/admin/audit").then().statusCode(200)
                .body("limit", equalTo(200));
        admin().queryParam("limit", 0).when().get("/v1/admin/audit").then().statusCode(200)
                .body("limit", equalTo(1));
        admin().queryParam("from", "last week").when().get("/v1/admin/audit").then().statusCode(400)
                .body("error", equalTo("bad_request"));
        admin().queryParam("offset", -1).when().get("/v1/admin/audit").then().statusCode(400);
        var ats = admin().queryParam("limit", 50).when().get("/v1/admin/audit").then().statusCode(200)
                .extract().jsonPath().getList("data.at", String.class);
        for (int i = 1; i < ats.size(); i++) {
            assertTrue(!Instant.parse(ats.get(i)).isAfter(Instant.parse(ats.get(i - 1))), "newest first: " + ats);
        }
    }

    @Test
    void customersAreForbiddenAndAnonymousCallersUnauthorized() {
        given().auth().oauth2(Tokens.demo()).when().get("/v1/admin/audit").then()
                .statusCode(403).body("error", equalTo("forbidden"));
        given().when().get("/v1/admin/audit").then().statusCode(401).body("error", equalTo("unauthorized"));
    }

    @Test
    void theDatabaseRefusesToUpdateOrDeleteAuditRows() throws Exception {
        String target = "append-only-" + UUID.randomUUID();
        try (Connection c = db.getConnection(); var ps = c.prepareStatement("""
                INSERT INTO audit_log (actor_subject, action, target_type, target_id, detail)
                VALUES ('test', 'test.append_only', 'test', ?, 'original')""")) {
            ps.setString(1, target);
            ps.executeUpdate();
        }
        // The service's role lacks the privilege (V14); even the owner, who has it, meets the triggers (V6).
        for (String sql : new String[] { "UPDATE audit_log SET detail = 'changed' WHERE target_id = ?",
                "DELETE FROM audit_log WHERE target_id = ?" }) {
            SQLException runtime = assertThrows(SQLException.class, () -> {
                try (Connection c = db.getConnection(); var ps = c.prepareStatement(sql)) {
                    ps.setString(1, target);
                    ps.executeUpdate();
                }
            });
            assertEquals("42501", runtime.getSQLState(), runtime.getMessage());
            SQLException owner = assertThrows(SQLException.class, () -> {
                try (Connection c = OwnerDb.connect(); var ps = c.prepareStatement(sql)) {
                    ps.setString(1, target);
                    ps.executeUpdate();
                }
            });
            assertTrue(owner.getMessage().contains("append-only"), owner.getMessage());
        }
        for (var connect : List.<java.util.concurrent.Callable<Connection>> of(db::getConnection, OwnerDb::connect)) {
            assertThrows(SQLException.class, () -> {
                try (Connection c = connect.call(); var st = c.createStatement()) {
                    st.execute("TRUNCATE audit_log");
                }
            });
        }
        assertEquals(1, count("WHERE target_id = ? AND detail = 'original'", target));
    }
}
