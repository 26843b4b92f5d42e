package dev.limiter.annotation;

import java.util.Objects;

import dev.limiter.core.LimiterException;
import dev.limiter.core.ratelimit.Decision;

/**
 * Thrown by a {@link RateLimited @RateLimited} method when its rate limiter refuses the call. Carries the decision
 * (how long until a retry can succeed) and no stack trace. In Spring MVC it is answered with a 429 by default.
 *
 * @author limiter
 * @since 0.1.0
 */
public class RateLimitExceededException extends LimiterException {

	private static final long serialVersionUID = 1L;

	private final transient Decision decision;

	/**
	 * Creates the exception.
	 * @param name the rate limiter's name
	 * @param decision the refusal
	 */
	public RateLimitExceededException(String name, Decision decision) {
		super(name, "Rate limiter '" + name + "' refused the call", false);
		this.decision = Objects.requireNonNull(decision, "decision must not be null");
	}

	/**
	 * Returns the refusal.
	 * @return the decision
	 */
	public Decision getDecision() {
		return this.decision;
	}

}
