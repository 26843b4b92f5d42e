package dev.limiter.boot.web;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.core.Promise;

import org.springframework.core.Ordered;

/**
 * Refuses requests at once, before any other work, while a load shedder says the process is overloaded.
 *
 * <p>For each rule with a load shedder that matches the request (in order) the filter asks the shedder; a refusal
 * is answered through the {@link LimiterResponseWriter} (503, {@code Retry-After}) and the rest of the chain is not
 * called. Otherwise the request proceeds and, when its response is known, each shedder's promise is completed as
 * go-zero's shedding handler does: a 503 response is a failure ({@link Promise#reject(String)}), any other status,
 * including a 500 or an exception, is a pass ({@link Promise#accept()}). Asynchronous requests complete the
 * promise when they finish.
 *
 * <p>A request refused further down the chain by this starter (a rate limit's 429, a breaker's 503, an annotation's
 * refusal: see {@link LimiterRejection#REQUEST_ATTRIBUTE}) leaves the flight without a pass or a response time
 * ({@link Promise#ignore()}): a flood of fast refusals would otherwise pull the shedder's minimum response time
 * down, and with it the number of requests it lets in. The {@code Retry-After} of a refusal is what is left of an
 * adaptive shedder's cool-off (at least the given minimum). A shedder in shadow mode never refuses: a request it
 * would have shed is counted ({@link #shadowRejections(String)}), logged at debug level and goes on, outside the
 * shedder's flight.
 *
 * <p>Runs first among the limiter filters ({@link #DEFAULT_ORDER}): shedding is cheapest when nothing else has run.
 * A request no rule matches goes straight down the chain, allocating nothing. Thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class LoadSheddingFilter extends PromiseGuardFilter {

	/** The default order: very early, before security and the other limiter filters. */
	public static final int DEFAULT_ORDER = Ordered.HIGHEST_PRECEDENCE + 50;

	/**
	 * Creates the filter.
	 * @param rules the rules; those without a load shedder are ignored
	 * @param writer writes refusals
	 * @param retryAfter the least {@code Retry-After} of refusals
	 */
	public LoadSheddingFilter(List<RequestRule> rules, LimiterResponseWriter writer, Duration retryAfter) {
		this(rules, writer, retryAfter, LimiterCallListener.NONE);
	}

	/**
	 * Creates the filter.
	 * @param rules the rules; those without a load shedder are ignored
	 * @param writer writes refusals
	 * @param retryAfter the least {@code Retry-After} of refusals
	 * @param listener told of every decision
	 */
	public LoadSheddingFilter(List<RequestRule> rules, LimiterResponseWriter writer, Duration retryAfter,
			LimiterCallListener listener) {
		this(rules, writer, retryAfter, listener, (name) -> false);
	}

	/**
	 * Creates the filter.
	 * @param rules the rules; those without a load shedder are ignored
	 * @param writer writes refusals
	 * @param retryAfter the least {@code Retry-After} of refusals
	 * @param listener told of every decision
	 * @param shadow says which shedders run in shadow mode, by name
	 */
	public LoadSheddingFilter(List<RequestRule> rules, LimiterResponseWriter writer, Duration retryAfter,
			LimiterCallListener listener, Predicate<String> shadow) {
		super(PromiseGuard.shedders(rules, retryAfter, listener, shadow), writer);
	}

}
