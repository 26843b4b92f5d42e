package dev.limiter.boot.web;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.core.Promise;

/**
 * Wraps requests in circuit breakers: a request a breaker drops is answered with a 503 at once.
 *
 * <p>For each rule with a circuit breaker that matches the request (in order) the filter asks the breaker; a
 * dropped request is answered through the {@link LimiterResponseWriter} (503, {@code Retry-After}). Otherwise the
 * request proceeds and, once its response is known, each breaker learns the outcome as in go-zero's breaker
 * handler: a status of 500 or more, or an exception thrown down the chain, is a failure; anything else a success.
 * Asynchronous requests report when they finish.
 *
 * <p>A request another protection refused says nothing about the dependency: a later breaker dropping it, or a 429
 * or 503 this starter wrote further down the chain (an inner {@code @CircuitBreaker}, {@code @LoadShed} or
 * {@code @RateLimited} answered by {@link LimiterExceptionResolver}; see {@link LimiterRejection#REQUEST_ATTRIBUTE}),
 * is neither a success nor a failure ({@link Promise#ignore()}), as Resilience4j and go-zero ignore calls that were
 * not permitted. The {@code Retry-After} of a refusal is what is left of a threshold breaker's open time (at least
 * the given minimum); an adaptive breaker, which drops with a probability, answers the minimum. A breaker in shadow
 * mode never refuses: a call it would have dropped is counted ({@link #shadowRejections(String)}), logged at debug
 * level and goes on without being recorded, so the breaker's state evolves as if it enforced.
 *
 * <p>Runs last among the limiter filters ({@link #DEFAULT_ORDER}), closest to the work it protects, so requests the
 * shedder or a rate limiter refused never count as the dependency's failures. A request no rule matches goes
 * straight down the chain, allocating nothing. Thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class CircuitBreakerFilter extends PromiseGuardFilter {

	/** The default order: after {@link RateLimitFilter#DEFAULT_ORDER}. */
	public static final int DEFAULT_ORDER = RateLimitFilter.DEFAULT_ORDER + 10;

	/**
	 * Creates the filter.
	 * @param rules the rules; those without a circuit breaker are ignored
	 * @param writer writes refusals
	 * @param retryAfter the least {@code Retry-After} of refusals
	 */
	public CircuitBreakerFilter(List<RequestRule> rules, LimiterResponseWriter writer, Duration retryAfter) {
		this(rules, writer, retryAfter, LimiterCallListener.NONE);
	}

	/**
	 * Creates the filter.
	 * @param rules the rules; those without a circuit breaker are ignored
	 * @param writer writes refusals
	 * @param retryAfter the least {@code Retry-After} of refusals
	 * @param listener told of every decision
	 */
	public CircuitBreakerFilter(List<RequestRule> rules, LimiterResponseWriter writer, Duration retryAfter,
			LimiterCallListener listener) {
		this(rules, writer, retryAfter, listener, (name) -> false);
	}

	/**
	 * Creates the filter.
	 * @param rules the rules; those without a circuit breaker are ignored
	 * @param writer writes refusals
	 * @param retryAfter the least {@code Retry-After} of refusals
	 * @param listener told of every decision
	 * @param shadow says which breakers run in shadow mode, by name
	 */
	public CircuitBreakerFilter(List<RequestRule> rules, LimiterResponseWriter writer, Duration retryAfter,
			LimiterCallListener listener, Predicate<String> shadow) {
		super(PromiseGuard.breakers(rules, retryAfter, listener, shadow), writer);
	}

}
