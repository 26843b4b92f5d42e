package dev.limiter.boot.web;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.registry.LimiterKind;
import dev.limiter.core.Promise;
import dev.limiter.core.breaker.Breaker;
import dev.limiter.core.breaker.BreakerOpenException;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Wraps requests in circuit breakers: a request a breaker drops is answered with a 503 at once.
 *
 * <p>For each rule with a circuit breaker that matches the request (in order) the filter asks the breaker; a
 * dropped request is answered through the {@link LimiterResponseWriter} (503, {@code Retry-After}). Otherwise the
 * request proceeds and, once its response is known, each breaker learns the outcome as in go-zero's breaker
 * handler: a status of 500 or more, or an exception thrown down the chain, is a failure; anything else a success.
 * Asynchronous requests report when they finish.
 *
 * <p>Runs last among the limiter filters ({@link #DEFAULT_ORDER}), closest to the work it protects, so requests the
 * shedder or a rate limiter refused never count as the dependency's failures. A request no rule matches goes
 * straight down the chain, allocating nothing. Thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class CircuitBreakerFilter implements Filter {

	/** The default order: after {@link RateLimitFilter#DEFAULT_ORDER}. */
	public static final int DEFAULT_ORDER = RateLimitFilter.DEFAULT_ORDER + 10;

	private static final PromiseCompletion.Outcome OUTCOME = (status, error) -> error != null || status >= 500;

	private final RequestRule[] rules;

	private final LimiterResponseWriter writer;

	private final Duration retryAfter;

	private final LimiterCallListener listener;

	/**
	 * Creates the filter.
	 * @param rules the rules; those without a circuit breaker are ignored
	 * @param writer writes refusals
	 * @param retryAfter the {@code Retry-After} of refusals
	 */
	public CircuitBreakerFilter(List<RequestRule> rules, LimiterResponseWriter writer, Duration retryAfter) {
		this(rules, writer, retryAfter, LimiterCallListener.NONE);
	}

	/**
	 * Creates the filter.
	 * @param rules the rules; those without a circuit breaker are ignored
	 * @param writer writes refusals
	 * @param retryAfter the {@code Retry-After} of refusals
	 * @param listener told of every decision
	 */
	public CircuitBreakerFilter(List<RequestRule> rules, LimiterResponseWriter writer, Duration retryAfter,
			LimiterCallListener listener) {
		this.listener = Objects.requireNonNull(listener, "listener must not be null");
		this.rules = RequestRule.having(Objects.requireNonNull(rules, "rules must not be null"), false, true, false);
		this.writer = Objects.requireNonNull(writer, "writer must not be null");
		this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter must not be null");
	}

	@Override
	public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
			throws IOException, ServletException {
		if (!(servletRequest instanceof HttpServletRequest request)
				|| !(servletResponse instanceof HttpServletResponse response)) {
			chain.doFilter(servletRequest, servletResponse);
			return;
		}
		Promise[] promises = null;
		int count = 0;
		for (RequestRule rule : this.rules) {
			if (!rule.matches(request)) {
				continue;
			}
			Breaker breaker = rule.breaker();
			Promise promise;
			try {
				promise = breaker.allow();
			}
			catch (BreakerOpenException ex) {
				PromiseCompletion.reject(promises, count, "dropped by " + breaker.name());
				this.listener.onCall(LimiterKind.CIRCUIT_BREAKER, breaker.name(), LimiterCallListener.Outcome.REJECTED);
				this.writer.write(request, response,
						new LimiterRejection(LimiterRejection.Reason.BREAKER_OPEN, breaker.name(), this.retryAfter));
				return;
			}
			this.listener.onCall(LimiterKind.CIRCUIT_BREAKER, breaker.name(), LimiterCallListener.Outcome.PERMITTED);
			if (promises == null) {
				promises = new Promise[this.rules.length];
			}
			promises[count++] = promise;
		}
		if (promises == null) {
			chain.doFilter(request, response);
			return;
		}
		PromiseCompletion.proceed(request, response, chain, promises, count, OUTCOME);
	}

	/**
	 * Returns whether any rule has a circuit breaker; the filter need not be registered otherwise.
	 * @return whether the filter has work to do
	 */
	public boolean hasRules() {
		return this.rules.length > 0;
	}

}
