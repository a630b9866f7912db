package ai.bitrouter.billing.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import ai.bitrouter.billing.catalog.CatalogService;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Issue #9, scale-out: two service processes in one consumer group share the topic's partitions; one is killed with
 * {@code kill -9} mid-stream, the survivor takes its partitions over (after the session timeout) and the ledger ends
 * exactly as the generator expects.
 */
@QuarkusTest
class TwoInstancesIT {
    static final int EVENTS = 20_000;

    @Inject
    DataSource db;

    @Inject
    CatalogService catalog;

    @Test
    void survivorTakesOverTheKilledInstancesPartitions() throws Exception {
        long t0 = System.nanoTime();
        Stack stack = Stack.current();
        Traffic traffic = Traffic.plan("p", EVENTS, 400, stack, db, catalog);
        try (ServiceProcess a = ServiceProcess.of("pair-a", stack, traffic.topic, traffic.group,
                Map.of("mp.messaging.incoming.usage.client.id", "pair-a"));
                ServiceProcess b = ServiceProcess.of("pair-b", stack, traffic.topic, traffic.group,
                        Map.of("mp.messaging.incoming.usage.client.id", "pair-b"))) {
            a.start();
            b.start();
            CompletableFuture.allOf(CompletableFuture.runAsync(() -> a.awaitReady(Duration.ofSeconds(120))),
                    CompletableFuture.runAsync(() -> b.awaitReady(Duration.ofSeconds(120)))).join();
            Map<String, List<Integer>> shared = awaitMembers(traffic, 2, Duration.ofSeconds(60));
            assertEquals(2, shared.size(), "two members: " + shared);
            shared.values().forEach(p -> assertEquals(2, p.size(), "partitions split evenly: " + shared));

            int half = traffic.size() / 2;
            traffic.publish(0, half);
            List<Integer> ofA = shared.entrySet().stream().filter(e -> e.getKey().contains("/pair-a-"))
                    .findFirst().orElseThrow(() -> new AssertionError("pair-a not in " + shared.keySet())).getValue();
            long atKill = KillServiceIT.awaitRising(traffic, 0, Duration.ofSeconds(90));
            // Killed while some of its partitions' rows are stored but not committed to Kafka: the survivor must
            // read them again and store them once.
            KillServiceIT.awaitWindow(traffic, ofA, Duration.ofSeconds(30));
            double killedAt = (System.nanoTime() - t0) / 1e9;
            a.kill9();
            long window = traffic.committedInDbNotInKafka(ofA);
            traffic.publish(half, traffic.size());
            Map<String, List<Integer>> survivor = awaitMembers(traffic, 1, Duration.ofSeconds(60));
            double takenOverAt = (System.nanoTime() - t0) / 1e9;
            assertEquals(List.of(List.of(0, 1, 2, 3)), List.copyOf(survivor.values()), "the survivor holds all partitions");

            Traffic.Result result = traffic.awaitExact(Duration.ofSeconds(120));
            System.out.printf("%n[#9 two instances] %,d records; split %s; kill -9 of pair-a at %.1f s (ledger %,d rows, "
                    + "%,d of its partitions' rows committed to PostgreSQL but not to Kafka); survivor held all partitions at %.1f s%n  exact: %s; %.1f s%n",
                    traffic.size(), shared.values(), killedAt, atKill, window, takenOverAt, result,
                    (System.nanoTime() - t0) / 1e9);
        }
    }

    private static Map<String, List<Integer>> awaitMembers(Traffic traffic, int members, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, List<Integer>> now = Map.of();
        while (System.nanoTime() < deadline) {
            now = traffic.assignment();
            // Stable only when every member holds its share: right after a join, the group briefly shows the new
            // member with nothing while the old one still holds every partition (incremental rebalance).
            if (now.size() == members && now.values().stream().mapToInt(List::size).sum() == Traffic.PARTITIONS
                    && now.values().stream().allMatch(p -> p.size() == Traffic.PARTITIONS / members)) {
                return now;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("expected " + members + " members holding all partitions, found " + now);
    }
}
