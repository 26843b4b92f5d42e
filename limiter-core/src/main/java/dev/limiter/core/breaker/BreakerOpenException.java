package dev.limiter.core.breaker;

import dev.limiter.core.LimiterException;

/** Thrown when a circuit breaker drops a call. Carries no stack trace: it is an expected, frequent outcome. */
public class BreakerOpenException extends LimiterException {

	private static final long serialVersionUID = 1L;

	/**
	 * Creates the exception for the named breaker.
	 * @param name the breaker's name
	 */
	public BreakerOpenException(String name) {
		super(name, "Circuit breaker '" + name + "' is open and dropped the call", false);
	}

}
