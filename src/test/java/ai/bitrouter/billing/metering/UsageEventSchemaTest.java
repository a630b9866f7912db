package ai.bitrouter.billing.metering;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/**
 * The documented event contract (kafka/schemas, kafka/examples) and the service's parser agree: every valid example
 * passes both, every invalid one fails both. A schema change that the parser does not follow (or the reverse) fails
 * here.
 */
class UsageEventSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchema SCHEMA = loadSchema();

    private static JsonSchema loadSchema() {
        try (InputStream in = UsageEventSchemaTest.class.getResourceAsStream("/kafka/schemas/usage-v1.schema.json")) {
            SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(JSON.readTree(in), config);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Path> examples(String kind) throws IOException, URISyntaxException {
        Path dir = Path.of(UsageEventSchemaTest.class.getResource("/kafka/examples/usage-v1/" + kind).toURI());
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
    }

    static List<Path> valid() throws Exception {
        return examples("valid");
    }

    static List<Path> invalid() throws Exception {
        return examples("invalid");
    }

    @ParameterizedTest
    @MethodSource("valid")
    void validExamplesPassTheSchemaAndTheParser(Path example) throws IOException {
        String text = Files.readString(example);
        Set<ValidationMessage> errors = SCHEMA.validate(JSON.readTree(text));
        assertTrue(errors.isEmpty(), () -> example.getFileName() + ": " + errors);
        var parsed = assertInstanceOf(UsageEventParser.Parsed.class, new UsageEventParser(JSON).parse(text));
        JsonNode node = JSON.readTree(text);
        assertEquals(node.get("id").asText(), parsed.event().requestId());
        assertEquals(node.at("/data/usage/prompt_tokens").asLong(), parsed.event().promptTokens());
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void invalidExamplesFailTheSchemaAndTheParser(Path example) throws IOException {
        String text = Files.readString(example);
        assertFalse(SCHEMA.validate(JSON.readTree(text)).isEmpty(), () -> example.getFileName() + " passed the schema");
        assertInstanceOf(UsageEventParser.Rejected.class, new UsageEventParser(JSON).parse(text));
    }

    @Test
    void thereAreExamplesOfBothKinds() throws Exception {
        assertTrue(valid().size() >= 4);
        assertTrue(invalid().size() >= 4);
    }

    @Test
    void theTopicsTheServiceUsesAreTheDocumentedOnes() throws IOException {
        Properties topics = new Properties();
        try (InputStream in = getClass().getResourceAsStream("/kafka/topics.properties")) {
            topics.load(in);
        }
        Properties app = new Properties();
        try (InputStream in = getClass().getResourceAsStream("/application.properties")) {
            app.load(in);
        }
        String usage = app.getProperty("mp.messaging.incoming.usage.topic");
        String dlq = app.getProperty("mp.messaging.outgoing.usage-dlq.topic");
        assertEquals("bitrouter.usage.v1", usage);
        assertEquals(usage + ".dlq", dlq);
        assertTrue(topics.containsKey(usage + ".partitions"));
        assertTrue(topics.containsKey(dlq + ".partitions"));
    }
}
