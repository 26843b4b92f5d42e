package dev.limiter.boot.web.reactive;

import dev.limiter.boot.web.LimiterRejection;
import reactor.core.publisher.Mono;

import org.springframework.web.server.ServerWebExchange;

/**
 * Writes the response to a request a limiter refused, in a WebFlux application. The default,
 * {@link ReactiveProblemDetailsResponseWriter}, answers as the servlet stack's
 * {@link dev.limiter.boot.web.ProblemDetailsResponseWriter} does: 429 or 503 with {@code Retry-After} and an RFC 9457
 * {@code application/problem+json} body. Declare a bean of this type to answer differently. Rate-limit headers, if
 * any, are already on the response when it is called. It must not block.
 *
 * @author limiter
 * @since 0.1.0
 */
@FunctionalInterface
public interface ReactiveLimiterResponseWriter {

	/**
	 * Writes the refusal.
	 * @param exchange the refused exchange; its response is not committed yet
	 * @param rejection why it was refused
	 * @return completes when the answer is written
	 */
	Mono<Void> write(ServerWebExchange exchange, LimiterRejection rejection);

}
