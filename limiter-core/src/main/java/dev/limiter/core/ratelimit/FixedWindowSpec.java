package dev.limiter.core.ratelimit;

import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

import dev.limiter.core.InvalidSettingException;
import dev.limiter.core.Settings;

/**
 * A fixed-window counter (go-zero's PeriodLimit): at most {@code quota} permits per window of {@code period}. The
 * n-th permit of a window is {@link QuotaState#ALLOWED} while n &lt; quota, {@link QuotaState#HIT_QUOTA} at
 * n == quota and {@link QuotaState#OVER_QUOTA} after.
 *
 * <p>Unaligned windows start at the first request of a key. Aligned windows sit on calendar boundaries of
 * {@code zone} (a daily quota resets at midnight); the zone is UTC unless given. Boundaries are the local wall-clock
 * times that are whole multiples of the period after 1970-01-01T00:00 local time (for periods dividing a day: after
 * every local midnight); across DST changes windows follow the wall clock (see {@code FixedWindowAlgorithm}).
 *
 * <p>A refused request is not counted (go-zero counts it; with one permit per call the decisions are the same).
 *
 * @param quota permits per window; 0 rejects everything
 * @param period the window length, positive, whole microseconds below 2<sup>50</sup>; whole milliseconds when
 * aligned
 * @param align whether windows sit on calendar boundaries
 * @param zone the time zone of aligned windows
 */
public record FixedWindowSpec(long quota, Duration period, boolean align, ZoneId zone) implements LimitSpec {

	/** Validates the spec. */
	public FixedWindowSpec {
		Objects.requireNonNull(period, "period must not be null");
		Objects.requireNonNull(zone, "zone must not be null");
		if (quota < 0) {
			throw InvalidSettingException.of("quota", quota, "must be >= 0");
		}
		Settings.positive("period", period);
		FixedWindowAlgorithm.validate(period, align);
	}

	/**
	 * A fixed window whose aligned windows, if any, sit on UTC boundaries.
	 * @param quota permits per window
	 * @param period the window length
	 * @param align whether windows sit on calendar boundaries
	 */
	public FixedWindowSpec(long quota, Duration period, boolean align) {
		this(quota, period, align, ZoneOffset.UTC);
	}

	@Override
	public long limit() {
		return this.quota;
	}

	@Override
	public FixedWindowSpec with(Long limit, Duration period, Long burst) {
		if (burst != null) {
			throw new IllegalArgumentException("burst only applies to a token bucket, not a fixed window");
		}
		return new FixedWindowSpec((limit != null) ? limit : this.quota, (period != null) ? period : this.period,
				this.align, this.zone);
	}

}
