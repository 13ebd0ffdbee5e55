package dev.kvstore.sample;

import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.http.HttpStatus;

/**
 * Tomcat's own error report as a problem detail: requests Tomcat rejects before they reach the application (an
 * encoded {@code /} or an invalid escape in the path, headers over the size limit) get {@code application/problem+json}
 * rather than Tomcat's HTML page; an error status that an endpoint set without a body (an actuator 404) gets one. It
 * names no internals, like the page it replaces.
 */
class ProblemReportValve extends ErrorReportValve {

    private static final String BAD_REQUEST_HINT =
            ": check the path's escapes (no encoded '/', no '%00', no invalid '%' escape) and the size of the headers";

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || response.isCommitted()) {
            return;
        }
        // An error Tomcat raised (sendError) is reported once; an error status set with an empty body (an actuator
        // endpoint's 404) gets a body too.
        boolean raised = response.isError();
        if (raised && !response.setErrorReported()) {
            return;
        }
        AtomicBoolean writable = new AtomicBoolean();
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, writable);
        if (!writable.get()) {
            return;
        }
        HttpStatus known = HttpStatus.resolve(status);
        String title = known != null ? known.getReasonPhrase() : "HTTP " + status;
        String detail = !raised ? title + " (the endpoint gave no further detail)"
                : "the web server refused the request before it reached the app"
                        + (status == HttpStatus.BAD_REQUEST.value() ? BAD_REQUEST_HINT : "");
        String body = "{\"title\":\"" + title + "\",\"status\":" + status + ",\"detail\":\"" + detail + "\"}";
        try {
            response.setContentType("application/problem+json");
            response.setCharacterEncoding("UTF-8");
            response.setContentLength(-1);
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(body);
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // The client is gone or the response is already committed: nothing more can be said.
        }
    }
}
