package dev.limiter.core.ratelimit;

import java.time.Duration;

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

	/**
	 * Returns a copy with new values where given, checked together: {@code limit} is the refill amount of a token
	 * bucket, the quota of a fixed window and the limit of a sliding window; {@code period} is the period, or the
	 * window of a sliding window; {@code burst} is a token bucket's capacity. {@code null} keeps the current value.
	 * @param limit the new limit, or {@code null}
	 * @param period the new period, or {@code null}
	 * @param burst the new burst, or {@code null}; only token buckets have one
	 * @return the copy
	 * @throws IllegalArgumentException if the copy would be invalid, or a burst is given for a spec without one
	 */
	LimitSpec with(Long limit, Duration period, Long burst);

	/**
	 * Returns a copy with a new limit (see {@link #with(Long, Duration, Long)}).
	 * @param limit the new limit
	 * @return the copy
	 * @throws IllegalArgumentException if the copy would be invalid
	 */
	default LimitSpec withLimit(long limit) {
		return with(limit, null, null);
	}

	/**
	 * Returns a copy with a new period (see {@link #with(Long, Duration, Long)}).
	 * @param period the new period
	 * @return the copy
	 * @throws IllegalArgumentException if the copy would be invalid
	 */
	default LimitSpec withPeriod(Duration period) {
		return with(null, period, null);
	}

	/**
	 * Returns a copy with a new burst (see {@link #with(Long, Duration, Long)}).
	 * @param burst the new burst
	 * @return the copy
	 * @throws IllegalArgumentException if the copy would be invalid or the spec has no burst
	 */
	default LimitSpec withBurst(long burst) {
		return with(null, null, burst);
	}

}
