package dev.limiter.core.ratelimit;

/**
 * What a keyed rate limit allows: one of a token bucket ({@link TokenBucketSpec}: a refill rate and a burst), a
 * fixed window ({@link FixedWindowSpec}: a quota per period) or a sliding window ({@link SlidingWindowSpec}: a limit
 * in any window of a given length). Each record documents its model; stores compute all three exactly in integer
 * microseconds.
 *
 * <p>Immutable and validated on construction.
 */
public sealed interface LimitSpec permits TokenBucketSpec, FixedWindowSpec, SlidingWindowSpec {

	/**
	 * Returns the number of permits this spec advertises as its limit (burst, quota or window limit), as reported in
	 * {@link Decision#limit()}.
	 * @return the advertised limit
	 */
	long limit();

}
