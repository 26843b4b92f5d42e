package dev.limiter.boot.registry;

/**
 * The three kinds of protection limiter configures, with their names in messages and properties.
 *
 * @author limiter
 * @since 0.1.0
 */
public enum LimiterKind {

	/** A keyed rate limiter, configured under {@code limiter.rate-limiters}. */
	RATE_LIMITER("rate limiter", "limiter.rate-limiters"),

	/** A circuit breaker, configured under {@code limiter.circuit-breakers}. */
	CIRCUIT_BREAKER("circuit breaker", "limiter.circuit-breakers"),

	/** A load shedder, configured under {@code limiter.load-shedders}. */
	LOAD_SHEDDER("load shedder", "limiter.load-shedders");

	private final String displayName;

	private final String propertyPrefix;

	LimiterKind(String displayName, String propertyPrefix) {
		this.displayName = displayName;
		this.propertyPrefix = propertyPrefix;
	}

	/**
	 * Returns the kind's name in messages, such as "rate limiter".
	 * @return the display name
	 */
	public String displayName() {
		return this.displayName;
	}

	/**
	 * Returns the prefix of the properties configuring instances of this kind, such as
	 * {@code limiter.rate-limiters}.
	 * @return the property prefix
	 */
	public String propertyPrefix() {
		return this.propertyPrefix;
	}

}
