package dev.limiter.boot.web;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

import dev.limiter.annotation.RateLimitExceededException;
import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.core.breaker.BreakerOpenException;
import dev.limiter.core.shedding.OverloadException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.Ordered;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Answers the limiter exceptions thrown by handlers in Spring MVC the way the filters answer refusals:
 * {@link RateLimitExceededException} with a 429 (and the limiter's rate-limit headers),
 * {@link OverloadException} and {@link BreakerOpenException} with a 503, each through the
 * {@link LimiterResponseWriter}. The {@code Retry-After} of a 503 is what is left of the named threshold breaker's
 * open time or adaptive shedder's cool-off, at least the given minimum. The answered request carries
 * {@link LimiterRejection#REQUEST_ATTRIBUTE}, so outer breakers and shedders do not count it.
 *
 * <p>Ordered after Spring MVC's own resolvers ({@link #DEFAULT_ORDER}), so an application's
 * {@code @ExceptionHandler} for these exceptions wins.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class LimiterExceptionResolver implements HandlerExceptionResolver, Ordered {

	/** The default order: after the handler exception resolvers of Spring MVC (order 0). */
	public static final int DEFAULT_ORDER = 10;

	private static final Logger logger = LoggerFactory.getLogger(LimiterExceptionResolver.class);

	private final LimiterResponseWriter writer;

	private final LimiterExceptionRejections rejections;

	/**
	 * Creates the resolver.
	 * @param writer writes the answers
	 * @param headers writes rate-limit headers on 429 answers
	 * @param rateLimiters the rate limiters, whose policies the headers describe
	 * @param retryAfter the {@code Retry-After} of 503 answers
	 */
	public LimiterExceptionResolver(LimiterResponseWriter writer, RateLimitHeaders headers,
			RateLimiterRegistry rateLimiters, Duration retryAfter) {
		this(writer, headers, rateLimiters, new CircuitBreakerRegistry(Map.of()), new LoadShedderRegistry(Map.of()),
				retryAfter);
	}

	/**
	 * Creates the resolver.
	 * @param writer writes the answers
	 * @param headers writes rate-limit headers on 429 answers
	 * @param rateLimiters the rate limiters, whose policies the headers describe
	 * @param breakers the circuit breakers, whose open time the {@code Retry-After} of a 503 tells
	 * @param shedders the load shedders, whose cool-off the {@code Retry-After} of a 503 tells
	 * @param retryAfter the least {@code Retry-After} of 503 answers
	 */
	public LimiterExceptionResolver(LimiterResponseWriter writer, RateLimitHeaders headers,
			RateLimiterRegistry rateLimiters, CircuitBreakerRegistry breakers, LoadShedderRegistry shedders,
			Duration retryAfter) {
		this.writer = Objects.requireNonNull(writer, "writer must not be null");
		this.rejections = new LimiterExceptionRejections(headers, rateLimiters, breakers, shedders, retryAfter);
	}

	@Override
	public @Nullable ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response,
			@Nullable Object handler, Exception ex) {
		if (response.isCommitted()) {
			return null; // too late to answer: the response has begun
		}
		LimiterRejection rejection = this.rejections.rejection(ex, response, RateLimitHeaders.ServletAccess.INSTANCE);
		if (rejection == null) {
			return null;
		}
		request.setAttribute(LimiterRejection.REQUEST_ATTRIBUTE, rejection);
		try {
			this.writer.write(request, response, rejection);
		}
		catch (IOException writeFailure) {
			logger.debug("Could not write the answer to a refused request", writeFailure);
		}
		return new ModelAndView();
	}

	@Override
	public int getOrder() {
		return DEFAULT_ORDER;
	}

}
