package ai.bitrouter.billing.web;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

import ai.bitrouter.billing.accounts.AccountProvisioner;
import ai.bitrouter.billing.security.KeycloakAdmin;
import ai.bitrouter.billing.testsupport.DeviceFlowClient;
import ai.bitrouter.billing.testsupport.TestAccounts;
import ai.bitrouter.billing.testsupport.Tokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/**
 * The /ui pages in a real headless Chromium, signed in through Keycloak's own login form, against the real stack:
 * usage goes in through Kafka and the metering consumer, and every number the usage page shows is compared with
 * what the JSON API answers the same person's CLI token. One Quarkus boot and one browser for the whole class; the
 * methods run in order because they share the browser's sign-in. Screenshots land in target/screenshots.
 */
@QuarkusTest
@Tag("browser")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebPagesBrowserTest {
    static final String TOPIC = "bitrouter.usage.v1";
    static Browser browser;

    /** Shared between the ordered methods: the demo user's namespace and the request ids seeded into it. */
    static String demoNamespace;
    static final List<String> demoRequestIds = new ArrayList<>();

    @TestHTTPResource("/")
    URL base;

    @Inject
    DataSource db;

    @Inject
    AccountProvisioner provisioner;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @BeforeAll
    static void startBrowser() {
        browser = new Browser();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    private String url(String path) {
        String b = base.toString();
        return (b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + path;
    }

    @Test
    @Order(1)
    void theDemoUserSignsInAndTheUsagePageShowsTheApisNumbers() throws Exception {
        browser.open(url("/ui/usage"));
        assertTrue(browser.raw().getCurrentUrl().contains("/realms/bitrouter/"),
                "an anonymous visit goes to Keycloak's sign-in: " + browser.raw().getCurrentUrl());
        browser.signInAtKeycloak("demo", "demo");
        browser.waiting().until(d -> !d.findElements(By.id("running-total")).isEmpty());
        assertEquals("demo", browser.byId("signed-in-user").getText());

        // The page's identity is the CLI token's identity: the same Keycloak subject owns the account it created.
        String cliToken = Tokens.demo();
        String subject = DeviceFlowClient.decodeJwtPayload(cliToken).get("sub").asText();
        demoNamespace = provisioner.find(subject).orElseThrow().namespaceId();
        String apiMe = given().auth().oauth2(cliToken).when().get("/v1/namespaces/me/usage").then().statusCode(200)
                .extract().asString();
        assertNotNull(apiMe);
        assertTrue(browser.raw().getPageSource().contains(demoNamespace), "the namespace list shows " + demoNamespace);

        // Usage: last month on three days, with two models and a failed request, and four requests this month.
        YearMonth previous = YearMonth.now(ZoneOffset.UTC).minusMonths(1);
        Instant day3 = previous.atDay(3).atTime(10, 0).toInstant(ZoneOffset.UTC);
        Instant day5 = previous.atDay(5).atTime(12, 0).toInstant(ZoneOffset.UTC);
        Instant day9 = previous.atDay(9).atTime(23, 59).toInstant(ZoneOffset.UTC);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String kimi = "moonshotai/kimi-k2.6";
        String sonnet = "anthropic/claude-sonnet-4.6";
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            events.add(event(kimi, "bitrouter", "succeeded", "{\"prompt_tokens\":1,\"completion_tokens\":0}",
                    day3.plusSeconds(i)));
        }
        events.add(event(kimi, "bitrouter", "succeeded", "{\"prompt_tokens\":1000,\"completion_tokens\":100}",
                day3.plusSeconds(60)));
        events.add(event(sonnet, "anthropic", "succeeded", "{\"prompt_tokens\":100,\"completion_tokens\":10}", day5));
        events.add(event(sonnet, "anthropic", "succeeded", "{\"prompt_tokens\":100,\"completion_tokens\":10}",
                day5.plusSeconds(5)));
        events.add(event(kimi, "bitrouter", "failed", "{\"prompt_tokens\":500,\"completion_tokens\":0}", day9));
        // This month: three requests of 0.7125 micro-USD and one of 7.9875: rounded once the total is 10 (2.1375 +
        // 7.9875 = 10.125); rounded request by request it would be 11.
        for (int i = 3; i >= 1; i--) {
            events.add(event(kimi, "bitrouter", "succeeded", "{\"prompt_tokens\":1,\"completion_tokens\":0}",
                    now.minusSeconds(60L * i)));
        }
        events.add(event(kimi, "bitrouter", "succeeded", "{\"prompt_tokens\":7,\"completion_tokens\":1}",
                now.minusSeconds(30)));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new StringSerializer())) {
            for (String e : events) {
                producer.send(new ProducerRecord<>(TOPIC, demoNamespace, e)).get();
            }
        }
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
                given().auth().oauth2(Tokens.demo()).queryParam("limit", 100).when()
                        .get("/v1/namespaces/{ns}/requests", demoNamespace).then().statusCode(200).extract()
                        .jsonPath().getList("data").size() == events.size());

        // This month: the running total equals the API's spend for the window the page names.
        browser.open(url("/ui/usage"));
        long shownTotal = micro(browser.byId("running-total").getText());
        assertEquals(shownTotal, Long.parseLong(browser.byId("running-total").getDomAttribute("data-micro-usd")));
        String from = browser.byId("window-from").getText();
        String to = browser.byId("window-to").getText();
        JsonPath usage = given().auth().oauth2(Tokens.demo()).queryParam("from", from).queryParam("to", to).when()
                .get("/v1/namespaces/{ns}/usage", demoNamespace).then().statusCode(200).extract().jsonPath();
        assertEquals(usage.getLong("spend_micro_usd"), shownTotal, "running total, page vs API");
        assertEquals(10, shownTotal, "rounded once from 10.125, not request by request (11)");
        browser.screenshot("usage-this-month");

        // The request log, unfiltered: the API's first page, row for row, with the same charges.
        JsonPath log = given().auth().oauth2(Tokens.demo()).queryParam("limit", 25).when()
                .get("/v1/namespaces/{ns}/requests", demoNamespace).then().statusCode(200).extract().jsonPath();
        List<WebElement> rows = browser.raw().findElements(By.cssSelector("#requests tbody tr"));
        List<String> apiIds = log.getList("data.request_id", String.class);
        assertEquals(apiIds.size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            WebElement row = rows.get(i);
            assertEquals(apiIds.get(i), row.getDomAttribute("data-request-id"), "row " + i);
            Long apiCharge = log.getObject("data[" + i + "].final_charge_micro_usd", Long.class);
            String shown = row.findElement(By.cssSelector("td.charge")).getText();
            assertEquals(apiCharge, micro(shown), "charge of " + apiIds.get(i));
        }
        demoRequestIds.addAll(apiIds);

        // Filters: status, then model (each a fresh GET of the form).
        new Select(browser.byId("log-status")).selectByValue("failed");
        browser.byId("log-status").submit();
        browser.waiting().until(d -> d.getCurrentUrl().contains("status=failed"));
        List<WebElement> failed = browser.raw().findElements(By.cssSelector("#requests tbody tr"));
        assertEquals(1, failed.size());
        assertEquals("failed", failed.get(0).findElements(By.tagName("td")).get(3).getText());
        browser.open(url("/ui/usage?model=" + sonnet));
        assertEquals(2, browser.raw().findElements(By.cssSelector("#requests tbody tr")).size());

        // Last month: running total, every day of the chart's table and the top models, each against the API.
        browser.open(url("/ui/usage?month=" + previous));
        Instant monthStart = previous.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant monthEnd = previous.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        assertEquals(apiSpend(monthStart, monthEnd), micro(browser.byId("running-total").getText()));
        browser.raw().findElement(By.cssSelector("details summary")).click();
        List<WebElement> days = browser.raw().findElements(By.cssSelector("#daily tbody tr"));
        assertEquals(previous.lengthOfMonth(), days.size(), "one row per day of the month");
        long sumOfDays = 0;
        for (WebElement day : days) {
            LocalDate d = LocalDate.parse(day.getDomAttribute("data-day"));
            long shown = micro(day.findElement(By.tagName("td")).getText());
            Instant s = d.atStartOfDay().toInstant(ZoneOffset.UTC);
            assertEquals(apiSpend(s, s.plus(Duration.ofDays(1))), shown, "spend on " + d);
            sumOfDays += shown;
        }
        assertTrue(sumOfDays > 0);
        long kimiDay = apiSpend(day3.truncatedTo(ChronoUnit.DAYS), day3.truncatedTo(ChronoUnit.DAYS).plus(Duration.ofDays(1)));
        long sonnetDay = apiSpend(day5.truncatedTo(ChronoUnit.DAYS), day5.truncatedTo(ChronoUnit.DAYS).plus(Duration.ofDays(1)));
        // 3 x 0.7125 + (1000 x 0.7125 + 100 x 3.00) = 1014.6375 micro-USD, rounded once.
        assertEquals(1015, kimiDay);
        assertTrue(sonnetDay > 0);
        assertEquals(kimiDay, topModel(kimi), "kimi is used on day 3 (charged) and day 9 (failed, 0)");
        assertEquals(sonnetDay, topModel(sonnet), "sonnet is used on day 5 only");
        List<WebElement> modelRows = browser.raw().findElements(By.cssSelector("#top-models tbody tr"));
        assertEquals(sonnetDay > kimiDay ? sonnet : kimi, modelRows.get(0).findElement(By.tagName("th")).getText(),
                "largest spend first");
        // The self-hosted default discount applied to kimi: the page shows what it saved.
        // List price 1003 x 0.95 + 100 x 4.00 = 1352.85, charged 1014.6375: saved 338.2125, rounded once.
        assertEquals(338, micro(browser.byId("discount-total").getText()), "discount applied to self-hosted kimi");
        browser.screenshot("usage-last-month");
    }

    @Test
    @Order(2)
    void anotherUserNeverSeesTheDemoUsersRowsAndIsRefusedTheAdminPage() {
        assertNotNull(demoNamespace, "runs after the demo user's test");
        signOut();
        KeycloakAdmin.User stranger = KeycloakAdmin.connect().createUser("web-stranger");
        browser.open(url("/ui/usage"));
        browser.signInAtKeycloak(stranger.username(), stranger.password());
        browser.waiting().until(d -> !d.findElements(By.id("running-total")).isEmpty());
        assertEquals(stranger.username(), browser.byId("signed-in-user").getText());
        String page = browser.raw().getPageSource();
        for (String id : demoRequestIds) {
            assertFalse(page.contains(id), "another user's page shows the demo user's request " + id);
        }
        assertFalse(page.contains(demoNamespace));
        assertEquals(0, micro(browser.byId("running-total").getText()));
        assertTrue(browser.raw().findElements(By.cssSelector("#requests tbody tr")).isEmpty());

        // Naming the demo user's namespace is the API's 404, not its data.
        browser.open(url("/ui/usage?ns=" + demoNamespace));
        assertEquals("404", browser.byId("status").getText());
        assertFalse(browser.raw().getPageSource().contains(demoRequestIds.get(0)));

        // Not an admin: 403 page, and no admin link in the header.
        browser.open(url("/ui/admin"));
        assertEquals("403", browser.byId("status").getText());
        browser.screenshot("admin-forbidden");
        browser.open(url("/ui/admin/audit"));
        assertEquals("403", browser.byId("status").getText());

        // Under /ui only the browser sign-in counts: the CLI's bearer token is not a session there.
        String location = given().auth().oauth2(Tokens.demo()).redirects().follow(false).when().get("/ui/usage")
                .then().statusCode(302).extract().header("Location");
        assertTrue(location.contains("/realms/bitrouter/protocol/openid-connect/auth"), location);
        assertTrue(location.contains("client_id=bitrouter-web") && location.contains("code_challenge_method=S256"),
                location);
    }

    @Test
    @Order(3)
    void anAdminGrantsADiscountThroughTheFormAndItIsAuditedOnce() throws Exception {
        signOut();
        TestAccounts.Tenant tenant = TestAccounts.create(db);
        browser.open(url("/ui/admin"));
        browser.signInAtKeycloak("admin", "admin");
        browser.waiting().until(d -> !d.findElements(By.id("q")).isEmpty());
        browser.byId("q").sendKeys(tenant.accountId() + "@test.local");
        browser.byId("q").submit();
        browser.waiting().until(d -> !d.findElements(By.linkText(tenant.accountId().toString())).isEmpty());
        browser.raw().findElement(By.linkText(tenant.accountId().toString())).click();
        browser.waiting().until(d -> !d.findElements(By.id("grant-form")).isEmpty());
        // A new account has no invoice yet; the section says so rather than showing an empty table.
        assertTrue(browser.raw().findElement(By.id("invoices")).getText().contains("No invoices yet."));
        browser.screenshot("admin-account-before");

        browser.byId("percent").sendKeys("12.5");
        browser.byId("reason").sendKeys("open-source project, browser test");
        browser.byId("project_url").sendKeys("https://example.org/project");
        browser.byId("grant-form").submit();
        browser.waiting().until(d -> d.getCurrentUrl().contains("notice=granted"));
        assertEquals("Discount granted.", browser.byId("notice").getText());
        List<WebElement> grantRows = browser.raw().findElements(By.cssSelector("#grants tbody tr"));
        assertEquals(1, grantRows.size());
        String grantId = grantRows.get(0).getDomAttribute("data-grant-id");

        // The JSON admin API lists the same grant, and exactly one audit row names it.
        JsonPath grants = given().auth().oauth2(Tokens.admin()).when()
                .get("/v1/admin/accounts/{id}/discounts", tenant.accountId()).then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(grantId), grants.getList("data.id", String.class));
        assertEquals("12.5", grants.getString("data[0].percent"));
        assertEquals("active", grants.getString("data[0].state"));
        String adminSubject = DeviceFlowClient.decodeJwtPayload(Tokens.admin()).get("sub").asText();
        assertEquals(adminSubject, grants.getString("data[0].granted_by"), "the page acts as the signed-in admin");
        assertEquals(1, auditRows("discount.grant", grantId));
        assertEquals("admin", auditActorUsername("discount.grant", grantId));
        browser.screenshot("admin-account-granted");

        // A POST without the session's CSRF token changes nothing.
        Object status = browser.driver.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                fetch('/ui/admin/accounts/%s/grants', {method: 'POST',
                    headers: {'Content-Type': 'application/x-www-form-urlencoded'},
                    body: 'percent=20&reason=forged&project_url=https%%3A%%2F%%2Fexample.org%%2Fx'})
                  .then(r => done(r.status)).catch(e => done('error ' + e));""".formatted(tenant.accountId()));
        assertEquals(403L, status);
        assertEquals(1, given().auth().oauth2(Tokens.admin()).when()
                .get("/v1/admin/accounts/{id}/discounts", tenant.accountId()).then().statusCode(200).extract()
                .jsonPath().getList("data").size());
        assertEquals(1, auditRows("discount.grant", grantId));

        // The audit page, filtered by the grant, shows that one row.
        browser.open(url("/ui/admin/audit?target_id=" + grantId));
        assertEquals(1, browser.raw().findElements(By.cssSelector("#audit tbody tr")).size());
        browser.screenshot("admin-audit");

        // Revoke through the page: one more audit row, and the API sees the grant ended.
        browser.open(url("/ui/admin/accounts/" + tenant.accountId()));
        browser.raw().findElement(By.cssSelector("#grants form button")).click();
        browser.waiting().until(d -> d.getCurrentUrl().contains("notice=revoked"));
        assertEquals(1, auditRows("discount.revoke", grantId));
        String state = given().auth().oauth2(Tokens.admin()).when()
                .get("/v1/admin/accounts/{id}/discounts", tenant.accountId()).then().statusCode(200).extract()
                .jsonPath().getString("data[0].state");
        assertTrue(state.equals("ended") || state.equals("revoked"), state);

        // Re-pricing from the catalog page: the same service as the JSON API, one audit row per run.
        browser.open(url("/ui/admin/catalog"));
        assertNotNull(browser.byId("parked-by-reason"));
        int repricesBefore = auditRows("usage.reprice", null);
        browser.raw().findElement(By.cssSelector("#reprice-form button")).click();
        browser.waiting().until(d -> d.getCurrentUrl().contains("notice=repriced"));
        assertEquals(repricesBefore + 1, auditRows("usage.reprice", null));
        browser.screenshot("admin-catalog");
    }

    // ------------------------------------------------------------------ helpers

    private void signOut() {
        browser.open(url("/ui/logout"));
        browser.waiting().until(d -> d.getCurrentUrl().contains("/ui/signed-out"));
    }

    private long apiSpend(Instant from, Instant to) {
        return given().auth().oauth2(Tokens.demo()).queryParam("from", from.toString()).queryParam("to", to.toString())
                .when().get("/v1/namespaces/{ns}/usage", demoNamespace).then().statusCode(200).extract().jsonPath()
                .getLong("spend_micro_usd");
    }

    private long topModel(String model) {
        for (WebElement row : browser.raw().findElements(By.cssSelector("#top-models tbody tr"))) {
            if (row.findElement(By.tagName("th")).getText().equals(model)) {
                List<WebElement> cells = row.findElements(By.tagName("td"));
                return micro(cells.get(cells.size() - 1).getText());
            }
        }
        throw new AssertionError(model + " is not among the top models");
    }

    /** "$1,234.567890" as micro-USD: the page's text read back exactly, no rounding. */
    static long micro(String dollars) {
        String plain = dollars.strip().replace("$", "").replace(",", "");
        return new BigDecimal(plain).movePointRight(6).longValueExact();
    }

    private String event(String model, String provider, String status, String usage, Instant time) {
        String id = "req_web_" + UUID.randomUUID();
        return """
                {"specversion":"1.0","id":"%s","source":"router://test/web","type":"ai.bitrouter.usage.v1",
                 "subject":"%s","time":"%s","datacontenttype":"application/json",
                 "data":{"request_id":"%s","namespace_id":"%s","model":"%s","served_model_id":"%s",
                   "provider_id":"%s","status":"%s","funding_source":"cloud_credit","usage":%s,"streamed":false}}
                """.formatted(id, demoNamespace, time, id, demoNamespace, model, model, provider, status, usage);
    }

    private int auditRows(String action, String targetId) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT count(*) FROM audit_log WHERE action = ? AND target_id IS NOT DISTINCT FROM ?")) {
            ps.setString(1, action);
            ps.setString(2, targetId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private String auditActorUsername(String action, String targetId) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT actor_username FROM audit_log WHERE action = ? AND target_id = ?")) {
            ps.setString(1, action);
            ps.setString(2, targetId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
