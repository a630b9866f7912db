package ai.bitrouter.billing.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.ToLongFunction;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.bitrouter.billing.bench.UsageLoadGenerator.Outgoing;
import ai.bitrouter.billing.metering.TreeUsageEventParser;
import ai.bitrouter.billing.metering.UsageEvent;
import ai.bitrouter.billing.metering.UsageEventParser;

/**
 * What turning one record value into an event costs the ingestion thread, before and after the parser read bytes:
 * before, Kafka's StringDeserializer decoded the value, Jackson built a tree of all of it and the digest encoded the
 * String again ({@link TreeUsageEventParser}, the differential test's oracle); after, {@link UsageEventParser} streams
 * the bytes. The records are the load generator's (valid events with its mix of models, odd strings, re-sends and
 * invalid records), so the figures are for the traffic the ingestion benchmark sends. No database or broker.
 *
 * <p>By hand: {@code ./mvnw -B -o -pl service -am test -Pbench -Dtest=ParserBenchmarkTest
 * -Dsurefire.failIfNoSpecifiedTests=false [-Dbench.parser.events=100000]}. Timings are per thread and wall-clock, so
 * on a busy machine they are upper bounds; the allocation figures do not depend on load.
 */
class ParserBenchmarkTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    static volatile long sink;

    @Test
    void parsingCostPerEventBeforeAndAfter() {
        int events = Integer.getInteger("bench.parser.events", 100_000);
        UsageLoadGenerator.Plan plan = UsageLoadGenerator.plan(UsageLoadGenerator.Config.defaults("pb", events),
                UsageLoadGenerator.seedPriceBook());
        byte[][] values = plan.records().stream().map(Outgoing::value).toArray(byte[][]::new);
        ObjectMapper json = new ObjectMapper();
        TreeUsageEventParser tree = new TreeUsageEventParser(json);
        UsageEventParser streaming = new UsageEventParser(json);
        ToLongFunction<byte[]> before = v -> digest(tree.parse(new String(v, StandardCharsets.UTF_8)));
        ToLongFunction<byte[]> after = v -> digest(streaming.parse(v));

        // Both decide every record alike (the differential test holds them to it field by field; here, in sum).
        assertEquals(round(values, before), round(values, after), "the two parsers disagree on these records");

        for (int i = 0; i < 5; i++) { // warm-up: both paths compiled by C2 before anything is measured
            round(values, before);
            round(values, after);
        }
        int rounds = 7;
        long[][] old = new long[rounds][];
        long[][] now = new long[rounds][];
        for (int i = 0; i < rounds; i++) { // interleaved, so a burst of load on the machine hits both
            old[i] = measure(values, before);
            now[i] = measure(values, after);
        }
        long oldNanos = median(old, 0), newNanos = median(now, 0);
        long oldBytes = median(old, 1), newBytes = median(now, 1);
        long n = values.length;
        System.out.printf("parser benchmark: %,d records (%,d bytes), median of %d rounds after warm-up%n", n,
                plan.bytes(), rounds);
        System.out.printf("  before (String decode + tree): %.3f us/event, %,d bytes allocated/event%n",
                oldNanos / 1_000.0 / n, oldBytes / n);
        System.out.printf("  after  (bytes, streaming):     %.3f us/event, %,d bytes allocated/event%n",
                newNanos / 1_000.0 / n, newBytes / n);
        System.out.printf("  rounds before (ms): %s%n  rounds after  (ms): %s%n", millis(old), millis(now));
        assertTrue(newBytes < oldBytes, "the streaming parser allocates less than the tree");
    }

    private static long[] measure(byte[][] values, ToLongFunction<byte[]> parse) {
        long bytes = THREADS.getCurrentThreadAllocatedBytes();
        long start = System.nanoTime();
        long result = round(values, parse);
        long nanos = System.nanoTime() - start;
        bytes = THREADS.getCurrentThreadAllocatedBytes() - bytes;
        sink += result;
        return new long[] { nanos, bytes };
    }

    private static long round(byte[][] values, ToLongFunction<byte[]> parse) {
        long sum = 0;
        for (byte[] v : values) {
            sum = sum * 31 + parse.applyAsLong(v);
        }
        return sum;
    }

    /**
     * Everything the result says, folded into a number without allocating (so that none of it can be optimized away
     * and the fold adds nothing to the allocation figures).
     */
    private static long digest(UsageEventParser.Result r) {
        if (r instanceof UsageEventParser.Rejected j) {
            // (malformed_json's detail is Jackson's message, which differs between its text and byte parsers)
            return j.reason().hashCode() * 31L + (j.reason().equals("malformed_json") ? 0 : j.detail().hashCode());
        }
        UsageEvent e = ((UsageEventParser.Parsed) r).event();
        long h = Arrays.hashCode(e.payloadSha256());
        h = h * 31 + Objects.hashCode(e.id()) + 7 * Objects.hashCode(e.source()) + 11 * Objects.hashCode(e.time());
        h = h * 31 + Objects.hashCode(e.requestId()) + 7 * Objects.hashCode(e.namespaceId())
                + 11 * Objects.hashCode(e.apiKeyId());
        h = h * 31 + Objects.hashCode(e.model()) + 7 * Objects.hashCode(e.servedModelId())
                + 11 * Objects.hashCode(e.providerId());
        h = h * 31 + Objects.hashCode(e.status()) + 7 * Objects.hashCode(e.errorCode())
                + 11 * Objects.hashCode(e.fundingSource());
        h = h * 31 + e.promptTokens() + 7 * e.completionTokens() + 11 * e.cacheReadTokens() + 13 * e.cacheWriteTokens()
                + 17 * e.reasoningTokens();
        return h * 31 + Objects.hashCode(e.streamed()) + 7 * Objects.hashCode(e.startedAt())
                + 11 * Objects.hashCode(e.completedAt());
    }

    private static long median(long[][] rounds, int column) {
        long[] v = Arrays.stream(rounds).mapToLong(r -> r[column]).sorted().toArray();
        return v[v.length / 2];
    }

    private static List<Long> millis(long[][] rounds) {
        return Arrays.stream(rounds).map(r -> r[0] / 1_000_000).toList();
    }
}
