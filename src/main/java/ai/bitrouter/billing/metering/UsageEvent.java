package ai.bitrouter.billing.metering;

import java.time.Instant;

/** One LLM request as a router reported it (CloudEvents envelope + data), after parsing. */
public record UsageEvent(
        String id,
        String source,
        Instant time,
        String requestId,
        String namespaceId,
        String apiKeyId,
        String model,
        String servedModelId,
        String providerId,
        String status,
        String errorCode,
        String fundingSource,
        long promptTokens,
        long completionTokens,
        long cacheReadTokens,
        long cacheWriteTokens,
        long reasoningTokens,
        Boolean streamed,
        Instant startedAt,
        Instant completedAt,
        byte[] payloadSha256) {
}
