package dev.limiter.core.ratelimit;

/**
 * What a keyed rate limit allows: one of a token bucket, a fixed window or a sliding window. Immutable and
 * validated on construction.
 */
public sealed interface LimitSpec permits TokenBucketSpec, FixedWindowSpec, SlidingWindowSpec {

	/**
	 * Returns the number of permits this spec advertises as its limit (burst, quota or window limit), as reported in
	 * {@link Decision#limit()}.
	 * @return the advertised limit
	 */
	long limit();

}
