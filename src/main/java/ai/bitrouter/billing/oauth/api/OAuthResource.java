package ai.bitrouter.billing.oauth.api;

import ai.bitrouter.billing.oauth.AuthorizationServerFront;
import ai.bitrouter.billing.oauth.OAuthReply;
import jakarta.annotation.security.PermitAll;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;

/**
 * The OAuth endpoints the metadata advertises. Public by nature (the caller is signing in); who may get what is
 * decided by Keycloak (client, user, consent, role-scope mappings) behind {@link AuthorizationServerFront}. Form in,
 * JSON out with {@code Cache-Control: no-store} (RFC 6749 section 5.1), on worker threads since they wait on
 * Keycloak and PostgreSQL.
 */
@Path("/oauth")
@PermitAll
@Consumes(MediaType.APPLICATION_FORM_URLENCODED)
@Produces(MediaType.APPLICATION_JSON)
public class OAuthResource {

    @Inject
    AuthorizationServerFront front;

    @POST
    @Path("/device/code")
    public Response device(MultivaluedMap<String, String> form) {
        return reply(front.deviceAuthorization(form));
    }

    @POST
    @Path("/token")
    public Response token(MultivaluedMap<String, String> form) {
        return reply(front.token(form));
    }

    @POST
    @Path("/revoke")
    public Response revoke(MultivaluedMap<String, String> form) {
        return reply(front.revoke(form));
    }

    private static Response reply(OAuthReply reply) {
        return Response.status(reply.status())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .header("Cache-Control", "no-store")
                .header("Pragma", "no-cache")
                .entity(reply.body())
                .build();
    }
}
