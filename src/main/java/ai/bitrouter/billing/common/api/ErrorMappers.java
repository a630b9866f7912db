package ai.bitrouter.billing.common.api;

import java.util.stream.Collectors;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

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

    /**
     * A body the endpoint cannot read as its JSON (a wrong type, an unreadable time): 400 naming the field, instead
     * of the JSON provider's own 400 without the envelope.
     */
    @ServerExceptionMapper({ JsonProcessingException.class, MismatchedInputException.class })
    public Response unreadableBody(JsonProcessingException e) {
        String field = e instanceof JsonMappingException m
                ? m.getPath().stream()
                        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                        .collect(Collectors.joining("."))
                : "";
        return ApiError.response(400, field.isEmpty() ? "the request body is not valid JSON"
                : "invalid value for " + field);
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        LOG.error("unhandled error", e);
        return ApiError.response(500, "internal error");
    }
}
