package ai.bitrouter.billing.web;

import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The HTML error page of {@code /ui}: the status, a title and the API's own message. Looked up statically by
 * exception mappers and filters, so ArC must keep it although nothing injects it.
 */
@io.quarkus.arc.Unremovable
@ApplicationScoped
public class ErrorPage {

    @Inject
    @Location("web/error.html")
    Template error;

    public static Response response(int status, String message) {
        return CDI.current().select(ErrorPage.class).get().render(status, message);
    }

    Response render(int status, String message) {
        String title = switch (status) {
            case 400 -> "That request could not be handled";
            case 403 -> "Forbidden";
            case 404 -> "Not found";
            case 409 -> "Conflict";
            default -> "Something went wrong";
        };
        String html = error.data("status", status).data("title", title).data("message", message).render();
        return Response.status(status).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).entity(html).build();
    }
}
