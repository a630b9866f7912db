package ai.bitrouter.billing.accounts.api;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonProperty;

import ai.bitrouter.billing.accounts.Namespace;

/** A namespace on the wire. */
public record NamespaceView(String id, String name, @JsonProperty("created_at") Instant createdAt) {

    public static NamespaceView of(Namespace n) {
        return new NamespaceView(n.id, n.name, n.createdAt);
    }
}
