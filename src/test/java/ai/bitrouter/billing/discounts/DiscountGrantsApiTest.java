package ai.bitrouter.billing.discounts;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.testsupport.TestAccounts;
import ai.bitrouter.billing.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;

/** The discount-grant admin API with real Keycloak tokens: who may call it, its validation, overlaps and revokes. */
@QuarkusTest
class DiscountGrantsApiTest {

    @Inject
    DataSource db;

    @Inject
    DiscountGrants discounts;

    TestAccounts.Tenant tenant;

    @BeforeEach
    void tenant() {
        tenant = TestAccounts.create(db);
    }

    static RequestSpecification admin() {
        return given().auth().oauth2(Tokens.admin());
    }

    static String body(String percent, String startsAt, String endsAt) {
        return "{\"percent\": " + percent + ", \"reason\": \"open-source project\", "
                + "\"project_url\": \"https://github.com/example/project\""
                + (startsAt == null ? "" : ", \"starts_at\": \"" + startsAt + "\"")
                + (endsAt == null ? "" : ", \"ends_at\": \"" + endsAt + "\"") + "}";
    }

    private ValidatableResponse grant(String body) {
        return admin().contentType(ContentType.JSON).body(body)
                .when().post("/v1/admin/accounts/{a}/discounts", tenant.accountId()).then();
    }

    private long auditRows(String action, String targetId) throws SQLException {
        try (var c = db.getConnection();
                var ps = c.prepareStatement("SELECT count(*) FROM audit_log WHERE action = ? AND target_id = ?")) {
            ps.setString(1, action);
            ps.setString(2, targetId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void aGrantIsCreatedWithItsPercentAsADecimalStringAndAudited() throws Exception {
        String id = grant(body("\"12.5\"", "2026-11-01T00:00:00Z", null)).statusCode(201)
                .body("percent", equalTo("12.5"))
                .body("account_id", equalTo(tenant.accountId().toString()))
                .body("reason", equalTo("open-source project"))
                .body("project_url", equalTo("https://github.com/example/project"))
                .body("starts_at", equalTo("2026-11-01T00:00:00Z"))
                .body("ends_at", nullValue())
                .body("granted_by", notNullValue())
                .body("state", equalTo("active"))
                .extract().path("id");
        assertEquals(1, auditRows("discount.grant", id));
        admin().queryParam("action", "discount.grant").queryParam("target_id", id).when().get("/v1/admin/audit").then()
                .statusCode(200)
                .body("data", hasSize(1))
                .body("data[0].actor_username", equalTo("admin"))
                .body("data[0].before", nullValue())
                .body("data[0].after.percent", equalTo("12.5"))
                .body("data[0].after.state", equalTo("active"));
    }

    @Test
    void aPercentOutsideZeroToFiftyOrAMissingFieldIs400() {
        for (String percent : new String[] { "\"51\"", "\"0\"", "-1", "\"50.0001\"", "\"forty\"", "null" }) {
            grant(body(percent, null, null)).statusCode(400).body("error", equalTo("bad_request"));
        }
        grant("{\"percent\": \"40\", \"project_url\": \"https://example.org\"}").statusCode(400);
        grant("{\"percent\": \"40\", \"reason\": \"oss\"}").statusCode(400);
        grant("{\"percent\": \"40\", \"reason\": \"oss\", \"project_url\": \"ftp://example.org/x\"}").statusCode(400);
        grant("{\"percent\": \"40\", \"reason\": \"oss\", \"project_url\": \"not a url\"}").statusCode(400);
        grant(body("\"40\"", "2026-11-02T00:00:00Z", "2026-11-01T00:00:00Z")).statusCode(400);
        grant(body("\"40\"", "yesterday", null)).statusCode(400);
        grant("[1]").statusCode(400);
        admin().when().get("/v1/admin/accounts/{a}/discounts", tenant.accountId()).then().statusCode(200)
                .body("data", hasSize(0));
        grant(body("50", null, null)).statusCode(201).body("percent", equalTo("50"));
    }

    @Test
    void theDatabaseRefusesAPercentAboveTheCapEvenWithoutTheApi() {
        assertThrows(IllegalStateException.class, () -> TestAccounts.grant(db, tenant.accountId(),
                new BigDecimal("50.5"), Instant.parse("2026-11-01T00:00:00Z"), null));
        assertThrows(IllegalStateException.class, () -> TestAccounts.grant(db, tenant.accountId(), BigDecimal.ZERO,
                Instant.parse("2026-11-01T00:00:00Z"), null));
    }

    @Test
    void anUnknownAccountIs404() {
        admin().contentType(ContentType.JSON).body(body("\"40\"", null, null))
                .when().post("/v1/admin/accounts/{a}/discounts", UUID.randomUUID()).then()
                .statusCode(404).body("error", equalTo("not_found"));
        admin().when().get("/v1/admin/accounts/{a}/discounts", "not-a-uuid").then().statusCode(404);
    }

    @Test
    void overlappingGrantsAre409AndOnlyTheFirstIsAudited() throws Exception {
        grant(body("\"40\"", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")).statusCode(201);
        grant(body("\"30\"", "2026-11-15T00:00:00Z", null)).statusCode(409).body("error", equalTo("conflict"));
        grant(body("\"30\"", "2026-10-01T00:00:00Z", "2026-11-01T00:00:01Z")).statusCode(409);
        // Touching ranges do not overlap: [start, end) ends where the next begins.
        grant(body("\"30\"", "2026-12-01T00:00:00Z", null)).statusCode(201);
        admin().when().get("/v1/admin/accounts/{a}/discounts", tenant.accountId()).then().statusCode(200)
                .body("data", hasSize(2));
        try (var c = db.getConnection(); var ps = c.prepareStatement("""
                SELECT count(*) FROM audit_log a JOIN discount_grants g ON a.target_id = g.id::text
                WHERE g.account_id = ? AND a.action = 'discount.grant'""")) {
            ps.setObject(1, tenant.accountId());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(2, rs.getLong(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void revokingEndsTheGrantFromNowAndAListShowsItEnded() throws Exception {
        Instant before = Instant.now().truncatedTo(ChronoUnit.MICROS);
        String id = grant(body("\"40\"", "2026-11-01T00:00:00Z", null)).statusCode(201).extract().path("id");
        String endsAt = admin().when().post("/v1/admin/accounts/{a}/discounts/{g}/revoke", tenant.accountId(), id)
                .then().statusCode(200)
                .body("state", equalTo("ended"))
                .body("starts_at", equalTo("2026-11-01T00:00:00Z"))
                .body("revoked_by", notNullValue())
                .extract().path("ends_at");
        Instant ended = Instant.parse(endsAt);
        assertEquals(true, !ended.isBefore(before) && !ended.isAfter(Instant.now()), "ends at the revoke: " + endsAt);
        admin().when().get("/v1/admin/accounts/{a}/discounts", tenant.accountId()).then().statusCode(200)
                .body("data", hasSize(1))
                .body("data[0].state", equalTo("ended"))
                .body("data[0].ends_at", equalTo(endsAt));
        admin().when().post("/v1/admin/accounts/{a}/discounts/{g}/revoke", tenant.accountId(), id).then()
                .statusCode(409).body("error", equalTo("conflict"));
        admin().when().post("/v1/admin/accounts/{a}/discounts/{g}/revoke", tenant.accountId(), UUID.randomUUID())
                .then().statusCode(404);
        assertEquals(1, auditRows("discount.revoke", id));
        admin().queryParam("action", "discount.revoke").queryParam("target_id", id).when().get("/v1/admin/audit")
                .then().statusCode(200)
                .body("data", hasSize(1))
                .body("data[0].before.state", equalTo("active"))
                .body("data[0].before.ends_at", nullValue())
                .body("data[0].after.state", equalTo("ended"))
                .body("data[0].after.ends_at", equalTo(endsAt));
        // The period after the revoke is free again.
        grant(body("\"20\"", null, null)).statusCode(201).body("state", equalTo("active"));
    }

    @Test
    void revokingAGrantThatHasNotStartedMarksItRevokedAndItNeverApplies() {
        Instant tomorrow = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        String id = grant(body("\"40\"", tomorrow.toString(), null)).statusCode(201)
                .body("state", equalTo("scheduled")).extract().path("id");
        admin().when().delete("/v1/admin/accounts/{a}/discounts/{g}", tenant.accountId(), id).then().statusCode(200)
                .body("state", equalTo("revoked"))
                .body("starts_at", equalTo(tomorrow.toString()))
                .body("ends_at", nullValue())
                .body("revoked_at", notNullValue());
        assertEquals(Optional.empty(), discounts.forAccounts(List.of(tenant.accountId())).at(tenant.accountId(),
                tomorrow.plus(2, ChronoUnit.DAYS)));
    }

    @Test
    void customersAreForbiddenAndAnonymousCallersUnauthorizedOnEveryAdminEndpoint() {
        String customer = Tokens.demo();
        UUID account = tenant.accountId();
        UUID grant = UUID.randomUUID();
        String json = body("\"40\"", null, null);
        expect(403, () -> given().auth().oauth2(customer), account, grant, json);
        expect(401, () -> given(), account, grant, json);
        // Nothing was granted by those calls.
        admin().when().get("/v1/admin/accounts/{a}/discounts", account).then().statusCode(200).body("data", hasSize(0));
    }

    private static void expect(int status, Supplier<RequestSpecification> spec, UUID account, UUID grant,
            String json) {
        String code = status == 403 ? "forbidden" : "unauthorized";
        spec.get().contentType(ContentType.JSON).body(json).when().post("/v1/admin/accounts/{a}/discounts", account).then()
                .statusCode(status).body("error", equalTo(code));
        spec.get().when().get("/v1/admin/accounts/{a}/discounts", account).then().statusCode(status).body("error", equalTo(code));
        spec.get().when().post("/v1/admin/accounts/{a}/discounts/{g}/revoke", account, grant).then()
                .statusCode(status).body("error", equalTo(code));
        spec.get().when().delete("/v1/admin/accounts/{a}/discounts/{g}", account, grant).then()
                .statusCode(status).body("error", equalTo(code));
        spec.get().queryParam("q", "test").when().get("/v1/admin/accounts").then().statusCode(status).body("error", equalTo(code));
        spec.get().when().get("/v1/admin/accounts/{a}", account).then().statusCode(status).body("error", equalTo(code));
        spec.get().when().get("/v1/admin/audit").then().statusCode(status).body("error", equalTo(code));
    }

    @Test
    void adminsFindAccountsByEmailIdOrOwnerAndSeeTheirNamespacesAndGrants() {
        String id = tenant.accountId().toString();
        for (String q : new String[] { id, "test-" + id, id.substring(0, 13).toUpperCase() + "-" }) {
            admin().queryParam("q", q).when().get("/v1/admin/accounts").then().statusCode(200)
                    .body("data.id", hasItem(id));
        }
        admin().queryParam("q", "%").queryParam("limit", 1000).when().get("/v1/admin/accounts").then().statusCode(200)
                .body("limit", equalTo(100));
        grant(body("\"40\"", "2026-11-01T00:00:00Z", null)).statusCode(201);
        admin().when().get("/v1/admin/accounts/{a}", id).then().statusCode(200)
                .body("account.id", equalTo(id))
                .body("account.email", equalTo(id + "@test.local"))
                .body("namespaces.id", hasItem(tenant.namespaceId()))
                .body("month_to_date.spend_micro_usd", equalTo(0))
                .body("grants", hasSize(1))
                .body("grants[0].percent", equalTo("40"));
        admin().when().get("/v1/admin/accounts/{a}", UUID.randomUUID()).then().statusCode(404)
                .body("error", equalTo("not_found"));
    }
}
