package dev.limiter.boot.web.reactive;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.web.GuardOutcome;
import dev.limiter.boot.web.LimiterRejection;
import dev.limiter.boot.web.PromiseGuard;
import dev.limiter.boot.web.RequestRule;
import dev.limiter.core.Promise;

/**
 * Wraps requests in circuit breakers in a WebFlux application: a request a breaker drops is answered with a 503 at
 * once. The reactive counterpart of the servlet {@link dev.limiter.boot.web.CircuitBreakerFilter}.
 *
 * <p>For each rule with a circuit breaker that matches the request (in order) the filter asks the breaker; a
 * dropped request is answered through the {@link ReactiveLimiterResponseWriter} (503, {@code Retry-After}: what is
 * left of a threshold breaker's open time, at least the given minimum). Otherwise the request proceeds and each
 * breaker learns the outcome when the exchange finishes ({@link GuardOutcome#BREAKER}): a status of 500 or more, or
 * an error, is a failure; anything else a success. A request another protection of this starter refused further
 * down (the exchange attribute {@link LimiterRejection#REQUEST_ATTRIBUTE}, or a limiter exception), or one the client
 * cancelled, is neither ({@link Promise#ignore()}). A breaker in shadow mode never refuses: what it would have
 * dropped is counted ({@link #shadowRejections(String)}) and logged at debug level.
 *
 * <p>Runs last among the limiter filters ({@link #DEFAULT_ORDER}), closest to the work it protects. Thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class ReactiveCircuitBreakerFilter extends ReactivePromiseGuardFilter {

	/** The default order: after {@link ReactiveRateLimitFilter#DEFAULT_ORDER}. */
	public static final int DEFAULT_ORDER = ReactiveRateLimitFilter.DEFAULT_ORDER + 10;

	/**
	 * Creates the filter.
	 * @param rules the rules; those without a circuit breaker are ignored
	 * @param writer writes refusals
	 * @param retryAfter the least {@code Retry-After} of refusals
	 * @param listener told of every decision
	 * @param shadow says which breakers run in shadow mode, by name
	 */
	public ReactiveCircuitBreakerFilter(List<RequestRule> rules, ReactiveLimiterResponseWriter writer,
			Duration retryAfter, LimiterCallListener listener, Predicate<String> shadow) {
		super(PromiseGuard.breakers(rules, retryAfter, listener, shadow), writer);
	}

	@Override
	public int getOrder() {
		return DEFAULT_ORDER;
	}

}
