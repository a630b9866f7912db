package ai.bitrouter.billing.web.admin;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.bitrouter.billing.metering.MeteringService;
import ai.bitrouter.billing.metering.UsageEventParser;
import ai.bitrouter.billing.testsupport.TestAccounts;
import ai.bitrouter.billing.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/** {@code GET /v1/admin/usage/parked/events}: the parked rows behind the counts, admins only. */
@QuarkusTest
class AdminParkedEventsApiTest {

    @Inject
    DataSource db;

    @Inject
    MeteringService metering;

    @Inject
    ObjectMapper json;

    /** An event for a model the catalog does not know: metering parks it (pricing state unknown). */
    private String park(String ns, Instant time) {
        String id = "req_parked_" + UUID.randomUUID();
        String payload = """
                {"specversion":"1.0","id":"%s","source":"router://test","type":"ai.bitrouter.usage.v1","subject":"%s",
                 "time":"%s","data":{"request_id":"%s","namespace_id":"%s","model":"nobody/unlisted-%s",
                 "served_model_id":"nobody/unlisted-%s","provider_id":"bitrouter","status":"succeeded",
                 "funding_source":"cloud_credit","usage":{"prompt_tokens":5,"completion_tokens":5},"streamed":true}}
                """.formatted(id, ns, time, id, ns, id, id);
        var parsed = (UsageEventParser.Parsed) new UsageEventParser(json).parse(payload);
        MeteringService.Prepared prepared = metering.prepare(List.of(new MeteringService.Incoming(parsed.event(),
                payload.getBytes(StandardCharsets.UTF_8), null, null)));
        assertTrue(prepared.rejected().isEmpty(), () -> "rejected: " + prepared.rejected());
        metering.append(prepared.accepted());
        return id;
    }

    @Test
    void adminsListParkedEventsByReasonOldestFirst() {
        TestAccounts.Tenant t = TestAccounts.create(db);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String older = park(t.namespaceId(), now.minusSeconds(3600 * 24 * 400L)); // older than anything else parked
        park(t.namespaceId(), now.minusSeconds(10));

        Map<String, Integer> byReason = given().auth().oauth2(Tokens.admin()).when().get("/v1/admin/usage/parked")
                .then().statusCode(200).extract().jsonPath().getMap("by_reason");
        JsonPath all = given().auth().oauth2(Tokens.admin()).queryParam("limit", 200).when()
                .get("/v1/admin/usage/parked/events").then().statusCode(200)
                .body("limit", equalTo(200)).body("offset", equalTo(0))
                .extract().jsonPath();
        List<String> ids = all.getList("data.request_id", String.class);
        assertEquals(older, ids.get(0), "oldest first");
        String reason = all.getString("data[0].reason");
        assertEquals(t.namespaceId(), all.getString("data[0].namespace_id"));
        assertTrue(byReason.containsKey(reason), "the reason is one of the counted ones: " + byReason);

        JsonPath ofReason = given().auth().oauth2(Tokens.admin()).queryParam("reason", reason).queryParam("limit", 200)
                .when().get("/v1/admin/usage/parked/events").then().statusCode(200).extract().jsonPath();
        assertTrue(ofReason.getList("data.reason", String.class).stream().allMatch(reason::equals));
        assertEquals(byReason.get(reason).intValue() > 200 ? 200 : byReason.get(reason).intValue(),
                ofReason.getList("data").size(), "as many as the count of that reason");
        given().auth().oauth2(Tokens.admin()).queryParam("reason", "no-such-reason-" + UUID.randomUUID()).when()
                .get("/v1/admin/usage/parked/events").then().statusCode(200).body("data.size()", equalTo(0));
        given().auth().oauth2(Tokens.admin()).queryParam("offset", -1).when()
                .get("/v1/admin/usage/parked/events").then().statusCode(400).body("error", equalTo("bad_request"));
    }

    @Test
    void customersAndAnonymousCallersAreRefused() {
        given().auth().oauth2(Tokens.demo()).when().get("/v1/admin/usage/parked/events").then()
                .statusCode(403).body("error", equalTo("forbidden"));
        given().when().get("/v1/admin/usage/parked/events").then()
                .statusCode(401).body("error", equalTo("unauthorized"));
    }
}
