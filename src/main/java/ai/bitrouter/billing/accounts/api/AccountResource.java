package ai.bitrouter.billing.accounts.api;

import java.time.Instant;
import java.util.List;
import java.util.TreeSet;

import com.fasterxml.jackson.annotation.JsonProperty;

import ai.bitrouter.billing.security.Caller;
import ai.bitrouter.billing.security.CallerContext;
import ai.bitrouter.billing.security.NamespaceAccess;
import io.quarkus.security.Authenticated;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * Who am I: the caller (person or API key), its roles and scopes, and the account it bills to with the namespaces
 * it may use. Any authenticated caller, no scope: it shows only what the credential already carries and the
 * caller's own account. {@code account} is null for a person who has not signed in through this service yet.
 */
@Path("/v1/account")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
public class AccountResource {

    @Inject
    CallerContext callers;

    @Inject
    NamespaceAccess access;

    public record AccountView(String id, String status, @JsonProperty("display_name") String displayName,
            String email, @JsonProperty("created_at") Instant createdAt, List<NamespaceView> namespaces) {
    }

    public record WhoAmI(String subject, String username, String email, String auth,
            @JsonProperty("api_key_id") String apiKeyId, List<String> roles, List<String> scopes,
            AccountView account) {
    }

    @GET
    public WhoAmI get() {
        Caller caller = callers.caller();
        AccountView account = access.account()
                .map(a -> new AccountView(a.id.toString(), a.status, a.displayName, a.email, a.createdAt,
                        access.visible().stream().map(NamespaceView::of).toList()))
                .orElse(null);
        return new WhoAmI(caller.subject(), caller.username(),
                caller.email() != null ? caller.email() : account == null ? null : account.email(),
                caller.kind() == Caller.Kind.API_KEY ? "api_key" : "user",
                caller.apiKey().map(k -> k.keyId()).orElse(null),
                List.copyOf(new TreeSet<>(caller.roles())), List.copyOf(new TreeSet<>(caller.scopes())), account);
    }
}
