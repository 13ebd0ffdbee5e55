package dev.kvstore.sample;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A request parameter missing, unparsable or outside its {@link ParameterRange}: a 400 whose problem detail names the
 * parameter and the range ({@code parameter}, {@code min}, {@code max}, {@code setting} properties).
 */
class InvalidParameterException extends ErrorResponseException {

    private static final long serialVersionUID = 1L;

    InvalidParameterException(ParameterRange range, String value) {
        super(HttpStatus.BAD_REQUEST, problem(range, range.refusal(value)), null);
    }

    /** A problem detail for a parameter with a known range: the detail says what is wrong and what is allowed. */
    static ProblemDetail problem(ParameterRange range, String complaint) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
                "parameter '" + range.name() + "' " + complaint);
        problem.setTitle("Invalid request parameter");
        problem.setProperty("parameter", range.name());
        problem.setProperty("min", range.min());
        problem.setProperty("max", range.max());
        problem.setProperty("setting", range.setting());
        return problem;
    }
}
