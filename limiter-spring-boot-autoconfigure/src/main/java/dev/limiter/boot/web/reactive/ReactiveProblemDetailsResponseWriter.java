package dev.limiter.boot.web.reactive;

import java.nio.charset.StandardCharsets;

import dev.limiter.boot.web.LimiterProblemDetails;
import dev.limiter.boot.web.LimiterRejection;
import dev.limiter.boot.web.RateLimitHeaders;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

/**
 * The default {@link ReactiveLimiterResponseWriter}: the same answer as the servlet stack's
 * {@link dev.limiter.boot.web.ProblemDetailsResponseWriter}: the status of the {@link LimiterRejection.Reason}, a
 * {@code Retry-After} header in whole seconds rounded up, {@code Cache-Control: no-store} and the
 * {@link LimiterProblemDetails} {@code application/problem+json} body. A response already committed is left alone.
 * Stateless and thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class ReactiveProblemDetailsResponseWriter implements ReactiveLimiterResponseWriter {

	private static final MediaType APPLICATION_PROBLEM_JSON =
			MediaType.parseMediaType(LimiterProblemDetails.APPLICATION_PROBLEM_JSON);

	@Override
	public Mono<Void> write(ServerWebExchange exchange, LimiterRejection rejection) {
		ServerHttpResponse response = exchange.getResponse();
		if (response.isCommitted()) {
			return Mono.empty(); // a handler already started answering: nothing can be changed any more
		}
		long retryAfter = RateLimitHeaders.seconds(rejection.retryAfter());
		byte[] body = LimiterProblemDetails.json(rejection, retryAfter).getBytes(StandardCharsets.UTF_8);
		response.setStatusCode(HttpStatusCode.valueOf(rejection.reason().status()));
		HttpHeaders headers = response.getHeaders();
		headers.set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
		headers.set(HttpHeaders.CACHE_CONTROL, "no-store");
		headers.setContentType(APPLICATION_PROBLEM_JSON);
		headers.setContentLength(body.length);
		return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
	}

}
