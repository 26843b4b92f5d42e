package dev.limiter.boot.metrics;

import dev.limiter.boot.registry.LimiterKind;

/**
 * Told of every call a rate limiter, circuit breaker or load shedder decided, by the servlet filters and the
 * annotations' aspect; {@link LimiterMetrics} counts them as {@code limiter.calls}. Called on the request thread:
 * implementations must be fast, must not throw and should not allocate.
 *
 * @author limiter
 * @since 0.1.0
 */
@FunctionalInterface
public interface LimiterCallListener {

	/** A listener that ignores every call. */
	LimiterCallListener NONE = (kind, name, outcome) -> {
	};

	/**
	 * Records one decided call.
	 * @param kind what decided
	 * @param name the name of the instance that decided
	 * @param outcome how it decided
	 */
	void onCall(LimiterKind kind, String name, Outcome outcome);

	/**
	 * Records that a key expression failed on a call, which was then counted under the shared key {@code "-"}.
	 * Does nothing by default.
	 * @param kind what the key was for
	 * @param name the name of the instance the key was for
	 */
	default void onKeyFailure(LimiterKind kind, String name) {
	}

	/** How a call was decided. */
	enum Outcome {

		/** The call was let through. */
		PERMITTED("permitted"),

		/** The call was refused. */
		REJECTED("rejected"),

		/** A limiter in shadow mode would have refused the call and let it through. */
		SHADOW_REJECTED("shadow-rejected"),

		/** A breaker dropped the call and its fallback answered. */
		FALLBACK("fallback");

		private final String tag;

		Outcome(String tag) {
			this.tag = tag;
		}

		/**
		 * Returns the value of the {@code outcome} tag.
		 * @return the tag value
		 */
		public String tag() {
			return this.tag;
		}

	}

}
