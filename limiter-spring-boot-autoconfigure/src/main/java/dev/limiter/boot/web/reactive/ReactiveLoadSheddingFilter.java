package dev.limiter.boot.web.reactive;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.web.GuardOutcome;
import dev.limiter.boot.web.PromiseGuard;
import dev.limiter.boot.web.RequestRule;
import dev.limiter.core.Promise;

import org.springframework.core.Ordered;

/**
 * Refuses requests at once, before any other work, while a load shedder says the process is overloaded, in a WebFlux
 * application. The reactive counterpart of the servlet {@link dev.limiter.boot.web.LoadSheddingFilter}.
 *
 * <p>For each rule with a load shedder that matches the request (in order) the filter asks the shedder; a refusal
 * is answered through the {@link ReactiveLimiterResponseWriter} (503, {@code Retry-After}: what is left of an
 * adaptive shedder's cool-off, at least the given minimum). Otherwise the request proceeds and each shedder's
 * promise is completed when the exchange finishes ({@link GuardOutcome#SHEDDER}): a 503 is a failure, any other
 * status or an error a pass. A request another protection of this starter refused further down, or one the client
 * cancelled, leaves the flight without a pass or a response time ({@link Promise#ignore()}), which gives its slot
 * back. A shedder in shadow mode never refuses: what it would have shed is counted
 * ({@link #shadowRejections(String)}) and logged at debug level.
 *
 * <p>Runs first among the limiter filters ({@link #DEFAULT_ORDER}). Thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class ReactiveLoadSheddingFilter extends ReactivePromiseGuardFilter {

	/** The default order: very early, before security and the other limiter filters. */
	public static final int DEFAULT_ORDER = Ordered.HIGHEST_PRECEDENCE + 50;

	/**
	 * Creates the filter.
	 * @param rules the rules; those without a load shedder are ignored
	 * @param writer writes refusals
	 * @param retryAfter the least {@code Retry-After} of refusals
	 * @param listener told of every decision
	 * @param shadow says which shedders run in shadow mode, by name
	 */
	public ReactiveLoadSheddingFilter(List<RequestRule> rules, ReactiveLimiterResponseWriter writer,
			Duration retryAfter, LimiterCallListener listener, Predicate<String> shadow) {
		super(PromiseGuard.shedders(rules, retryAfter, listener, shadow), writer);
	}

	@Override
	public int getOrder() {
		return DEFAULT_ORDER;
	}

}
