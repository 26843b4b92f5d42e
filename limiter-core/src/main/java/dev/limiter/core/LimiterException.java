package dev.limiter.core;

/**
 * The unchecked base of the exceptions a limiter, breaker or shedder throws when it refuses a call; carries the
 * name of the instance that refused.
 */
public abstract class LimiterException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final String name;

	/**
	 * Creates an exception for the named instance.
	 * @param name the name of the limiter, breaker or shedder that refused the call
	 * @param message the detail message
	 * @param writableStackTrace whether to capture a stack trace (off on hot rejection paths)
	 */
	protected LimiterException(String name, String message, boolean writableStackTrace) {
		super(message, null, false, writableStackTrace);
		this.name = name;
	}

	/**
	 * Returns the name of the instance that refused the call.
	 * @return the instance name
	 */
	public String getName() {
		return this.name;
	}

}
