package ai.bitrouter.billing.accounts.api;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonProperty;

import ai.bitrouter.billing.accounts.Account;
import ai.bitrouter.billing.accounts.Namespace;
import ai.bitrouter.billing.common.api.ApiException;
import ai.bitrouter.billing.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * Operators only (realm role {@code billing-admin}, so never an API key): which account a namespace id belongs to,
 * e.g. the namespace of a usage event or a support request. Customers get the 403 envelope.
 */
@Path("/v1/admin/namespaces")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.BILLING_ADMIN)
public class AccountAdminResource {

    public record AdminAccountView(String id, String status, @JsonProperty("owner_subject") String ownerSubject,
            String email, @JsonProperty("created_at") Instant createdAt) {
    }

    public record NamespaceOwner(NamespaceView namespace, AdminAccountView account) {
    }

    @GET
    @Path("/{nsid}")
    @Transactional
    public NamespaceOwner get(@PathParam("nsid") String nsid) {
        Namespace namespace = Namespace.<Namespace> findByIdOptional(nsid)
                .orElseThrow(() -> ApiException.notFound("namespace not found"));
        Account account = Account.findById(namespace.accountId);
        return new NamespaceOwner(NamespaceView.of(namespace), new AdminAccountView(account.id.toString(),
                account.status, account.ownerSubject, account.email, account.createdAt));
    }
}
