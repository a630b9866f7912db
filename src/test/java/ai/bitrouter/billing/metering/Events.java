package ai.bitrouter.billing.metering;

import java.time.Instant;
import java.util.UUID;

/** Builds usage events (CloudEvents JSON) the way routers send them. */
final class Events {
    String id = "req_" + UUID.randomUUID();
    String namespace;
    String model = "moonshotai/kimi-k2.6";
    String served = "moonshotai/kimi-k2.6";
    String provider = "bitrouter";
    String status = "succeeded";
    String funding = "cloud_credit";
    String usage = "{\"prompt_tokens\":1000000,\"completion_tokens\":100000}";
    Instant time = Instant.parse("2026-11-02T10:00:00Z");

    static Events in(String namespace) {
        Events e = new Events();
        e.namespace = namespace;
        return e;
    }

    Events id(String v) { id = v; return this; }
    Events model(String v) { model = v; return this; }
    Events served(String v) { served = v; return this; }
    Events provider(String v) { provider = v; return this; }
    Events status(String v) { status = v; return this; }
    Events funding(String v) { funding = v; return this; }
    Events usage(String v) { usage = v; return this; }
    Events time(Instant v) { time = v; return this; }

    String json() {
        return """
                {"specversion":"1.0","id":"%s","source":"router://test/node-1","type":"ai.bitrouter.usage.v1",
                 "subject":"%s","time":"%s","datacontenttype":"application/json",
                 "data":{"request_id":"%s","namespace_id":"%s","model":"%s","served_model_id":"%s",
                   "provider_id":"%s","status":"%s","funding_source":"%s","usage":%s,"streamed":false}}
                """.formatted(id, namespace, time, id, namespace, model, served, provider, status, funding, usage);
    }
}
