package dev.limiter.boot.web;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Writes the response to a request a limiter refused. The default, {@link ProblemDetailsResponseWriter}, answers
 * 429 or 503 with {@code Retry-After} and an RFC 9457 {@code application/problem+json} body; declare a bean of this
 * type to answer differently. Rate-limit headers, if any, are already on the response when it is called.
 *
 * @author limiter
 * @since 0.1.0
 */
@FunctionalInterface
public interface LimiterResponseWriter {

	/**
	 * Writes the refusal. The response is not committed yet.
	 * @param request the refused request
	 * @param response its response
	 * @param rejection why it was refused
	 * @throws IOException if writing fails
	 */
	void write(HttpServletRequest request, HttpServletResponse response, LimiterRejection rejection)
			throws IOException;

}
