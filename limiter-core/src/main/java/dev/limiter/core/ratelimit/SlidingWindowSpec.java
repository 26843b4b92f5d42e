package dev.limiter.core.ratelimit;

import java.time.Duration;
import java.util.Objects;

import dev.limiter.core.InvalidSettingException;
import dev.limiter.core.Settings;

/**
 * A sliding window: about {@code limit} permits in any window of {@code window} length, estimated from the current
 * and the previous fixed window weighted by their overlap (O(1) state per key).
 *
 * <p>The window must be whole microseconds, below 2<sup>50</sup> µs; weights are computed exactly on integer ticks
 * (see {@code SlidingWindowAlgorithm}, which also states the estimate's error bound).
 *
 * @param limit permits per window; 0 rejects everything
 * @param window the window length, positive
 */
public record SlidingWindowSpec(long limit, Duration window) implements LimitSpec {

	/** Validates the spec. */
	public SlidingWindowSpec {
		Objects.requireNonNull(window, "window must not be null");
		if (limit < 0) {
			throw InvalidSettingException.of("limit", limit, "must be >= 0");
		}
		Settings.positive("window", window);
		SlidingWindowAlgorithm.tickMicros(limit, window);
	}

	@Override
	public SlidingWindowSpec with(Long limit, Duration period, Long burst) {
		if (burst != null) {
			throw new IllegalArgumentException("burst only applies to a token bucket, not a sliding window");
		}
		return new SlidingWindowSpec((limit != null) ? limit : this.limit, (period != null) ? period : this.window);
	}

}
