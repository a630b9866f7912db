package ai.bitrouter.billing.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The deployment files under {@code deploy/} (issue #9), checked offline: every Kubernetes document against its kind's
 * schema ({@link ManifestSchemas}), and the facts that tie them to the service and to each other, which a schema
 * cannot see: secrets only by reference, every setting the service needs, probes at the real health paths, topics
 * as in {@code kafka/topics.properties}, autoscaling capped at the partitions, the realm import equal to the realm
 * file, and the Compose file running the same images.
 */
class ManifestValidationTest {
    private static final YAMLMapper YAML = new YAMLMapper(new YAMLFactory());
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    /** What production must set (README "Configuration"): without them the service would use a dev default or fail. */
    static final List<String> REQUIRED_ENV = List.of(
            "QUARKUS_DATASOURCE_JDBC_URL", "QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD",
            "QUARKUS_FLYWAY_USERNAME", "QUARKUS_FLYWAY_PASSWORD",
            "KAFKA_BOOTSTRAP_SERVERS", "QUARKUS_OIDC_AUTH_SERVER_URL", "BITROUTER_OAUTH_PUBLIC_BASE_URL",
            "BITROUTER_STRIPE_API_KEY", "BITROUTER_STRIPE_WEBHOOK_SECRET", "BITROUTER_WEB_CLIENT_SECRET",
            "BITROUTER_WEB_CSRF_SECRET");
    /** Names of settings whose value is a credential: only ever a reference to a secret. */
    static final Pattern SECRET_NAME = Pattern.compile("(?i).*(PASSWORD|SECRET|API_KEY|TOKEN|CREDENTIAL).*");
    /** Shapes of real credentials that must never appear in a committed file. */
    static final Pattern SECRET_VALUE = Pattern.compile(
            "(sk|rk)_(live|test)_[0-9A-Za-z]{8,}|whsec_[0-9A-Za-z]{8,}|-----BEGIN [A-Z ]*PRIVATE KEY-----|AKIA[0-9A-Z]{16}");

    static Path root;
    static Map<Path, List<JsonNode>> manifests;
    static final ManifestSchemas schemas = new ManifestSchemas();

    @BeforeAll
    static void load() throws IOException {
        root = repositoryRoot();
        manifests = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(root.resolve("deploy/kubernetes"))) {
            for (Path f : files.filter(ManifestValidationTest::isYaml).sorted().toList()) {
                manifests.put(f, readAll(f));
            }
        }
        assertFalse(manifests.isEmpty(), "no manifests under deploy/kubernetes");
    }

    // --- schemas ------------------------------------------------------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> everyManifestMatchesItsKindsSchema() {
        return manifests.entrySet().stream()
                .filter(e -> !e.getKey().getFileName().toString().equals("kustomization.yaml"))
                .flatMap(e -> e.getValue().stream().map(doc -> DynamicTest.dynamicTest(
                        root.relativize(e.getKey()) + " " + doc.path("kind").asText() + "/"
                                + doc.path("metadata").path("name").asText(),
                        () -> {
                            List<String> problems = schemas.validate(doc);
                            assertTrue(problems.isEmpty(), String.join("\n", problems));
                        })));
    }

    /** The validator must be able to say no: each broken document is rejected for the fault it was given. */
    @Test
    void brokenManifestsAreRejected() throws IOException {
        List<JsonNode> broken;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("deploy/broken/broken-manifests.yaml")) {
            assertNotNull(in, "broken-manifests.yaml on the test class path");
            broken = YAML.readValues(YAML.createParser(in), JsonNode.class).readAll();
        }
        assertEquals(7, broken.size());
        for (JsonNode doc : broken) {
            String expected = doc.path("metadata").path("annotations").path("expect-problem").asText();
            assertFalse(expected.isEmpty(), "every broken document says which problem it expects");
            List<String> problems = schemas.validate(doc);
            assertTrue(problems.stream().anyMatch(p -> p.contains(expected)),
                    doc.path("kind").asText() + "/" + doc.path("metadata").path("name").asText() + ": expected a problem with '"
                            + expected + "', got " + problems);
        }
    }

    @Test
    void kustomizationListsEveryManifestAndOnlyExistingOnes() throws IOException {
        Path dir = root.resolve("deploy/kubernetes");
        JsonNode k = readAll(dir.resolve("kustomization.yaml")).get(0);
        Set<String> listed = new TreeSet<>();
        k.path("resources").forEach(r -> listed.add(r.asText()));
        Set<String> present = new TreeSet<>();
        for (Path f : manifests.keySet()) {
            String rel = dir.relativize(f).toString().replace('\\', '/');
            if (!rel.equals("kustomization.yaml")) {
                present.add(rel);
            }
        }
        assertEquals(present, listed, "kustomization.yaml resources vs the files in deploy/kubernetes");
    }

    // --- secrets ------------------------------------------------------------------------------------------------------

    @Test
    void noSecretIsCommitted() throws IOException {
        List<String> problems = new ArrayList<>();
        for (var e : manifests.entrySet()) {
            for (JsonNode doc : e.getValue()) {
                String where = root.relativize(e.getKey()) + " " + doc.path("kind").asText();
                if (doc.path("kind").asText().equals("Secret")) {
                    problems.add(where + ": a Secret object is committed");
                }
                if (doc.path("kind").asText().equals("ConfigMap")) {
                    doc.path("data").fieldNames().forEachRemaining(n -> {
                        if (SECRET_NAME.matcher(n).matches()) {
                            problems.add(where + ": credential " + n + " in a ConfigMap");
                        }
                    });
                }
                for (JsonNode env : doc.findValues("env")) {
                    for (JsonNode var : env) {
                        if (SECRET_NAME.matcher(var.path("name").asText()).matches()
                                && (var.has("value") || !var.path("valueFrom").has("secretKeyRef"))) {
                            problems.add(where + ": " + var.path("name").asText() + " must come from a secretKeyRef");
                        }
                    }
                }
                // Keycloak client secrets in the realm must be placeholders filled at import.
                for (JsonNode secret : doc.path("spec").path("realm").findValues("secret")) {
                    if (secret.isTextual() && !secret.asText().startsWith("${")) {
                        problems.add(where + ": a literal client secret in the realm");
                    }
                }
            }
        }
        for (Path f : deployFiles()) {
            Matcher m = SECRET_VALUE.matcher(Files.readString(f));
            if (m.find()) {
                problems.add(root.relativize(f) + ": looks like a credential: " + m.group().substring(0, 8) + "...");
            }
        }
        // Compose: every credential is interpolated from the untracked .env, never written in the file.
        JsonNode compose = compose();
        compose.path("services").properties().forEach(s -> s.getValue().path("environment").properties().forEach(v -> {
            if (SECRET_NAME.matcher(v.getKey()).matches() && !v.getValue().asText().startsWith("${")) {
                problems.add("compose " + s.getKey() + ": " + v.getKey() + " must be interpolated from .env");
            }
        }));
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    // --- the service's Deployment -------------------------------------------------------------------------------------

    @Test
    void deploymentSetsEverySettingTheServiceNeeds() {
        JsonNode container = billingContainer();
        Set<String> set = new TreeSet<>();
        container.path("env").forEach(v -> set.add(v.path("name").asText()));
        container.path("envFrom").forEach(src -> {
            String cm = src.path("configMapRef").path("name").asText();
            assertFalse(cm.isEmpty(), "envFrom only from ConfigMaps of this directory");
            one("ConfigMap", cm).path("data").fieldNames().forEachRemaining(set::add);
        });
        List<String> missing = REQUIRED_ENV.stream().filter(v -> !set.contains(v)).toList();
        assertTrue(missing.isEmpty(), "the Deployment does not set " + missing);
        // A setting set twice (env and a ConfigMap) would make one of them silently lose.
        List<String> direct = new ArrayList<>();
        container.path("env").forEach(v -> direct.add(v.path("name").asText()));
        JsonNode cmData = one("ConfigMap", "bitrouter-billing").path("data");
        List<String> twice = direct.stream().filter(cmData::has).toList();
        assertTrue(twice.isEmpty(), "set both in env and in the ConfigMap: " + twice);
    }

    @Test
    void probesAndMetricsAreOnTheManagementPort() throws IOException {
        JsonNode c = billingContainer();
        assertEquals("/q/health/live", c.path("livenessProbe").path("httpGet").path("path").asText());
        assertEquals("/q/health/ready", c.path("readinessProbe").path("httpGet").path("path").asText());
        assertEquals("/q/health/live", c.path("startupProbe").path("httpGet").path("path").asText());
        // Health, metrics and OpenAPI are served on the management interface (application.properties), so the probes
        // and Prometheus use its port, the one the service listens on in production.
        Properties app = applicationProperties();
        assertEquals("true", app.getProperty("quarkus.management.enabled"), "the management interface is on");
        int managementPort = Integer.parseInt(app.getProperty("quarkus.management.port", "9000"));
        int httpPort = Integer.parseInt(app.getProperty("quarkus.http.port", "8080"));
        assertNotEquals(httpPort, managementPort);
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            assertEquals(managementPort, containerPort(c, c.path(probe).path("httpGet").path("port")), probe + " port");
        }
        JsonNode annotations = one("Deployment", "bitrouter-billing").path("spec").path("template").path("metadata")
                .path("annotations");
        assertEquals("/q/metrics", annotations.path("prometheus.io/path").asText());
        assertEquals(Integer.toString(managementPort), annotations.path("prometheus.io/port").asText());
        // The Service and the PDB select the Deployment's pods.
        JsonNode labels = one("Deployment", "bitrouter-billing").path("spec").path("template").path("metadata").path("labels");
        assertSelects(one("Service", "bitrouter-billing").path("spec").path("selector"), labels);
        assertSelects(one("PodDisruptionBudget", "bitrouter-billing").path("spec").path("selector").path("matchLabels"), labels);
    }

    @Test
    void theIngressCannotReachTheManagementPort() throws IOException {
        JsonNode c = billingContainer();
        int managementPort = Integer.parseInt(applicationProperties().getProperty("quarkus.management.port", "9000"));
        // No port of any Service selecting the pods leads to the management port...
        JsonNode labels = one("Deployment", "bitrouter-billing").path("spec").path("template").path("metadata").path("labels");
        Map<String, JsonNode> servicesOfPods = new java.util.HashMap<>();
        for (JsonNode svc : all("Service")) {
            JsonNode selector = svc.path("spec").path("selector");
            boolean selects = selector.size() > 0 && selector.properties().stream()
                    .allMatch(e -> e.getValue().asText().equals(labels.path(e.getKey()).asText()));
            if (!selects) {
                continue;
            }
            servicesOfPods.put(svc.path("metadata").path("name").asText(), svc);
            for (JsonNode port : svc.path("spec").path("ports")) {
                JsonNode target = port.has("targetPort") ? port.path("targetPort") : port.path("port");
                assertNotEquals(managementPort, containerPort(c, target),
                        "Service " + svc.path("metadata").path("name").asText() + " exposes the management port");
            }
        }
        assertFalse(servicesOfPods.isEmpty(), "the API has a Service");
        // ...and every Ingress backend is one of the API's Service ports (by name or number), never anything else.
        for (JsonNode ingress : all("Ingress")) {
            List<JsonNode> backends = new ArrayList<>();
            if (ingress.path("spec").has("defaultBackend")) {
                backends.add(ingress.path("spec").path("defaultBackend"));
            }
            for (JsonNode rule : ingress.path("spec").path("rules")) {
                rule.path("http").path("paths").forEach(path -> backends.add(path.path("backend")));
            }
            assertFalse(backends.isEmpty());
            for (JsonNode backend : backends) {
                JsonNode svc = servicesOfPods.get(backend.path("service").path("name").asText());
                assertNotNull(svc, "the Ingress routes only to the API's Service: " + backend);
                JsonNode wanted = backend.path("service").path("port");
                boolean known = false;
                for (JsonNode port : svc.path("spec").path("ports")) {
                    known |= wanted.has("name") ? port.path("name").asText().equals(wanted.path("name").asText())
                            : port.path("port").asInt() == wanted.path("number").asInt();
                }
                assertTrue(known, "Ingress backend port " + wanted + " is a port of the Service");
            }
        }
    }

    @Test
    void theSettingsReplicasShareAndTheRealmImportNeedsAreRequired() throws IOException {
        // Secrets by reference and never optional: a missing Secret stops the pod instead of starting it without.
        JsonNode env = billingContainer().path("env");
        for (String name : List.of("BITROUTER_WEB_CSRF_SECRET", "BITROUTER_WEB_CLIENT_SECRET")) {
            JsonNode ref = null;
            for (JsonNode v : env) {
                if (v.path("name").asText().equals(name)) {
                    ref = v.path("valueFrom").path("secretKeyRef");
                }
            }
            assertNotNull(ref, name);
            assertFalse(ref.path("name").asText().isEmpty(), name + " comes from a Secret");
            assertFalse(ref.path("optional").asBoolean(false), name + " is not optional");
        }
        // The realm import fills every placeholder of the realm file that has a dev fallback from a Secret.
        JsonNode placeholders = one("KeycloakRealmImport", "bitrouter").path("spec").path("placeholders");
        String realm = Files.readString(root.resolve("deploy/keycloak/bitrouter-realm.json"));
        Matcher m = Pattern.compile("\\$\\{(BITROUTER_[A-Z_]+):").matcher(realm);
        Set<String> used = new TreeSet<>();
        while (m.find()) {
            used.add(m.group(1));
        }
        assertTrue(used.containsAll(List.of("BITROUTER_BILLING_CLIENT_SECRET", "BITROUTER_WEB_CLIENT_SECRET",
                "BITROUTER_WEB_REDIRECT_URI", "BITROUTER_WEB_REDIRECT_URI_LOOPBACK")), used.toString());
        for (String variable : used) {
            assertFalse(placeholders.path(variable).path("secret").path("name").asText().isEmpty(),
                    "realm-import.yaml fills " + variable + " from a Secret");
        }
        // Compose: the same placeholders are required (${VAR:?...}) in Keycloak's environment, the CSRF key in the
        // service's.
        JsonNode services = compose().path("services");
        for (String variable : used) {
            String value = services.path("keycloak").path("environment").path(variable).asText();
            assertTrue(value.contains(":?"), "compose keycloak requires " + variable + ": " + value);
        }
        assertTrue(services.path("billing").path("environment").path("BITROUTER_WEB_CSRF_SECRET").asText()
                .contains(":?"), "compose billing requires BITROUTER_WEB_CSRF_SECRET");
        // Only the API port is published; health is checked on the management port.
        assertEquals("[\"127.0.0.1:8080:8080\"]", services.path("billing").path("ports").toString());
        assertTrue(services.path("billing").path("healthcheck").toString().contains("localhost:9000/q/health/ready"));
    }

    // --- Kafka --------------------------------------------------------------------------------------------------------

    @Test
    void kafkaTopicsMatchTheContract() throws IOException {
        Properties topics = new Properties();
        try (Reader r = Files.newBufferedReader(root.resolve("kafka/topics.properties"))) {
            topics.load(r);
        }
        Properties app = applicationProperties();
        Map<String, JsonNode> byTopic = new HashMap<>();
        all("KafkaTopic").forEach(t -> byTopic.put(t.path("spec").path("topicName").asText(), t));
        String usage = app.getProperty("mp.messaging.incoming.usage.topic");
        String dlq = app.getProperty("mp.messaging.outgoing.usage-dlq.topic");
        assertEquals(Set.of(usage, dlq), byTopic.keySet(), "a KafkaTopic for each topic the service uses, no other");
        for (String topic : byTopic.keySet()) {
            JsonNode spec = byTopic.get(topic).path("spec");
            assertEquals(topics.getProperty(topic + ".partitions"), spec.path("partitions").asText(), topic + " partitions");
            assertEquals(topics.getProperty(topic + ".replication.factor"), spec.path("replicas").asText(), topic + " replicas");
            for (String key : List.of("min.insync.replicas", "retention.ms", "cleanup.policy", "max.message.bytes")) {
                assertEquals(topics.getProperty(topic + "." + key), spec.path("config").path(key).asText(), topic + " " + key);
            }
            assertEquals("bitrouter-kafka", byTopic.get(topic).path("metadata").path("labels").path("strimzi.io/cluster").asText());
        }
        assertTrue(one("Kafka", "bitrouter-kafka").path("spec").path("kafka").path("config").path("default.replication.factor")
                .asInt() >= Integer.parseInt(topics.getProperty(usage + ".replication.factor")));
    }

    @Test
    void autoscalingFollowsTheUsageConsumerAndStopsAtThePartitionCount() throws IOException {
        Properties topics = new Properties();
        try (Reader r = Files.newBufferedReader(root.resolve("kafka/topics.properties"))) {
            topics.load(r);
        }
        Properties app = applicationProperties();
        JsonNode so = one("ScaledObject", "bitrouter-billing").path("spec");
        assertEquals("bitrouter-billing", so.path("scaleTargetRef").path("name").asText());
        String usage = app.getProperty("mp.messaging.incoming.usage.topic");
        assertEquals(Integer.parseInt(topics.getProperty(usage + ".partitions")), so.path("maxReplicaCount").asInt(),
                "more consumers than partitions would sit idle");
        assertTrue(so.path("minReplicaCount").asInt() > one("PodDisruptionBudget", "bitrouter-billing").path("spec")
                .path("minAvailable").asInt(), "at the floor a node drain may still evict one pod");
        JsonNode trigger = so.path("triggers").get(0);
        assertEquals("kafka", trigger.path("type").asText());
        assertEquals(usage, trigger.path("metadata").path("topic").asText());
        assertEquals(app.getProperty("mp.messaging.incoming.usage.group.id"), trigger.path("metadata").path("consumerGroup").asText());
        assertEquals(configMapValue("KAFKA_BOOTSTRAP_SERVERS"), trigger.path("metadata").path("bootstrapServers").asText());
        assertTrue(configMapValue("KAFKA_BOOTSTRAP_SERVERS").startsWith("bitrouter-kafka-kafka-bootstrap:"),
                "the Strimzi cluster's bootstrap service");
    }

    // --- the other servers --------------------------------------------------------------------------------------------

    @Test
    void realmImportIsTheRealmFile() throws IOException {
        JsonNode realm = JSON.readTree(root.resolve("deploy/keycloak/bitrouter-realm.json").toFile());
        JsonNode imported = one("KeycloakRealmImport", "bitrouter").path("spec");
        assertEquals(realm, imported.path("realm"),
                "keycloak/realm-import.yaml differs from deploy/keycloak/bitrouter-realm.json: regenerate it");
        assertEquals("keycloak", imported.path("keycloakCRName").asText());
        assertTrue(imported.path("placeholders").has("BITROUTER_BILLING_CLIENT_SECRET"),
                "the realm's client secret placeholder is filled from a Secret");
        // The service's OIDC issuer is this realm at the Keycloak CR's public hostname.
        String hostname = one("Keycloak", "keycloak").path("spec").path("hostname").path("hostname").asText();
        assertEquals(hostname + "/realms/" + realm.path("realm").asText(), configMapValue("QUARKUS_OIDC_AUTH_SERVER_URL"));
    }

    @Test
    void databaseSettingsPointAtTheCloudNativePgCluster() {
        JsonNode cluster = one("Cluster", "billing-db");
        String db = cluster.path("spec").path("bootstrap").path("initdb").path("database").asText();
        assertEquals("jdbc:postgresql://billing-db-rw:5432/" + db, configMapValue("QUARKUS_DATASOURCE_JDBC_URL"));
        // Flyway migrates as the owner (CloudNativePG names its Secret <cluster>-app); the service connects as the
        // cluster's managed runtime role, whose password Secret is the one the datasource reads.
        JsonNode runtimeRole = null;
        for (JsonNode role : cluster.path("spec").path("managed").path("roles")) {
            if (!role.path("name").asText().equals(cluster.path("spec").path("bootstrap").path("initdb").path("owner")
                    .asText())) {
                runtimeRole = role;
            }
        }
        assertNotNull(runtimeRole, "the Cluster manages a runtime role besides the owner");
        assertFalse(runtimeRole.path("superuser").asBoolean(true), "the runtime role is no superuser");
        String runtimeSecret = runtimeRole.path("passwordSecret").path("name").asText();
        JsonNode c = billingContainer();
        Set<String> seen = new TreeSet<>();
        c.path("env").forEach(v -> {
            String name = v.path("name").asText();
            String secret = v.path("valueFrom").path("secretKeyRef").path("name").asText();
            if (name.startsWith("QUARKUS_FLYWAY_")) {
                assertEquals("billing-db-app", secret, name);
                seen.add(name);
            }
            if (name.startsWith("QUARKUS_DATASOURCE_")) {
                assertEquals(runtimeSecret, secret, name);
                seen.add(name);
            }
        });
        assertEquals(Set.of("QUARKUS_FLYWAY_USERNAME", "QUARKUS_FLYWAY_PASSWORD", "QUARKUS_DATASOURCE_USERNAME",
                "QUARKUS_DATASOURCE_PASSWORD"), seen);
    }

    // --- Compose ------------------------------------------------------------------------------------------------------

    @Test
    void composeRunsTheSameImagesAndTopics() throws IOException {
        JsonNode services = compose().path("services");
        assertEquals(billingContainer().path("image").asText(), services.path("billing").path("image").asText());
        assertEquals(imageBuiltByThePom(), services.path("billing").path("image").asText(),
                "the image -Pimage builds is the one the deployments run");
        assertEquals(one("Keycloak", "keycloak").path("spec").path("image").asText(),
                services.path("keycloak").path("image").asText());
        String kafkaVersion = one("Kafka", "bitrouter-kafka").path("spec").path("kafka").path("version").asText();
        for (String s : List.of("kafka", "kafka-topics")) {
            String image = services.path(s).path("image").asText();
            assertTrue(image.startsWith("quay.io/strimzi/kafka:") && image.endsWith("-kafka-" + kafkaVersion),
                    s + " runs Strimzi's image of Kafka " + kafkaVersion + ": " + image);
        }
        String cnpgImage = one("Cluster", "billing-db").path("spec").path("imageName").asText();
        assertEquals(majorVersion(cnpgImage), majorVersion(services.path("postgres").path("image").asText()),
                "the same PostgreSQL major version");
        // The service gets the same settings as in the cluster.
        Set<String> env = new TreeSet<>();
        services.path("billing").path("environment").fieldNames().forEachRemaining(env::add);
        assertTrue(env.containsAll(REQUIRED_ENV), "compose billing lacks " + REQUIRED_ENV.stream().filter(v -> !env.contains(v)).toList());
        // Its topic creation uses the contract's partitions and retention.
        Properties topics = new Properties();
        try (Reader r = Files.newBufferedReader(root.resolve("kafka/topics.properties"))) {
            topics.load(r);
        }
        String script = services.path("kafka-topics").path("command").toString();
        for (String topic : List.of("bitrouter.usage.v1", "bitrouter.usage.v1.dlq")) {
            Matcher m = Pattern.compile("--topic " + Pattern.quote(topic) + " --partitions (\\d+) .*?retention\\.ms=(\\d+)")
                    .matcher(script);
            assertTrue(m.find(), "compose creates " + topic);
            assertEquals(topics.getProperty(topic + ".partitions"), m.group(1), topic + " partitions in compose");
            assertEquals(topics.getProperty(topic + ".retention.ms"), m.group(2), topic + " retention in compose");
        }
        assertTrue(services.path("billing").path("healthcheck").toString().contains("/q/health/ready"));
    }

    // --- helpers ------------------------------------------------------------------------------------------------------

    private static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("deploy/kubernetes")) && Files.isDirectory(p.resolve("kafka"))) {
                return p;
            }
        }
        throw new IllegalStateException("repository root with deploy/kubernetes not found above " + Path.of("").toAbsolutePath());
    }

    private static boolean isYaml(Path f) {
        String n = f.getFileName().toString();
        return Files.isRegularFile(f) && (n.endsWith(".yaml") || n.endsWith(".yml"));
    }

    private static List<JsonNode> readAll(Path f) throws IOException {
        try (var parser = YAML.createParser(f.toFile())) {
            List<JsonNode> docs = new ArrayList<>(YAML.readValues(parser, JsonNode.class).readAll());
            docs.removeIf(d -> d == null || d.isNull() || d.isMissingNode());
            return docs;
        }
    }

    private static List<Path> deployFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        for (String dir : List.of("deploy/kubernetes", "deploy/compose")) {
            try (Stream<Path> s = Files.walk(root.resolve(dir))) {
                s.filter(Files::isRegularFile).forEach(files::add);
            }
        }
        return files;
    }

    private static JsonNode compose() throws IOException {
        List<JsonNode> docs = readAll(root.resolve("deploy/compose/compose.yaml"));
        assertEquals(1, docs.size());
        assertTrue(docs.get(0).path("services").isObject(), "compose.yaml has services");
        return docs.get(0);
    }

    private static Properties applicationProperties() throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(root.resolve("src/main/resources/application.properties"))) {
            p.load(r);
        }
        return p;
    }

    private static List<JsonNode> all(String kind) {
        return manifests.values().stream().flatMap(List::stream).filter(d -> kind.equals(d.path("kind").asText())).toList();
    }

    private static JsonNode one(String kind, String name) {
        List<JsonNode> found = all(kind).stream().filter(d -> name.equals(d.path("metadata").path("name").asText())).toList();
        if (found.size() != 1) {
            fail("expected one " + kind + "/" + name + " in deploy/kubernetes, found " + found.size());
        }
        return found.get(0);
    }

    private static JsonNode billingContainer() {
        JsonNode containers = one("Deployment", "bitrouter-billing").path("spec").path("template").path("spec").path("containers");
        assertEquals(1, containers.size());
        return containers.get(0);
    }

    private static String configMapValue(String key) {
        JsonNode v = one("ConfigMap", "bitrouter-billing").path("data").path(key);
        assertTrue(v.isTextual(), key + " in the ConfigMap");
        return v.asText();
    }

    private static int containerPort(JsonNode container, JsonNode port) {
        if (port.isInt()) {
            return port.asInt();
        }
        for (JsonNode p : container.path("ports")) {
            if (p.path("name").asText().equals(port.asText())) {
                return p.path("containerPort").asInt();
            }
        }
        fail("no container port named " + port.asText());
        return -1;
    }

    private static void assertSelects(JsonNode selector, JsonNode labels) {
        assertTrue(selector.size() > 0, "an empty selector selects everything");
        selector.properties().forEach(e -> assertEquals(e.getValue().asText(), labels.path(e.getKey()).asText(),
                "selector " + e.getKey()));
    }

    private static String majorVersion(String image) {
        Matcher m = Pattern.compile(":(\\d+)").matcher(image);
        assertTrue(m.find(), "a versioned image: " + image);
        return m.group(1);
    }

    /** registry/group/name:tag as the -Pimage profile of service/pom.xml configures it. */
    private static String imageBuiltByThePom() throws IOException {
        String pom = Files.readString(root.resolve("service/pom.xml"));
        String parent = Files.readString(root.resolve("pom.xml"));
        Matcher version = Pattern.compile("<artifactId>bitrouter-billing-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(parent);
        assertTrue(version.find());
        String image = tag(pom, "quarkus.container-image.registry") + "/" + tag(pom, "quarkus.container-image.group") + "/"
                + tag(pom, "quarkus.container-image.name") + ":" + tag(pom, "quarkus.container-image.tag");
        return image.replace("${project.version}", version.group(1));
    }

    private static String tag(String xml, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</" + Pattern.quote(name) + ">").matcher(xml);
        assertTrue(m.find(), name + " in service/pom.xml");
        return m.group(1);
    }
}
