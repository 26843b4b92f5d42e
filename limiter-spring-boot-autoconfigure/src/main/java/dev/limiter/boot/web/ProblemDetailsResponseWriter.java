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
 * hand, so no JSON library is needed. A response already committed is left alone. Stateless and thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class ProblemDetailsResponseWriter implements LimiterResponseWriter {

	/** The problem type of a refused rate limit (draft-ietf-httpapi-ratelimit-headers-11). */
	public static final String QUOTA_EXCEEDED = "https://iana.org/assignments/http-problem-types#quota-exceeded";

	/** The problem type of a shed request or an open breaker. */
	public static final String TEMPORARY_REDUCED_CAPACITY =
			"https://iana.org/assignments/http-problem-types#temporary-reduced-capacity";

	/** The media type of the body. */
	public static final String APPLICATION_PROBLEM_JSON = "application/problem+json";

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
		String type;
		String title;
		String detail;
		String seconds = retryAfterSeconds + ((retryAfterSeconds == 1) ? " second." : " seconds.");
		switch (rejection.reason()) {
			case RATE_LIMITED -> {
				type = QUOTA_EXCEEDED;
				title = "Quota exceeded";
				detail = "Rate limiter '" + rejection.name() + "' refused the request; retry after " + seconds;
			}
			case OVERLOADED -> {
				type = TEMPORARY_REDUCED_CAPACITY;
				title = "Temporary reduced capacity";
				detail = "Load shedder '" + rejection.name()
						+ "' refused the request: the service is overloaded; retry after " + seconds;
			}
			default -> {
				type = TEMPORARY_REDUCED_CAPACITY;
				title = "Temporary reduced capacity";
				detail = "Circuit breaker '" + rejection.name() + "' is open; retry after " + seconds;
			}
		}
		StringBuilder json = new StringBuilder(256);
		json.append("{\"type\":");
		appendString(json, type);
		json.append(",\"title\":");
		appendString(json, title);
		json.append(",\"status\":").append(rejection.reason().status());
		json.append(",\"detail\":");
		appendString(json, detail);
		json.append(",\"violated-policies\":[");
		appendString(json, rejection.name());
		json.append("]}");
		return json.toString();
	}

	/** Appends a JSON string literal (RFC 8259 §7). */
	static void appendString(StringBuilder json, String value) {
		json.append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '"' -> json.append("\\\"");
				case '\\' -> json.append("\\\\");
				case '\n' -> json.append("\\n");
				case '\r' -> json.append("\\r");
				case '\t' -> json.append("\\t");
				default -> {
					if (c < 0x20) {
						json.append(String.format("\\u%04x", (int) c));
					}
					else {
						json.append(c);
					}
				}
			}
		}
		json.append('"');
	}

}
