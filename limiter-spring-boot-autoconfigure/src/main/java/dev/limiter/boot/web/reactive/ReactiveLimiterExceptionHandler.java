package dev.limiter.boot.web.reactive;

import java.time.Duration;
import java.util.Objects;

import dev.limiter.annotation.RateLimitExceededException;
import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.boot.web.LimiterExceptionRejections;
import dev.limiter.boot.web.LimiterRejection;
import dev.limiter.boot.web.RateLimitHeaders;
import dev.limiter.core.breaker.BreakerOpenException;
import dev.limiter.core.shedding.OverloadException;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

/**
 * Answers the limiter exceptions of annotated methods in WebFlux the way the filters answer refusals, as the servlet
 * stack's {@link dev.limiter.boot.web.LimiterExceptionResolver} does: {@link RateLimitExceededException} with a 429
 * (and the limiter's rate-limit headers), {@link OverloadException} and {@link BreakerOpenException} with a 503, each
 * through the {@link ReactiveLimiterResponseWriter}. The {@code Retry-After} of a 503 is what is left of the named
 * threshold breaker's open time or adaptive shedder's cool-off, at least the given minimum. The answered exchange
 * carries {@link LimiterRejection#REQUEST_ATTRIBUTE}. Other errors, and errors of a response already committed, are
 * passed on.
 *
 * <p>Ordered before Boot's error handler ({@link #DEFAULT_ORDER}); an application's {@code @ExceptionHandler} for
 * these exceptions answers them before any {@code WebExceptionHandler} sees them, so it wins.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class ReactiveLimiterExceptionHandler implements WebExceptionHandler, Ordered {

	/** The default order: before Boot's {@code ErrorWebExceptionHandler} (-1). */
	public static final int DEFAULT_ORDER = -2;

	private final ReactiveLimiterResponseWriter writer;

	private final LimiterExceptionRejections rejections;

	/**
	 * Creates the handler.
	 * @param writer writes the answers
	 * @param headers writes rate-limit headers on 429 answers
	 * @param rateLimiters the rate limiters, whose policies the headers describe
	 * @param breakers the circuit breakers, whose open time the {@code Retry-After} of a 503 tells
	 * @param shedders the load shedders, whose cool-off the {@code Retry-After} of a 503 tells
	 * @param retryAfter the least {@code Retry-After} of 503 answers
	 */
	public ReactiveLimiterExceptionHandler(ReactiveLimiterResponseWriter writer, RateLimitHeaders headers,
			RateLimiterRegistry rateLimiters, CircuitBreakerRegistry breakers, LoadShedderRegistry shedders,
			Duration retryAfter) {
		this.writer = Objects.requireNonNull(writer, "writer must not be null");
		this.rejections = new LimiterExceptionRejections(headers, rateLimiters, breakers, shedders, retryAfter);
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
		if (exchange.getResponse().isCommitted()) {
			return Mono.error(ex);
		}
		LimiterRejection rejection = this.rejections.rejection(ex, exchange.getResponse().getHeaders(),
				RateLimitHeaders.HEADERS);
		if (rejection == null) {
			return Mono.error(ex);
		}
		exchange.getAttributes().put(LimiterRejection.REQUEST_ATTRIBUTE, rejection);
		return this.writer.write(exchange, rejection);
	}

	@Override
	public int getOrder() {
		return DEFAULT_ORDER;
	}

}
