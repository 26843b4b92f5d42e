package dev.limiter.core.ratelimit;

/**
 * Where a key stands against its limit after a decision (go-zero's PeriodLimit states): a permitted request either
 * leaves permits or took the last one; a refused request is over the quota.
 */
public enum QuotaState {

	/** Permitted, and permits remain. */
	ALLOWED,

	/** Permitted, and that was the last permit. */
	HIT_QUOTA,

	/** Refused. */
	OVER_QUOTA

}
