package dev.limiter.core.ratelimit;

import java.time.Duration;

/**
 * The answer to one keyed rate-limit request, carrying what an HTTP response needs.
 *
 * @param allowed whether the permits were granted
 * @param limit the limit the spec advertises (burst, quota or window limit)
 * @param remaining permits left right after this decision, never negative
 * @param retryAfter when refused, how long until the same request would succeed ({@link Duration#ZERO} when
 * allowed; a very long duration when it can never succeed)
 * @param resetAfter how long until the key is back to its full limit
 */
public record Decision(boolean allowed, long limit, long remaining, Duration retryAfter, Duration resetAfter) {

	/**
	 * Returns where the key stands: {@link QuotaState#HIT_QUOTA} when allowed with nothing remaining.
	 * @return the quota state
	 */
	public QuotaState state() {
		if (!this.allowed) {
			return QuotaState.OVER_QUOTA;
		}
		return (this.remaining == 0) ? QuotaState.HIT_QUOTA : QuotaState.ALLOWED;
	}

}
