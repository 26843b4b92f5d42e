package dev.limiter.core.ratelimit;

import java.time.Duration;

import dev.limiter.core.Clock;
import dev.limiter.core.InvalidSettingException;

/**
 * A token bucket of {@code burst} permits, starting full and refilled continuously at {@code limit} permits per
 * {@code period}, computed exactly on integers.
 *
 * <h2>Units</h2>
 * Let {@code P} be the period in microseconds, {@code g = gcd(limit, P)} ({@code g = P} when {@code limit} is 0).
 * Tokens are counted in units of {@code 1 / (P / g)} permit:
 * <ul>
 * <li>{@code permitUnits = P / g}: the units of one permit;</li>
 * <li>{@code refillUnits = limit / g}: the units added per microsecond (0 when {@code limit} is 0);</li>
 * <li>{@code capacity = burst × permitUnits}: a full bucket.</li>
 * </ul>
 * So one microsecond adds exactly {@code limit / P} permits. A spec whose {@code capacity} or {@code refillUnits}
 * would reach 2<sup>53</sup> is rejected with an {@link IllegalArgumentException}.
 *
 * <h2>State</h2>
 * {@code tokens} (in units, {@code 0 <= tokens <= capacity}; {@link KeyState#count}) and {@code last} (the
 * microsecond the tokens were counted at; {@link KeyState#referenceMicros}). A fresh key is
 * {@code tokens = capacity, last = now}. A full bucket is indistinguishable from a fresh one, whatever its
 * {@code last}.
 *
 * <h2>Decision at {@code now} for {@code n} permits</h2>
 * <pre>
 * elapsed = max(0, now - last)                      -- time going backwards adds nothing
 * deficit = capacity - tokens
 * if refillUnits == 0:               tokens unchanged
 * elif elapsed >= ceil(deficit / refillUnits):  tokens = capacity
 * else:                              tokens += elapsed × refillUnits    -- below deficit, so below 2^53
 * last = now                                         -- also when now < last
 * if n > burst:                      refuse, retryAfter = NEVER
 * need = n × permitUnits                             -- <= capacity
 * if tokens >= need:                 tokens -= need, allow, retryAfter = 0
 * elif refillUnits == 0:             refuse, retryAfter = NEVER
 * else:                              refuse, retryAfter = ceil((need - tokens) / refillUnits)
 * remaining  = floor(tokens / permitUnits)
 * resetAfter = 0 if tokens == capacity, NEVER if refillUnits == 0, else ceil((capacity - tokens) / refillUnits)
 * limit      = burst
 * </pre>
 * A refused request leaves {@code tokens} refilled to {@code now}, which is the same bucket. Burst 0 refuses every
 * request with {@code retryAfter = NEVER}.
 *
 * <h2>Spec changes</h2>
 * From an equal spec the state is kept as it is. From another token bucket spec the whole permits held at
 * {@code now} (refilled under the old spec) carry over: {@code tokens = min(burst, floor(oldTokens /
 * oldPermitUnits)) × permitUnits}, {@code last = now}. Any other state is dropped.
 *
 * <h2>Expiry</h2>
 * An idle bucket is full {@code ceil(capacity / refillUnits)} µs after its last decision at the latest; with a
 * rate of 0 it never refills, so its state must be kept forever.
 */
final class TokenBucketAlgorithm extends KeyedAlgorithm {

	final long burst;

	final long permitUnits;

	final long refillUnits;

	final long capacity;

	private final long idleExpiryNanos;

	/** One permit taken from a full bucket. */
	private final Decision firstPermit;

	TokenBucketAlgorithm(TokenBucketSpec spec) {
		super(spec);
		validate(spec.limit(), spec.period(), spec.burst());
		long periodMicros = wholeMicros(spec.period(), "period");
		long gcd = gcd(spec.limit(), periodMicros);
		this.burst = spec.burst();
		this.permitUnits = periodMicros / gcd;
		this.refillUnits = spec.limit() / gcd;
		this.capacity = this.burst * this.permitUnits;
		this.idleExpiryNanos = (this.refillUnits == 0) ? Long.MAX_VALUE
				: microsToNanos(ceilDiv(this.capacity, this.refillUnits));
		this.firstPermit = firstPermitDecision(this.burst, timeToFull(this.capacity - this.permitUnits));
	}

	/**
	 * Checks that a bucket can be computed exactly (see the class javadoc).
	 * @throws IllegalArgumentException if the period is not whole microseconds or a value would reach 2^53
	 */
	static void validate(long limit, Duration period, long burst) {
		long periodMicros = wholeMicros(period, "period");
		long gcd = gcd(limit, periodMicros);
		long permitUnits = periodMicros / gcd;
		if (limit / gcd >= MAX_EXACT) {
			throw new InvalidSettingException("limit", limit, "limit / gcd(limit, period in µs) must be < 2^53 (was "
					+ (limit / gcd) + " for limit " + limit + " per " + period + ")");
		}
		if (burst > (MAX_EXACT - 1) / permitUnits) {
			throw new InvalidSettingException("burst", burst,
					"burst × period in µs / gcd(limit, period in µs) must be < 2^53 (was " + burst + " × " + permitUnits
							+ " for limit " + limit + " per " + period + ", burst " + burst
							+ "); lower the burst or use a limit that shares more factors with the period");
		}
	}

	static long gcd(long x, long y) {
		while (y != 0) {
			long t = x % y;
			x = y;
			y = t;
		}
		return x;
	}

	@Override
	Decision acquire(KeyState state, long nowMicros, int permits) {
		if (state.algorithm != this) {
			adopt(state, nowMicros);
		}
		long tokens = refill(state.count, state.referenceMicros, nowMicros);
		state.referenceMicros = nowMicros;
		boolean allowed;
		long retryAfter;
		if (permits > this.burst) {
			allowed = false;
			retryAfter = NEVER;
		}
		else {
			long need = permits * this.permitUnits;
			if (tokens >= need) {
				tokens -= need;
				allowed = true;
				retryAfter = 0;
			}
			else {
				allowed = false;
				retryAfter = (this.refillUnits == 0) ? NEVER : ceilDiv(need - tokens, this.refillUnits);
			}
		}
		state.count = tokens;
		if (allowed && permits == 1 && tokens == this.capacity - this.permitUnits) {
			return this.firstPermit;
		}
		return decision(allowed, this.burst, tokens / this.permitUnits, retryAfter, timeToFull(tokens));
	}

	/** Returns the tokens at {@code now} of a bucket that held {@code tokens} at {@code last}. */
	long refill(long tokens, long last, long nowMicros) {
		long deficit = this.capacity - tokens;
		if (this.refillUnits == 0 || deficit == 0 || nowMicros <= last) {
			return tokens;
		}
		long elapsed = nowMicros - last;
		if (elapsed >= ceilDiv(deficit, this.refillUnits)) {
			return this.capacity;
		}
		return tokens + elapsed * this.refillUnits;
	}

	/** Returns the microseconds until a bucket holding {@code tokens} is full, or {@link #NEVER}. */
	long timeToFull(long tokens) {
		long deficit = this.capacity - tokens;
		if (deficit == 0) {
			return 0;
		}
		return (this.refillUnits == 0) ? NEVER : ceilDiv(deficit, this.refillUnits);
	}

	private void adopt(KeyState state, long nowMicros) {
		KeyedAlgorithm previous = state.algorithm;
		if (previous instanceof TokenBucketAlgorithm other && other.spec.equals(this.spec)) {
			state.algorithm = this;
			return;
		}
		if (previous instanceof TokenBucketAlgorithm other) {
			long whole = other.refill(state.count, state.referenceMicros, nowMicros) / other.permitUnits;
			state.count = (whole >= this.burst) ? this.capacity : whole * this.permitUnits;
		}
		else {
			state.count = this.capacity;
		}
		state.referenceMicros = nowMicros;
		state.algorithm = this;
	}

	@Override
	long idleExpiryNanos(Clock clock) {
		return this.idleExpiryNanos;
	}

}
