package ai.bitrouter.billing.catalog.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.bitrouter.billing.catalog.CatalogService;
import ai.bitrouter.billing.catalog.Probe;
import ai.bitrouter.billing.catalog.RegistryFixture;
import ai.bitrouter.billing.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * Catalog administration through the API with real Keycloak tokens. The database is shared with other test
 * classes, so each test compares versions before and after rather than assuming an empty catalog.
 */
@QuarkusTest
class AdminCatalogApiTest {

    @Inject
    CatalogService catalog;

    private static ValidatableResponse upload(String body) {
        return given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(body)
                .when().post("/v1/admin/catalog/imports").then();
    }

    @Test
    void anUploadedFeedBecomesTheCatalogInForce() {
        Probe probe = new Probe();

        upload(probe.upload("1.1")).statusCode(200)
                .body("outcome", equalTo("created"))
                .body("version_id", notNullValue())
                .body("totals.models", equalTo(RegistryFixture.MODELS + 1))
                .body("changes.models.added.id", hasItem(probe.id))
                .body("changes.keySet()", containsInAnyOrder("models", "providers", "prices", "official_prices"))
                .body("changes.prices.keySet()", containsInAnyOrder("added", "removed", "changed"))
                .body("warnings.code", hasItem("self_hosted_price_mismatch"));

        given().when().get("/v1/models").then().statusCode(200)
                .body("data", hasSize(RegistryFixture.MODELS + 1))
                .body("data.id", hasItem(probe.id))
                .body("data.find { it.id == '" + probe.id + "' }.official_price.derived", equalTo(true))
                .body("data.find { it.id == '" + probe.id + "' }.official_price.pricing.input_tokens.no_cache",
                        equalTo("1"));
    }

    @Test
    void importingTheSameFeedTwiceCreatesNoNewVersion() {
        String body = new Probe().upload("1.2");
        String created = upload(body).statusCode(200).body("outcome", equalTo("created"))
                .extract().path("version_id");
        int versions = catalog.versions().size();

        upload(body).statusCode(200)
                .body("outcome", equalTo("unchanged"))
                .body("version_id", equalTo(created))
                .body("changes.prices.changed", hasSize(0));

        assertEquals(versions, catalog.versions().size());
        assertEquals(created, catalog.current().orElseThrow().versionId());
    }

    @Test
    void aMalformedFeedIs400AndLeavesTheCatalogAsItWas() {
        upload(new Probe().upload("1.3")).statusCode(200);
        String before = catalog.current().orElseThrow().versionId();
        int versions = catalog.versions().size();

        upload("{\"models\": {\"data\": [").statusCode(400)
                .body("error", equalTo("bad_request"))
                .body("error_description", containsString("request body: not valid JSON"));
        upload("{\"models\": {}}").statusCode(400)
                .body("error_description", containsString("expected {\"models\": <models.json>"));

        assertEquals(before, catalog.current().orElseThrow().versionId());
        assertEquals(versions, catalog.versions().size());
        given().auth().oauth2(Tokens.admin()).queryParam("limit", 1).when().get("/v1/admin/catalog/imports").then()
                .statusCode(200)
                .body("limit", equalTo(1))
                .body("data[0].outcome", equalTo("rejected"))
                .body("data[0].trigger", equalTo("admin"))
                .body("data[0].origin", equalTo("upload"))
                .body("data[0].report.problems[0]", containsString("expected {\"models\""));
    }

    @Test
    void aBadOfferIsSkippedKeepsItsPreviousPriceAndTheRunListsIt() {
        Probe probe = new Probe();
        upload(probe.upload("1.35")).statusCode(200).body("outcome", equalTo("created"));

        // The same probe, now with a negative rate on one offer and a new price on the other.
        upload(probe.upload("0.6", "-1")).statusCode(200)
                .body("outcome", equalTo("created"))
                .body("warnings.find { it.code == 'skipped_offer' }.model", equalTo(probe.id))
                .body("warnings.find { it.code == 'skipped_offer' }.provider", equalTo("openrouter"))
                .body("warnings.find { it.code == 'skipped_offer' }.message",
                        containsString("(openrouter).pricing.input_tokens.no_cache: a rate must not be negative, "
                                + "got -1; the previous version's price is kept"))
                .body("changes.prices.changed.provider", hasItem("bitrouter"))
                .body("changes.prices.changed.provider", org.hamcrest.Matchers.not(hasItem("openrouter")));

        assertEquals(new java.math.BigDecimal("1.35"), catalog.current().orElseThrow().snapshot()
                .listedPrice(probe.id, "openrouter").orElseThrow().base().noCache());
        given().auth().oauth2(Tokens.admin()).queryParam("limit", 1).when().get("/v1/admin/catalog/imports").then()
                .statusCode(200)
                .body("data[0].outcome", equalTo("created"))
                .body("data[0].report.warnings.code", hasItem("skipped_offer"));
    }

    @Test
    void importRunsAreListedNewestFirstWithTheirReports() {
        String version = upload(new Probe().upload("1.4")).statusCode(200).extract().path("version_id");

        given().auth().oauth2(Tokens.admin()).when().get("/v1/admin/catalog/imports").then()
                .statusCode(200)
                .body("data[0].outcome", equalTo("created"))
                .body("data[0].version_id", equalTo(version))
                .body("data[0].report.version_id", equalTo(version))
                .body("data[0].report.totals.models", equalTo(RegistryFixture.MODELS + 1));
    }

    @Test
    void withoutABodyTheConfiguredRegistryIsUsedAndTestsConfigureNone() {
        given().auth().oauth2(Tokens.admin()).when().post("/v1/admin/catalog/imports").then()
                .statusCode(400)
                .body("error_description", containsString("no registry location is configured"));
    }

    @Test
    void anAdminSetOfficialPriceIsANewVersionAndSurvivesImports() {
        Probe probe = new Probe();
        String feed = probe.upload("1.5");
        upload(feed).statusCode(200).body("outcome", equalTo("created"));
        String body = "{\"pricing\": {\"input_tokens\": {\"no_cache\": \"1.20\"}, \"output_tokens\": {\"text\": 5}},"
                + " \"note\": \"vendor price list of July\"}";

        String version = given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(body)
                .when().put("/v1/admin/catalog/models/" + probe.id + "/official-price").then()
                .statusCode(200)
                .body("outcome", equalTo("created"))
                .body("changes.official_prices.changed[0].model", equalTo(probe.id))
                .body("changes.official_prices.changed[0].old.source", equalTo("derived"))
                .body("changes.official_prices.changed[0].new.source", equalTo("admin"))
                .body("changes.official_prices.changed[0].new.pricing.input_tokens.no_cache", equalTo("1.2"))
                .extract().path("version_id");
        assertEquals(version, catalog.current().orElseThrow().versionId());
        assertEquals("admin", catalog.current().orElseThrow().header().source());

        upload(feed).statusCode(200).body("outcome", equalTo("unchanged"));
        given().when().get("/v1/models/" + probe.id).then().statusCode(200)
                .body("official_price.source", equalTo("admin"))
                .body("official_price.derived", equalTo(false))
                .body("self_hosted.pricing.input_tokens.no_cache", equalTo("0.9"));
    }

    @Test
    void anOfficialPriceForAnUnknownModelOrWithoutRatesIsRefused() {
        String body = "{\"pricing\": {\"input_tokens\": {\"no_cache\": 1}}}";
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(body)
                .when().put("/v1/admin/catalog/models/acme/unknown-1/official-price").then()
                .statusCode(404)
                .body("error", equalTo("not_found"));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body("{\"pricing\": {\"input_tokens\": {\"no_cache\": \"cheap\"}}}")
                .when().put("/v1/admin/catalog/models/moonshotai/kimi-k2.6/official-price").then()
                .statusCode(400)
                .body("error_description", containsString("pricing.input_tokens.no_cache"));
    }

    @Test
    void customersAreForbiddenAndAnonymousCallersUnauthorized() {
        String customer = Tokens.demo();
        given().auth().oauth2(customer).contentType(ContentType.JSON).body(new Probe().upload("1.6"))
                .when().post("/v1/admin/catalog/imports").then()
                .statusCode(403).body("error", equalTo("forbidden"));
        given().auth().oauth2(customer).when().get("/v1/admin/catalog/imports").then()
                .statusCode(403).body("error", equalTo("forbidden"));
        given().auth().oauth2(customer).contentType(ContentType.JSON).body("{\"pricing\": {}}")
                .when().put("/v1/admin/catalog/models/moonshotai/kimi-k2.6/official-price").then()
                .statusCode(403).body("error", equalTo("forbidden"));
        given().when().get("/v1/admin/catalog/imports").then()
                .statusCode(401).body("error", equalTo("unauthorized"));
    }
}
