package dev.limiter.core.ratelimit.redis;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;

import dev.limiter.core.ratelimit.AlgorithmParameters;
import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.SlidingWindowSpec;
import dev.limiter.core.ratelimit.TokenBucketSpec;

/**
 * A spec turned into what its script needs: the script and the constant arguments (encoded once), leaving only the
 * time and the permits to fill in per decision. Immutable.
 *
 * <p>Script arguments: {@code ARGV[1]} now in µs (empty for Redis {@code TIME}), {@code ARGV[2]} permits, then the
 * constants below. The state id ({@code ARGV[3]}) names what a stored state belongs to, so a key whose spec changed
 * is converted as {@code KeyedAlgorithm} documents: a token bucket's whole spec, a fixed window's period, alignment
 * and zone, a sliding window's length.
 */
final class PreparedSpec {

	private static final byte[] EMPTY = new byte[0];

	/** The longest life of a lease, in microseconds (and never past a window's end, nor a bucket's period). */
	static final long MAXIMUM_LEASE_MICROS = 1_000_000;

	final LimitSpec spec;

	final AlgorithmParameters parameters;

	final LuaScript script;

	/** The limit reported in decisions: burst, quota or window limit. */
	final long limit;

	/** Whether the script's now is wall-clock epoch time rather than monotonic time (client-time mode). */
	final boolean wallClock;

	/** Whether the client computes aligned windows (zones with offset changes, which Lua cannot know). */
	final boolean clientWindows;

	/**
	 * ARGV[3..], ending with the longest key TTL; for client windows the two slots before it are overwritten per
	 * decision.
	 */
	private final byte[][] constants;

	/** The longest lease lifetime passed to the script (µs). */
	private final byte[] leaseLifetime;

	private PreparedSpec(LimitSpec spec, AlgorithmParameters parameters, LuaScript script, long limit,
			boolean clientWindows, byte[][] constants, long leaseLifetimeMicros) {
		this.spec = spec;
		this.parameters = parameters;
		this.script = script;
		this.limit = limit;
		this.wallClock = parameters.usesWallClock();
		this.clientWindows = clientWindows;
		this.constants = constants;
		this.leaseLifetime = Long.toString(leaseLifetimeMicros).getBytes(StandardCharsets.US_ASCII);
	}

	/**
	 * Prepares a spec.
	 * @param spec the spec
	 * @param maximumKeyTtlMillis the longest {@code PEXPIRE} the script may set (the last constant argument)
	 * @return the prepared spec
	 */
	static PreparedSpec of(LimitSpec spec, long maximumKeyTtlMillis) {
		AlgorithmParameters parameters = AlgorithmParameters.of(spec);
		if (spec instanceof TokenBucketSpec tb) {
			long[] p = parameters.tokenBucket();
			String id = "tb/" + tb.limit() + "/" + tb.period().toNanos() / 1000 + "/" + tb.burst();
			return new PreparedSpec(spec, parameters, LuaScript.TOKEN_BUCKET, p[0], false,
					encode(id, p[0], p[1], p[2], p[3], maximumKeyTtlMillis),
					Math.min(MAXIMUM_LEASE_MICROS, tb.period().toNanos() / 1000));
		}
		if (spec instanceof FixedWindowSpec fw) {
			long[] p = parameters.fixedWindow();
			ZoneId zone = fw.zone();
			boolean fixedOffset = zone.getRules().isFixedOffset();
			long offsetMicros = fixedOffset ? zone.getRules().getOffset(Instant.EPOCH).getTotalSeconds()
					* 1_000_000L : 0;
			String id = "fw/" + p[1] + "/" + (fw.align() ? "aligned/" + zone.getId() : "unaligned");
			return new PreparedSpec(spec, parameters, LuaScript.FIXED_WINDOW, p[0], fw.align() && !fixedOffset,
					encode(id, p[0], p[1], fw.align() ? 1 : 0, offsetMicros, "", "", maximumKeyTtlMillis),
					MAXIMUM_LEASE_MICROS);
		}
		SlidingWindowSpec sw = (SlidingWindowSpec) spec;
		long[] p = parameters.slidingWindow();
		return new PreparedSpec(spec, parameters, LuaScript.SLIDING_WINDOW, sw.limit(), false,
				encode("sw/" + p[1], p[0], p[1], p[2], p[3], maximumKeyTtlMillis), MAXIMUM_LEASE_MICROS);
	}

	private static byte[][] encode(Object... values) {
		byte[][] encoded = new byte[values.length][];
		for (int i = 0; i < values.length; i++) {
			encoded[i] = String.valueOf(values[i]).getBytes(StandardCharsets.US_ASCII);
		}
		return encoded;
	}

	/**
	 * Returns the script arguments of one decision.
	 * @param nowMicros the time to pass, or {@code Long.MIN_VALUE} to let the script read Redis {@code TIME}
	 * @param permits the permits
	 * @return the arguments
	 */
	byte[][] arguments(long nowMicros, int permits) {
		byte[][] args = new byte[2 + this.constants.length][];
		args[0] = (nowMicros == Long.MIN_VALUE) ? EMPTY : Long.toString(nowMicros).getBytes(StandardCharsets.US_ASCII);
		args[1] = Integer.toString(permits).getBytes(StandardCharsets.US_ASCII);
		System.arraycopy(this.constants, 0, args, 2, this.constants.length);
		if (this.clientWindows) {
			int last = args.length - 2;
			args[last - 1] = Long.toString(this.parameters.windowStart(nowMicros)).getBytes(StandardCharsets.US_ASCII);
			args[last] = Long.toString(this.parameters.windowEnd(nowMicros)).getBytes(StandardCharsets.US_ASCII);
		}
		return args;
	}

	/**
	 * Returns the script arguments of one decision that also closes the holder's previous lease and asks for a new
	 * one: the arguments of {@link #arguments} followed by the lease's (see the scripts).
	 * @param nowMicros the time to pass, or {@code Long.MIN_VALUE} to let the script read Redis {@code TIME}
	 * @param permits the permits of the request
	 * @param holder the lease holder's id (token buckets keep one lease per holder in Redis)
	 * @param wanted permits wanted beyond the request, at least 0
	 * @param returned unspent permits of the previous lease given back
	 * @param epoch the window start the previous lease belongs to (windows only)
	 * @return the arguments
	 */
	byte[][] leaseArguments(long nowMicros, int permits, byte[] holder, int wanted, int returned, long epoch) {
		byte[][] exact = arguments(nowMicros, permits);
		byte[][] args = new byte[exact.length + 4][];
		System.arraycopy(exact, 0, args, 0, exact.length);
		int i = exact.length;
		if (this.script == LuaScript.TOKEN_BUCKET) {
			args[i] = holder;
			args[i + 1] = ascii(wanted);
			args[i + 2] = ascii(returned);
		}
		else {
			args[i] = ascii(wanted);
			args[i + 1] = ascii(returned);
			args[i + 2] = ascii(epoch);
		}
		args[i + 3] = this.leaseLifetime;
		return args;
	}

	private static byte[] ascii(long value) {
		return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
	}

}
