package dev.limiter.core.ratelimit;

import java.time.Duration;
import java.util.Objects;

/**
 * A token bucket of {@code burst} permits, starting full and refilled continuously at {@code limit} permits per
 * {@code period}.
 *
 * @param limit permits added per period; 0 means the bucket never refills
 * @param period the refill period, positive
 * @param burst the bucket's capacity; 0 rejects every request
 */
public record TokenBucketSpec(long limit, Duration period, long burst) implements LimitSpec {

	/** Validates the spec. */
	public TokenBucketSpec {
		Objects.requireNonNull(period, "period must not be null");
		if (limit < 0) {
			throw new IllegalArgumentException("limit must be >= 0 (was " + limit + ")");
		}
		if (period.isNegative() || period.isZero()) {
			throw new IllegalArgumentException("period must be > 0 (was " + period + ")");
		}
		if (burst < 0) {
			throw new IllegalArgumentException("burst must be >= 0 (was " + burst + ")");
		}
	}

	/**
	 * A bucket whose burst equals its limit.
	 * @param limit permits per period, and the capacity
	 * @param period the refill period
	 * @return the spec
	 */
	public static TokenBucketSpec of(long limit, Duration period) {
		return new TokenBucketSpec(limit, period, limit);
	}

}
