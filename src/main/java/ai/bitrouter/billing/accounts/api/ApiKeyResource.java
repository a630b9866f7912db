package ai.bitrouter.billing.accounts.api;

import java.time.Instant;
import java.util.List;
import java.util.TreeSet;

import com.fasterxml.jackson.annotation.JsonProperty;

import ai.bitrouter.billing.accounts.ApiKey;
import ai.bitrouter.billing.accounts.ApiKeyService;
import ai.bitrouter.billing.accounts.Namespace;
import ai.bitrouter.billing.common.api.ApiException;
import ai.bitrouter.billing.security.Caller;
import ai.bitrouter.billing.security.CallerContext;
import ai.bitrouter.billing.security.NamespaceAccess;
import ai.bitrouter.billing.security.RequireScope;
import ai.bitrouter.billing.security.Scopes;
import io.quarkus.security.Authenticated;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * API keys of a namespace the caller owns ({@link NamespaceAccess}: another account's namespace is a 404).
 * Listing needs {@code keys:read}; creating and revoking {@code keys:write}. A person or a key may create keys, with
 * scopes it holds itself: asking for one it lacks is the same 403 as calling an endpoint that needs it. Revoking a
 * key also revokes the keys it minted ({@link ApiKeyService#revoke}).
 */
@Path("/v1/namespaces/{nsid}/keys")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class ApiKeyResource {

    @Inject
    NamespaceAccess access;

    @Inject
    CallerContext callers;

    @Inject
    ApiKeyService keys;

    /** {@code expires_at} (CONTRACT section 4b): optional, in the future; the key is refused (401) after it. */
    public record CreateKeyRequest(String name, List<String> scopes, @JsonProperty("expires_at") Instant expiresAt) {
    }

    /** The only response that ever contains the key itself. */
    public record CreatedKey(String id, String name, String key, List<String> scopes,
            @JsonProperty("namespace_id") String namespaceId, @JsonProperty("created_at") Instant createdAt,
            @JsonProperty("expires_at") Instant expiresAt) {
    }

    public record KeyView(String id, String name, List<String> scopes, @JsonProperty("namespace_id") String namespaceId,
            @JsonProperty("created_at") Instant createdAt, @JsonProperty("last_used_at") Instant lastUsedAt,
            @JsonProperty("expires_at") Instant expiresAt) {

        static KeyView of(ApiKey k) {
            return new KeyView(k.id, k.name, List.of(k.scopes), k.namespaceId, k.createdAt, k.lastUsedAt, k.expiresAt);
        }
    }

    public record KeyList(List<KeyView> data) {
    }

    /** {@code also_revoked}: the keys this key had minted (and they in turn), revoked with it. */
    public record Revoked(String id, boolean deleted, @JsonProperty("revoked_at") Instant revokedAt,
            @JsonProperty("also_revoked") List<String> alsoRevoked) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequireScope(Scopes.KEYS_WRITE)
    public Response create(@PathParam("nsid") String nsid, CreateKeyRequest body) {
        Namespace namespace = access.requireOwned(nsid);
        Caller caller = callers.caller();
        if (body == null) {
            throw ApiException.badRequest("a JSON body {\"name\": ..., \"scopes\": [...]} is required");
        }
        String name = body.name() == null ? "" : body.name().strip();
        if (name.isEmpty() || name.length() > 100) {
            throw ApiException.badRequest("name must be 1 to 100 characters");
        }
        if (body.scopes() == null || body.scopes().isEmpty()) {
            throw ApiException.badRequest("scopes must list at least one scope");
        }
        TreeSet<String> scopes = new TreeSet<>();
        for (String scope : body.scopes()) {
            if (scope == null || !Scopes.ALL.contains(scope)) {
                throw ApiException.badRequest("unknown scope: " + scope);
            }
            if (!Scopes.GRANTABLE_TO_API_KEYS.contains(scope)) {
                throw ApiException.badRequest("scope cannot be given to an API key: " + scope);
            }
            scopes.add(scope);
        }
        for (String scope : scopes) {
            callers.requireScope(scope);
        }
        if (body.expiresAt() != null && !body.expiresAt().isAfter(Instant.now())) {
            throw ApiException.badRequest("expires_at must be in the future");
        }
        String createdBy = caller.apiKey().map(k -> "key:" + k.keyId()).orElse(caller.subject());
        ApiKeyService.Created created = keys.create(namespace.id, name, scopes, body.expiresAt(), createdBy);
        ApiKey k = created.key();
        return Response.status(Response.Status.CREATED)
                .entity(new CreatedKey(k.id, k.name, created.credential().plaintext(), List.of(k.scopes), k.namespaceId,
                        k.createdAt, k.expiresAt))
                .build();
    }

    @GET
    @RequireScope(Scopes.KEYS_READ)
    public KeyList list(@PathParam("nsid") String nsid) {
        Namespace namespace = access.requireOwned(nsid);
        return new KeyList(keys.active(namespace.id).stream().map(KeyView::of).toList());
    }

    @DELETE
    @Path("/{id}")
    @RequireScope(Scopes.KEYS_WRITE)
    public Revoked revoke(@PathParam("nsid") String nsid, @PathParam("id") String id) {
        Namespace namespace = access.requireOwned(nsid);
        ApiKeyService.Revocation revocation = keys.revoke(namespace.id, id)
                .orElseThrow(() -> ApiException.notFound("API key not found"));
        ApiKey key = revocation.key();
        return new Revoked(key.id, true, key.revokedAt, revocation.cascaded());
    }
}
