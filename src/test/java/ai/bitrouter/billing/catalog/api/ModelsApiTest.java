package ai.bitrouter.billing.catalog.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.emptyIterable;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.nullValue;

import java.net.URI;
import java.net.URL;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** The public price list, read without signing in. The seed (or the test feed, same prices) is in force. */
@QuarkusTest
class ModelsApiTest {

    private static final String KIMI = "data.find { it.id == 'moonshotai/kimi-k2.6' }";

    @Test
    void everyoneSeesKimiWithItsOfficialAndSelfHostedPrices() {
        given().when().get("/v1/models").then()
                .statusCode(200)
                .body("currency", equalTo("USD"))
                .body("unit", equalTo("usd_per_1m_tokens"))
                .body(KIMI + ".official_price.source", equalTo("vendor"))
                .body(KIMI + ".official_price.derived", equalTo(false))
                .body(KIMI + ".official_price.basis_provider", equalTo("moonshotai"))
                .body(KIMI + ".official_price.pricing.input_tokens.no_cache", equalTo("0.95"))
                .body(KIMI + ".official_price.pricing.input_tokens.cache_read", equalTo("0.16"))
                .body(KIMI + ".official_price.pricing.output_tokens.text", equalTo("4"))
                .body(KIMI + ".self_hosted.provider", equalTo("bitrouter"))
                .body(KIMI + ".self_hosted.discount_percent", equalTo("25"))
                .body(KIMI + ".self_hosted.pricing.input_tokens.no_cache", equalTo("0.7125"))
                .body(KIMI + ".self_hosted.pricing.output_tokens.text", equalTo("3"))
                .body(KIMI + ".self_hosted.discount_variant.suffix", equalTo(":discount"))
                .body(KIMI + ".self_hosted.discount_variant.min_discount_percent", equalTo("25"))
                .body(KIMI + ".self_hosted.discount_variant.max_discount_percent", equalTo("50"))
                .body(KIMI + ".self_hosted.discount_variant.pricing_at_max_discount.input_tokens.no_cache",
                        equalTo("0.475"))
                .body(KIMI + ".providers.find { it.id == 'bitrouter' }.self_hosted", equalTo(true))
                .body(KIMI + ".providers.find { it.id == 'moonshotai' }.pricing.input_tokens.no_cache",
                        equalTo("0.95"));
    }

    @Test
    void closedFamiliesHaveNoSelfHostedPriceAndDerivedOfficialPricesSaySo() {
        String claude = "data.find { it.id == 'anthropic/claude-sonnet-4.6' }";
        String deepseek = "data.find { it.id == 'deepseek/deepseek-v3.2' }";
        given().when().get("/v1/models").then()
                .statusCode(200)
                .body(claude + ".closed_family", equalTo(true))
                .body(claude + ".self_hosted", nullValue())
                .body(claude + ".official_price.pricing.output_tokens.text", equalTo("15"))
                .body(deepseek + ".official_price.derived", equalTo(true))
                .body(deepseek + ".official_price.source", equalTo("derived"))
                .body(deepseek + ".official_price.pricing.input_tokens.no_cache", equalTo("0.28"))
                .body(deepseek + ".self_hosted.pricing.input_tokens.no_cache", equalTo("0.21"));
    }

    @Test
    void oneModelIsAddressedByItsIdSlashIncluded() {
        given().when().get("/v1/models/moonshotai/kimi-k2.6").then()
                .statusCode(200)
                .body("id", equalTo("moonshotai/kimi-k2.6"))
                .body("self_hosted.pricing.input_tokens.no_cache", equalTo("0.7125"));
    }

    @Test
    void anUnknownModelIs404InTheEnvelope() {
        given().when().get("/v1/models/moonshotai/kimi-k9").then()
                .statusCode(404)
                .body("error", equalTo("not_found"))
                .body("error_description", equalTo("model moonshotai/kimi-k9 is not in the catalog"));
    }

    @Test
    void thePriceListCanBeReadAsOfAnInstant() {
        given().queryParam("at", "1969-12-31T23:59:59Z").when().get("/v1/models").then()
                .statusCode(200)
                .body("data", emptyIterable())
                .body("catalog_version", nullValue());
        given().queryParam("at", "2000-01-01T00:00:00Z").when().get("/v1/models/openai/gpt-5.4").then()
                .statusCode(200)
                .body("closed_family", equalTo(true));
        given().queryParam("at", "yesterday").when().get("/v1/models").then()
                .statusCode(400)
                .body("error", equalTo("bad_request"));
    }

    /** The OpenAPI document is on the management port (application.properties), not on the public API port. */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    @Test
    void theEndpointsAreInTheOpenApiDocument() {
        given().queryParam("format", "json").when().get(URI.create(management.toString()).resolve("/q/openapi")).then()
                .statusCode(200)
                .body("paths", hasKey("/v1/models"))
                .body("paths.keySet()", hasItem("/v1/admin/catalog/imports"));
        given().queryParam("format", "json").when().get("/q/openapi").then().statusCode(404);
    }
}
