package ai.bitrouter.billing.reports;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.bitrouter.billing.metering.MeteringService;
import ai.bitrouter.billing.metering.UsageEventParser;

/**
 * Usage written through the real metering path (parse, price, ledger and rollup in one transaction), as
 * {@code UsageReportsApiTest} does, with the provider and API key chosen per event; and a strict RFC 4180 reader
 * for checking exports.
 */
final class ReportFixtures {
    private ReportFixtures() {
    }

    /** One event per time; {@code apiKeyId} may be null. Returns the request ids. */
    static List<String> record(MeteringService metering, ObjectMapper json, String ns, String model, String provider,
            String status, String apiKeyId, String usage, Instant... times) {
        UsageEventParser parser = new UsageEventParser(json);
        List<MeteringService.Incoming> batch = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (Instant t : times) {
            String id = "req_" + UUID.randomUUID();
            String key = apiKeyId == null ? "" : "\"api_key_id\":" + quote(apiKeyId) + ",";
            String payload = """
                    {"specversion":"1.0","id":"%s","source":"router://test","type":"ai.bitrouter.usage.v1","subject":"%s",
                     "time":"%s","data":{"request_id":"%s","namespace_id":"%s",%s"model":"%s","served_model_id":"%s",
                     "provider_id":"%s","status":"%s","funding_source":"cloud_credit","usage":%s,"streamed":true}}
                    """.formatted(id, ns, t, id, ns, key, model, model.split(":")[0], provider, status, usage);
            var parsed = (UsageEventParser.Parsed) parser.parse(payload);
            batch.add(new MeteringService.Incoming(parsed.event(), payload.getBytes(StandardCharsets.UTF_8), null, null));
            ids.add(id);
        }
        MeteringService.Prepared prepared = metering.prepare(batch);
        assertTrue(prepared.rejected().isEmpty(), () -> "rejected: " + prepared.rejected());
        metering.append(prepared.accepted());
        return ids;
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** RFC 4180: records end in CRLF, quoted fields may hold commas, CRLF and doubled quotes. Strict on line ends. */
    static List<List<String>> parseCsv(String text) throws IOException {
        List<List<String>> records = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        StringReader in = new StringReader(text);
        boolean quoted = false;
        boolean fieldStarted = false;
        int c;
        while ((c = in.read()) != -1) {
            char ch = (char) c;
            if (quoted) {
                if (ch == '"') {
                    in.mark(1);
                    int next = in.read();
                    if (next == '"') {
                        field.append('"');
                    } else {
                        quoted = false;
                        in.reset();
                    }
                } else {
                    field.append(ch);
                }
            } else if (ch == '"' && field.isEmpty() && !fieldStarted) {
                quoted = true;
                fieldStarted = true;
            } else if (ch == ',') {
                record.add(field.toString());
                field.setLength(0);
                fieldStarted = false;
            } else if (ch == '\r') {
                if (in.read() != '\n') {
                    throw new IOException("CR without LF");
                }
                record.add(field.toString());
                records.add(record);
                record = new ArrayList<>();
                field.setLength(0);
                fieldStarted = false;
            } else if (ch == '\n') {
                throw new IOException("bare LF: records must end in CRLF");
            } else {
                field.append(ch);
                fieldStarted = true;
            }
        }
        if (quoted || fieldStarted || !record.isEmpty()) {
            throw new IOException("the last record does not end in CRLF");
        }
        return records;
    }
}
