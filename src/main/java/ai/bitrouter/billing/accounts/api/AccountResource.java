package ai.bitrouter.billing.accounts.api;

import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

import org.eclipse.microprofile.jwt.JsonWebToken;

import com.fasterxml.jackson.annotation.JsonProperty;

import ai.bitrouter.billing.accounts.Account;
import ai.bitrouter.billing.accounts.Namespace;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * Who am I: the caller's identity from the token and, once provisioned, the account it bills to.
 * Any signed-in caller; it only ever reads the caller's own account (looked up by the token's subject).
 */
@Path("/v1/account")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
public class AccountResource {

    @Inject
    SecurityIdentity identity;

    @Inject
    JsonWebToken token;

    public record NamespaceView(String id, String name) {
    }

    public record AccountView(String id, String status, @JsonProperty("display_name") String displayName,
            List<NamespaceView> namespaces) {
    }

    public record WhoAmI(String subject, String username, String email, List<String> roles, List<String> scopes,
            AccountView account) {
    }

    @GET
    public WhoAmI get() {
        String scope = token.getClaim("scope");
        List<String> scopes = scope == null ? List.of()
                : List.copyOf(new TreeSet<>(Arrays.asList(scope.trim().split("\\s+"))));
        AccountView account = Account.findByOwner(token.getSubject())
                .map(a -> new AccountView(a.id.toString(), a.status, a.displayName,
                        Namespace.ofAccount(a.id).stream().map(n -> new NamespaceView(n.id, n.name)).toList()))
                .orElse(null);
        return new WhoAmI(token.getSubject(), token.getClaim("preferred_username"), token.getClaim("email"),
                List.copyOf(new TreeSet<>(identity.getRoles())), scopes, account);
    }
}
