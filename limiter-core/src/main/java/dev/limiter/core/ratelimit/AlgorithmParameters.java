package dev.limiter.core.ratelimit;

import java.time.Duration;
import java.util.Objects;

/**
 * The exact integer parameters of a {@link LimitSpec}'s algorithm, for {@link RateLimitStore} implementations outside
 * this package that run the same algorithms elsewhere (the Redis store's Lua scripts). Not meant for application
 * code. The models and units are those of {@link InMemoryRateLimitStore}'s algorithms, so a port that follows them
 * answers identically.
 *
 * <p>Immutable and thread-safe.
 */
public final class AlgorithmParameters {

	private final KeyedAlgorithm algorithm;

	private AlgorithmParameters(KeyedAlgorithm algorithm) {
		this.algorithm = algorithm;
	}

	/**
	 * Computes the parameters of a spec.
	 * @param spec the spec
	 * @return its parameters
	 * @throws IllegalArgumentException if the spec cannot be computed exactly in integer microseconds below
	 * 2<sup>53</sup> (the same specs {@link InMemoryRateLimitStore} rejects)
	 */
	public static AlgorithmParameters of(LimitSpec spec) {
		Objects.requireNonNull(spec, "spec must not be null");
		return new AlgorithmParameters(KeyedAlgorithm.of(spec));
	}

	/**
	 * Returns the spec.
	 * @return the spec
	 */
	public LimitSpec spec() {
		return this.algorithm.spec();
	}

	/**
	 * Returns whether the algorithm reads wall-clock epoch microseconds (aligned fixed windows) rather than monotonic
	 * time.
	 * @return whether the wall clock is needed
	 */
	public boolean usesWallClock() {
		return this.algorithm.usesWallClock();
	}

	/**
	 * Returns a token bucket's {@code {burst, permitUnits, refillUnits, capacity}} (see the token bucket model).
	 * @return the four parameters
	 * @throws IllegalStateException if the spec is not a {@link TokenBucketSpec}
	 */
	public long[] tokenBucket() {
		if (this.algorithm instanceof TokenBucketAlgorithm tb) {
			return new long[] { tb.burst, tb.permitUnits, tb.refillUnits, tb.capacity };
		}
		throw new IllegalStateException("not a token bucket: " + spec());
	}

	/**
	 * Returns a fixed window's {@code {quota, periodMicros}}.
	 * @return the two parameters
	 * @throws IllegalStateException if the spec is not a {@link FixedWindowSpec}
	 */
	public long[] fixedWindow() {
		return new long[] { fixedWindowAlgorithm().quota, fixedWindowAlgorithm().periodMicros };
	}

	/**
	 * Returns the first microsecond of the aligned window of a fixed window spec that holds an instant.
	 * @param epochMicros the instant, microseconds since the Unix epoch
	 * @return the window's start
	 * @throws IllegalStateException if the spec is not a {@link FixedWindowSpec}
	 */
	public long windowStart(long epochMicros) {
		return fixedWindowAlgorithm().windowStart(epochMicros);
	}

	/**
	 * Returns the end (exclusive) of the aligned window of a fixed window spec that holds an instant.
	 * @param epochMicros the instant, microseconds since the Unix epoch
	 * @return the window's end
	 * @throws IllegalStateException if the spec is not a {@link FixedWindowSpec}
	 */
	public long windowEnd(long epochMicros) {
		return fixedWindowAlgorithm().windowEnd(epochMicros);
	}

	/**
	 * Returns a sliding window's {@code {limit, windowMicros, tickMicros, ticks}}.
	 * @return the four parameters
	 * @throws IllegalStateException if the spec is not a {@link SlidingWindowSpec}
	 */
	public long[] slidingWindow() {
		if (this.algorithm instanceof SlidingWindowAlgorithm sw) {
			return new long[] { sw.limit, sw.windowMicros, sw.tickMicros, sw.ticks };
		}
		throw new IllegalStateException("not a sliding window: " + spec());
	}

	private FixedWindowAlgorithm fixedWindowAlgorithm() {
		if (this.algorithm instanceof FixedWindowAlgorithm fw) {
			return fw;
		}
		throw new IllegalStateException("not a fixed window: " + spec());
	}

	/**
	 * Returns the reported duration of a retry or reset time of "never".
	 * @return the duration meaning never
	 */
	public static Duration forever() {
		return KeyedAlgorithm.FOREVER;
	}

}
