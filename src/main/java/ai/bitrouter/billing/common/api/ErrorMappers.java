package ai.bitrouter.billing.common.api;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

/**
 * Every error leaves the API in the contract's envelope, including the ones the framework raises (401 from OIDC,
 * 404 for an unknown path, 415 for a wrong content type) and including unexpected failures, which never leak a
 * stack trace.
 */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return ApiError.response(e.status(), e.getMessage());
    }

    @ServerExceptionMapper({ AuthenticationFailedException.class, UnauthorizedException.class })
    public Response unauthorized(RuntimeException e) {
        return Response.fromResponse(ApiError.response(401, "a valid bearer token is required"))
                .header("WWW-Authenticate", "Bearer").build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        String message = e.getMessage();
        return ApiError.response(403, message == null || message.isBlank() ? "forbidden" : message);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        String description = switch (status) {
            case 404 -> "not found";
            case 405 -> "method not allowed";
            case 406 -> "not acceptable";
            case 415 -> "unsupported media type";
            default -> e.getMessage();
        };
        return ApiError.response(status, description);
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        LOG.error("unhandled error", e);
        return ApiError.response(500, "internal error");
    }
}
