package dev.limiter.core.ratelimit;

import java.time.Duration;
import java.util.Objects;

import dev.limiter.core.InvalidSettingException;
import dev.limiter.core.Settings;

/**
 * A token bucket of {@code burst} permits, starting full and refilled continuously at {@code limit} permits per
 * {@code period}.
 *
 * <p>Stores compute the bucket exactly in integer microseconds (see {@code TokenBucketAlgorithm}): the period must be
 * whole microseconds, and {@code burst × period_µs / gcd(limit, period_µs)} must stay below 2<sup>53</sup> (for
 * example a burst of at most 104 249 for 1 permit per day, but any burst up to 9 × 10<sup>12</sup> for 1 000 per
 * second). Note that {@link #limit()} is the refill amount; the limit a {@link Decision} reports is the burst.
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
			throw InvalidSettingException.of("limit", limit, "must be >= 0");
		}
		Settings.positive("period", period);
		if (burst < 0) {
			throw InvalidSettingException.of("burst", burst, "must be >= 0");
		}
		TokenBucketAlgorithm.validate(limit, period, burst);
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

	@Override
	public TokenBucketSpec with(Long limit, Duration period, Long burst) {
		return new TokenBucketSpec((limit != null) ? limit : this.limit, (period != null) ? period : this.period,
				(burst != null) ? burst : this.burst);
	}

}
