package dev.limiter.core.ratelimit;

import java.time.Duration;

import dev.limiter.core.Clock;
import dev.limiter.core.InvalidSettingException;

/**
 * The decision function of one {@link LimitSpec}: a pure function from (state of a key, now, permits) to a
 * {@link Decision} and the key's next state, written so that a Lua port running on doubles gives identical answers.
 *
 * <h2>Contract shared by every algorithm (and by every store)</h2>
 * <ul>
 * <li>Time is an integer number of microseconds. Every intermediate value stays below 2<sup>53</sup> (specs that
 * would need more are rejected when the algorithm is built), so a port to Lua numbers (IEEE doubles) is exact. Every
 * division is of two non-negative integers below 2<sup>53</sup>, for which {@code math.floor(a / b)} and
 * {@code math.ceil(a / b)} on doubles are exact too.</li>
 * <li>A key's state is the three longs of {@link KeyState}; a key without state is "fresh". An algorithm brings a
 * state into the form a fresh key would have as soon as the two are indistinguishable (a full bucket, a window whose
 * count is 0), so forgetting such a state (eviction, {@code PEXPIRE}) never changes an answer.
 * {@link #idleExpiryNanos(Clock)} says how long after a decision that is guaranteed.</li>
 * <li>A refused request takes nothing: the state it leaves is, for every later decision, the state it found (unless
 * time went backwards, which re-bases the key's reference time as said next).</li>
 * <li>Time going backwards (a Redis failover to a host whose clock is behind, a manual clock moved back) never
 * throws nor grants more than the state holds: elapsed time is clamped to 0 and the key's reference time moves back
 * to now, as {@code golang.org/x/time/rate} does with its {@code last} time. When time moves forward again, refill and
 * window ends are measured from the earlier time.</li>
 * <li>A request that can never succeed (more permits than the burst, quota or limit; a rate of 0 with an empty
 * bucket) is refused with {@link #NEVER} as its retry time, reported as {@link #FOREVER}.</li>
 * <li>{@code retryAfter} is the exact earliest time (rounded up to the microsecond) at which the same request would
 * be allowed if nothing else happened in between; {@code resetAfter} the time until the key is back to its full
 * limit (0 when it is full).</li>
 * <li>When a key's spec changes: a state of another kind of algorithm is dropped (the key starts fresh); a state of
 * the same kind carries over as each algorithm documents.</li>
 * </ul>
 *
 * <p>Instances are immutable (apart from caches invisible to callers) and thread-safe; a {@link KeyState} must be
 * updated by one thread at a time.
 */
abstract sealed class KeyedAlgorithm permits TokenBucketAlgorithm, FixedWindowAlgorithm, SlidingWindowAlgorithm {

	/** The exclusive upper bound of every intermediate integer: 2<sup>53</sup>. */
	static final long MAX_EXACT = 1L << 53;

	/** The longest window, in microseconds: epoch microseconds plus a window stay below {@link #MAX_EXACT}. */
	static final long MAX_WINDOW_MICROS = 1L << 50;

	/** A retry or reset time meaning "never". */
	static final long NEVER = Long.MAX_VALUE;

	/** The duration reported for {@link #NEVER}: x/time's {@code InfDuration}. */
	static final Duration FOREVER = Duration.ofNanos(Long.MAX_VALUE);

	private static final long MICROS_PER_SECOND = 1_000_000L;

	final LimitSpec spec;

	KeyedAlgorithm(LimitSpec spec) {
		this.spec = spec;
	}

	/**
	 * Builds the algorithm of a spec.
	 * @param spec the spec
	 * @return its algorithm
	 * @throws IllegalArgumentException if the spec cannot be computed exactly (see each algorithm)
	 */
	static KeyedAlgorithm of(LimitSpec spec) {
		if (spec instanceof TokenBucketSpec tokenBucket) {
			return new TokenBucketAlgorithm(tokenBucket);
		}
		if (spec instanceof FixedWindowSpec fixedWindow) {
			return new FixedWindowAlgorithm(fixedWindow);
		}
		if (spec instanceof SlidingWindowSpec slidingWindow) {
			return new SlidingWindowAlgorithm(slidingWindow);
		}
		throw new IllegalArgumentException("unsupported spec " + spec);
	}

	/**
	 * Decides a request of {@code permits} against {@code state} and updates the state. A state of another algorithm
	 * (or none) is first converted as the class javadoc says.
	 * @param state the key's state, updated in place
	 * @param nowMicros the current time in microseconds (monotonic, or wall-clock for {@link #usesWallClock()})
	 * @param permits the permits asked for, at least 1
	 * @return the decision
	 */
	abstract Decision acquire(KeyState state, long nowMicros, int permits);

	/**
	 * Returns how long after a decision at {@code clock}'s current time a key's state is certainly equivalent to a
	 * fresh one, so it may be forgotten without changing any answer.
	 * @param clock the clock of the store
	 * @return nanoseconds, {@link Long#MAX_VALUE} for never
	 */
	abstract long idleExpiryNanos(Clock clock);

	/**
	 * Returns whether {@code nowMicros} is wall-clock time (epoch microseconds) rather than monotonic time.
	 * @return whether the algorithm needs the wall clock
	 */
	boolean usesWallClock() {
		return false;
	}

	/**
	 * Returns the spec of this algorithm.
	 * @return the spec
	 */
	final LimitSpec spec() {
		return this.spec;
	}

	/**
	 * Converts a duration to whole microseconds.
	 * @param duration the duration, positive
	 * @param name the name of the value, for the message
	 * @return microseconds
	 * @throws IllegalArgumentException if the duration has a fraction of a microsecond or does not fit
	 */
	static long wholeMicros(Duration duration, String name) {
		if (duration.getNano() % 1000 != 0) {
			throw new InvalidSettingException(name, duration,
					name + " must be a whole number of microseconds (was " + duration + ")");
		}
		if (duration.getSeconds() >= MAX_EXACT / MICROS_PER_SECOND) {
			throw InvalidSettingException.of(name, duration, "must be < 2^53 microseconds");
		}
		return duration.getSeconds() * MICROS_PER_SECOND + duration.getNano() / 1000;
	}

	/**
	 * Converts a window's length to whole microseconds below 2^50 (35 years), so that epoch microseconds plus a
	 * window stay below 2^53.
	 * @param duration the length, positive
	 * @param name the name of the value, for the message
	 * @return microseconds
	 * @throws IllegalArgumentException if the length has a fraction of a microsecond or reaches 2^50 µs
	 */
	static long windowMicros(Duration duration, String name) {
		long micros = wholeMicros(duration, name);
		if (micros >= MAX_WINDOW_MICROS) {
			throw InvalidSettingException.of(name, duration, "must be < 2^50 microseconds");
		}
		return micros;
	}

	/**
	 * Returns {@code ceil(dividend / divisor)} for a dividend >= 0 and a divisor > 0 ({@code math.ceil(a / b)} in
	 * Lua).
	 */
	static long ceilDiv(long dividend, long divisor) {
		// both below 2^53: the sum cannot overflow
		return (dividend + divisor - 1) / divisor;
	}

	/**
	 * Returns a microsecond count as a duration; {@link #NEVER} becomes {@link #FOREVER} and 0 the shared
	 * {@link Duration#ZERO}.
	 */
	static Duration micros(long micros) {
		if (micros == 0) {
			return Duration.ZERO;
		}
		if (micros == NEVER) {
			return FOREVER;
		}
		if (micros < Long.MAX_VALUE / 1000) {
			return Duration.ofNanos(micros * 1000);
		}
		return Duration.ofSeconds(micros / MICROS_PER_SECOND, (micros % MICROS_PER_SECOND) * 1000);
	}

	/** Returns microseconds as nanoseconds, saturating at {@link Long#MAX_VALUE}. */
	static long microsToNanos(long micros) {
		return (micros >= Long.MAX_VALUE / 1000) ? Long.MAX_VALUE : micros * 1000;
	}

	/**
	 * Builds a decision from the algorithm's integer outputs.
	 * @param allowed whether the request was admitted
	 * @param limit the advertised limit
	 * @param remaining permits left, clamped at 0
	 * @param retryAfterMicros 0 when allowed, else the wait or {@link #NEVER}
	 * @param resetAfterMicros the time until full, or {@link #NEVER}
	 * @return the decision
	 */
	static Decision decision(boolean allowed, long limit, long remaining, long retryAfterMicros,
			long resetAfterMicros) {
		return new Decision(allowed, limit, Math.max(0, remaining), micros(retryAfterMicros),
				micros(resetAfterMicros));
	}

	/**
	 * Builds the decision allowing one permit to a fresh key, which each algorithm keeps and returns whenever that is
	 * the case (the most common decision on a large key space: a key seen once in a while).
	 * @param limit the advertised limit, at least 1
	 * @param resetAfterMicros the time until the key is fresh again
	 * @return the decision, or {@code null} when the limit is 0 (no request is ever allowed)
	 */
	static Decision firstPermitDecision(long limit, long resetAfterMicros) {
		return (limit < 1) ? null : decision(true, limit, limit - 1, 0, resetAfterMicros);
	}

	@Override
	public String toString() {
		return getClass().getSimpleName() + "[" + this.spec + "]";
	}

}
