package dev.limiter.core.ratelimit;

/** Where a key stands against its limit after a decision (go-zero's PeriodLimit states). */
public enum QuotaState {

	/** Permitted, and permits remain. */
	ALLOWED,

	/** Permitted, and that was the last permit. */
	HIT_QUOTA,

	/** Refused. */
	OVER_QUOTA

}
