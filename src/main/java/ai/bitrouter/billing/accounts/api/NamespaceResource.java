package ai.bitrouter.billing.accounts.api;

import java.util.List;

import ai.bitrouter.billing.security.NamespaceAccess;
import ai.bitrouter.billing.security.RequireScope;
import ai.bitrouter.billing.security.Scopes;
import io.quarkus.security.Authenticated;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** The caller's namespaces. Scope {@code namespace:read}; a person sees its account's, an API key its own one. */
@Path("/v1/namespaces")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class NamespaceResource {

    @Inject
    NamespaceAccess access;

    public record NamespaceList(List<NamespaceView> data) {
    }

    @GET
    @RequireScope(Scopes.NAMESPACE_READ)
    public NamespaceList list() {
        return new NamespaceList(access.visible().stream().map(NamespaceView::of).toList());
    }
}
