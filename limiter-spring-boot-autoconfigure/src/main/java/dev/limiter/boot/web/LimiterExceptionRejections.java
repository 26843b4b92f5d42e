package dev.limiter.boot.web;

import java.time.Duration;
import java.util.Objects;

import dev.limiter.annotation.RateLimitExceededException;
import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.core.breaker.BreakerOpenException;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.shedding.OverloadException;
import org.jspecify.annotations.Nullable;

/**
 * Turns the limiter exceptions of annotated methods into the {@link LimiterRejection}s the filters answer with:
 * {@link RateLimitExceededException} into a 429 (writing the limiter's rate-limit headers), {@link OverloadException}
 * and {@link BreakerOpenException} into a 503 whose {@code Retry-After} is what is left of the named threshold
 * breaker's open time or adaptive shedder's cool-off, at least the given minimum. Shared by
 * {@link LimiterExceptionResolver} and its WebFlux counterpart; not meant for applications. Thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class LimiterExceptionRejections {

	private final RateLimitHeaders headers;

	private final RateLimiterRegistry rateLimiters;

	private final CircuitBreakerRegistry breakers;

	private final LoadShedderRegistry shedders;

	private final Duration retryAfter;

	/**
	 * Creates the translation.
	 * @param headers writes rate-limit headers on 429 answers
	 * @param rateLimiters the rate limiters, whose policies the headers describe
	 * @param breakers the circuit breakers, whose open time the {@code Retry-After} of a 503 tells
	 * @param shedders the load shedders, whose cool-off the {@code Retry-After} of a 503 tells
	 * @param retryAfter the least {@code Retry-After} of 503 answers
	 */
	public LimiterExceptionRejections(RateLimitHeaders headers, RateLimiterRegistry rateLimiters,
			CircuitBreakerRegistry breakers, LoadShedderRegistry shedders, Duration retryAfter) {
		this.headers = Objects.requireNonNull(headers, "headers must not be null");
		this.rateLimiters = Objects.requireNonNull(rateLimiters, "rateLimiters must not be null");
		this.breakers = Objects.requireNonNull(breakers, "breakers must not be null");
		this.shedders = Objects.requireNonNull(shedders, "shedders must not be null");
		this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter must not be null");
	}

	/**
	 * Returns the refusal a limiter exception stands for, writing the rate-limit headers of a rate limit's.
	 * @param <T> the type of the response
	 * @param ex the exception
	 * @param response the response, not committed yet
	 * @param access reads and writes the response's headers
	 * @return the refusal, or {@code null} when {@code ex} is not a limiter exception
	 */
	public <T> @Nullable LimiterRejection rejection(Throwable ex, T response, RateLimitHeaders.Access<T> access) {
		if (ex instanceof RateLimitExceededException exceeded) {
			RateLimiter limiter = this.rateLimiters.find(exceeded.getName());
			if (limiter != null) {
				this.headers.write(response, access, RateLimitHeaders.policy(limiter), exceeded.getDecision());
			}
			return new LimiterRejection(LimiterRejection.Reason.RATE_LIMITED, exceeded.getName(),
					exceeded.getDecision().retryAfter());
		}
		if (ex instanceof OverloadException overload) {
			return new LimiterRejection(LimiterRejection.Reason.OVERLOADED, overload.getName(),
					RetryAfters.shedder(this.shedders.find(overload.getName()), this.retryAfter));
		}
		if (ex instanceof BreakerOpenException open) {
			return new LimiterRejection(LimiterRejection.Reason.BREAKER_OPEN, open.getName(),
					RetryAfters.breaker(this.breakers.find(open.getName()), this.retryAfter));
		}
		return null;
	}

}
