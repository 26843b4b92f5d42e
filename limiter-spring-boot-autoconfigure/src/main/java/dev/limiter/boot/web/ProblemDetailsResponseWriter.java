package dev.limiter.boot.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The default {@link LimiterResponseWriter}: the status of the {@link LimiterRejection.Reason}, a
 * {@code Retry-After} header in whole seconds rounded up (RFC 9110 delay-seconds), {@code Cache-Control: no-store}
 * (RFC 6585: a 429 must not be stored) and an RFC 9457 {@code application/problem+json} body with the problem types
 * of draft-ietf-httpapi-ratelimit-headers-11:
 * <pre>
 * {"type":"https://iana.org/assignments/http-problem-types#quota-exceeded","title":"Quota exceeded",
 *  "status":429,"detail":"Rate limiter 'api' refused the request; retry after 3 seconds.",
 *  "violated-policies":["api"]}
 * </pre>
 * A shed request or an open breaker is a 503 of type {@code #temporary-reduced-capacity}. The JSON is written by
 * hand ({@link LimiterProblemDetails}), so no JSON library is needed. A response already committed is left
 * alone. Stateless and thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class ProblemDetailsResponseWriter implements LimiterResponseWriter {

	/** The problem type of a refused rate limit (draft-ietf-httpapi-ratelimit-headers-11). */
	public static final String QUOTA_EXCEEDED = LimiterProblemDetails.QUOTA_EXCEEDED;

	/** The problem type of a shed request or an open breaker. */
	public static final String TEMPORARY_REDUCED_CAPACITY = LimiterProblemDetails.TEMPORARY_REDUCED_CAPACITY;

	/** The media type of the body. */
	public static final String APPLICATION_PROBLEM_JSON = LimiterProblemDetails.APPLICATION_PROBLEM_JSON;

	@Override
	public void write(HttpServletRequest request, HttpServletResponse response, LimiterRejection rejection)
			throws IOException {
		if (response.isCommitted()) {
			return; // a handler already started answering: nothing can be changed any more
		}
		long retryAfter = RateLimitHeaders.seconds(rejection.retryAfter());
		response.resetBuffer();
		response.setStatus(rejection.reason().status());
		response.setHeader("Retry-After", Long.toString(retryAfter));
		response.setHeader("Cache-Control", "no-store");
		response.setContentType(APPLICATION_PROBLEM_JSON);
		String json = body(rejection, retryAfter);
		byte[] body = json.getBytes(StandardCharsets.UTF_8);
		response.setContentLength(body.length);
		try {
			response.getOutputStream().write(body);
		}
		catch (IllegalStateException ex) {
			// The handler already took the writer (MVC exception path).
			response.setCharacterEncoding(StandardCharsets.UTF_8.name());
			response.getWriter().write(json);
		}
		response.flushBuffer();
	}

	static String body(LimiterRejection rejection, long retryAfterSeconds) {
		return LimiterProblemDetails.json(rejection, retryAfterSeconds);
	}

}
