package ai.bitrouter.billing.oauth.api;

import org.jboss.logging.Logger;

import ai.bitrouter.billing.common.api.ApiError;
import ai.bitrouter.billing.oauth.AuthorizationServerMetadata;
import io.smallrye.common.annotation.NonBlocking;
import jakarta.annotation.security.PermitAll;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/**
 * RFC 8414 authorization server metadata. Public: the CLI reads it before it has any credential. Served on the I/O
 * thread from pre-built bytes, since every CLI process fetches it.
 */
@Path("/.well-known/oauth-authorization-server")
@PermitAll
public class AuthorizationServerMetadataResource {
    private static final Logger LOG = Logger.getLogger(AuthorizationServerMetadataResource.class);

    @Inject
    AuthorizationServerMetadata metadata;

    @GET
    @NonBlocking
    @Produces(MediaType.APPLICATION_JSON)
    public Response get(@Context UriInfo uri) {
        return metadata.forRequest(uri.getBaseUri())
                .map(bytes -> Response.ok(bytes, MediaType.APPLICATION_JSON_TYPE)
                        .header("Cache-Control", "public, max-age=300").build())
                .orElseGet(() -> {
                    LOG.error("bitrouter.oauth.public-base-url is not set and the request is not for a loopback host; "
                            + "set it to the service's external URL");
                    return ApiError.response(500, "authorization server metadata is not configured");
                });
    }
}
