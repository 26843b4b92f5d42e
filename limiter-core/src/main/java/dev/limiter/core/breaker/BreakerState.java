package dev.limiter.core.breaker;

/** The state of a circuit breaker as operators see it. */
public enum BreakerState {

	/** Calls flow; an adaptive breaker in this state drops none. */
	CLOSED,

	/** Calls are refused (a threshold breaker after tripping); an adaptive breaker is open while it drops calls. */
	OPEN,

	/** A threshold breaker lets a limited number of probe calls through to decide whether to close again. */
	HALF_OPEN,

	/** An operator forced the breaker open: every call is refused until it is released. */
	FORCED_OPEN,

	/** An operator forced the breaker closed: every call is permitted and outcomes are still recorded. */
	FORCED_CLOSED,

	/** The breaker is disabled: every call is permitted and nothing is recorded. */
	DISABLED

}
