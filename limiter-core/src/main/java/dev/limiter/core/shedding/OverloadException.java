package dev.limiter.core.shedding;

import dev.limiter.core.LimiterException;

/** Thrown when a shedder refuses a call because the process is overloaded. Carries no stack trace. */
public class OverloadException extends LimiterException {

	private static final long serialVersionUID = 1L;

	/**
	 * Creates the exception for the named shedder.
	 * @param name the shedder's name
	 */
	public OverloadException(String name) {
		super(name, "Load shedder '" + name + "' refused the call: service overloaded", false);
	}

}
