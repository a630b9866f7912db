package ai.bitrouter.billing.metering;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "bitrouter.metering")
public interface MeteringConfig {

    /**
     * An event timed further ahead than this is dead-lettered ({@code time_in_future}): a router clock that wrong
     * would put usage into a month that has not started. Late events, however late, are accepted.
     */
    @WithDefault("PT1H")
    Duration maxFutureSkew();

    /**
     * How often the scheduled re-pricing runs (on one instance at a time); read by the {@code @Scheduled} expression,
     * declared here so that setting it passes the configuration's validation.
     */
    @WithDefault("30s")
    Duration repriceEvery();

    /** How many parked (unpriced) rows one re-pricing pass handles in a transaction. */
    @WithDefault("1000")
    int repriceBatchSize();

    /**
     * How often a batch is tried when it fails in a way that is neither the database being away (retried as long as
     * it takes) nor the database refusing the data: after that many attempts the batch is split until the record
     * that fails is alone, and that record is dead-lettered as {@code unprocessable}.
     */
    @WithDefault("3")
    int unexpectedFailureAttempts();

    /**
     * The largest dead letter (key, value and headers) sent whole. A larger one is sent with its value cut to fit
     * and the headers {@code dlq-truncated} and {@code dlq-original-size}: a record the broker refused would
     * otherwise hold its batch forever. 2 MiB (the topics' max.message.bytes, kafka/topics.properties) less 16 KiB
     * for Kafka's record and batch framing.
     */
    @WithDefault("2080768")
    int deadLetterMaxBytes();
}
