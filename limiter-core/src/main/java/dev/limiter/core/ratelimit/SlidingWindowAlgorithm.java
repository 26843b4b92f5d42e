package dev.limiter.core.ratelimit;

import java.time.Duration;

import dev.limiter.core.Clock;
import dev.limiter.core.InvalidSettingException;

/**
 * A sliding window estimated from two fixed windows (the "sliding window counter" of Cloudflare's 2017 write-up):
 * the permits of the previous fixed window are weighted by how much of it the sliding window ending now still covers,
 * and added to the permits of the current one. O(1) state per key, exact integer arithmetic.
 *
 * <h2>Error bound (against an exact sliding log)</h2>
 * The estimate assumes the previous window's permits were spread evenly over it. Within one fixed window it never
 * admits more than {@code limit} permits; since any interval of the window's length overlaps at most two fixed
 * windows, it admits at most {@code 2 × limit} permits in any such interval, a bound that is approached only by
 * adversarial timing (a full window's permits in its last instants, then the next window's admitted permits right
 * after). At any instant its estimate differs from the exact count of permits in the last window by at most
 * {@code prev × max(e, W - e) / W <= limit} (with {@code prev} the previous window's permits and {@code e} the time
 * into the current window), and it is exact when the previous window's traffic was uniform. Cloudflare measured
 * 0.003 % wrong decisions and no false positives on 400 M real requests.
 *
 * <h2>Units</h2>
 * {@code W} is the window in microseconds. Weights are computed on ticks of {@code q} µs, where {@code q} is the
 * smallest of 1, 10, 100, … dividing {@code W} with {@code limit × (W / q) < 2^53}; {@code Wt = W / q} ticks per
 * window. A spec for which no such {@code q} exists, or whose window reaches 2<sup>50</sup> µs, is rejected.
 *
 * <h2>State</h2>
 * {@code start} (first microsecond of the current fixed window; {@link KeyState#referenceMicros}), {@code curr}
 * (permits admitted in it; {@link KeyState#count}), {@code prev} (permits admitted in the fixed window before it;
 * {@link KeyState#previousCount}). The fixed windows of a key are a grid that
 * starts at the key's first admitted request; a state whose counts are both 0 is fresh, and the grid restarts at the
 * next request.
 *
 * <h2>Decision at {@code now} for {@code n} permits</h2>
 * <pre>
 * if curr == 0 and prev == 0:  start = now                     -- fresh
 * elif now &lt; start:             start = now                     -- time went backwards: counts carry over
 * else:
 *   k = floor((now - start) / W)
 *   if k == 1 and curr > 0:   prev = curr, curr = 0, start = start + W
 *   elif k >= 1:              prev = 0, curr = 0, start = now  -- both rolled off: fresh
 * e    = floor((now - start) / q)                              -- ticks into the window, 0 &lt;= e &lt; Wt
 * free = limit × Wt - prev × (Wt - e) - curr × Wt              -- in 1/Wt permits; may be negative
 * if n > limit:                refuse, retryAfter = NEVER       -- also every request when limit == 0
 * elif n × Wt &lt;= free:         curr += n, free -= n × Wt, allow
 * else:                        refuse, retryAfter = the earliest t > now the estimate admits n:
 *   A = limit - curr - n
 *   if A >= 0:  e1 = Wt - floor(A × Wt / prev); if e1 &lt; Wt: t = start + e1 × q     -- prev > 0 here
 *   otherwise (next window, prev' = curr, curr' = 0):
 *     if curr == 0:   t = start + W
 *     else:           e2 = max(0, Wt - floor((limit - n) × Wt / curr))
 *                     t = (e2 &lt; Wt) ? start + W + e2 × q : start + 2W
 *   retryAfter = t - now
 * remaining  = max(0, floor(free / Wt))
 * resetAfter = curr > 0 ? start + 2W - now : prev > 0 ? start + W - now : 0
 * limit      = limit
 * </pre>
 *
 * <h2>Spec changes</h2>
 * From a sliding window spec with the same window the grid and the counts carry over, each count capped at the new
 * limit; any other state is dropped.
 *
 * <h2>Expiry</h2>
 * Both counts have rolled off at most {@code 2W} after a decision.
 */
final class SlidingWindowAlgorithm extends KeyedAlgorithm {

	final long limit;

	final long windowMicros;

	final long tickMicros;

	final long ticks;

	/** One permit taken by a fresh key. */
	private final Decision firstPermit;

	SlidingWindowAlgorithm(SlidingWindowSpec spec) {
		super(spec);
		this.limit = spec.limit();
		this.windowMicros = wholeMicros(spec.window(), "window");
		this.tickMicros = tickMicros(spec.limit(), spec.window());
		this.ticks = this.windowMicros / this.tickMicros;
		this.firstPermit = firstPermitDecision(this.limit, 2 * this.windowMicros);
	}

	/**
	 * Returns the tick of a spec: the smallest of 1, 10, 100, … µs dividing the window with
	 * {@code limit × (window / tick) < 2^53}.
	 * @throws IllegalArgumentException if the window is not whole microseconds, reaches 2^50 µs, or has no such tick
	 */
	static long tickMicros(long limit, Duration window) {
		long windowMicros = windowMicros(window, "window");
		long tick = 1;
		while (windowMicros % tick == 0 && limit > (MAX_EXACT - 1) / (windowMicros / tick)) {
			tick *= 10;
		}
		if (windowMicros % tick != 0) {
			throw new InvalidSettingException("limit", limit, "limit × window ticks must be < 2^53 (was limit " + limit
					+ " for a window of " + window
					+ "); lower the limit or use a window of whole milliseconds or seconds");
		}
		return tick;
	}

	@Override
	Decision acquire(KeyState state, long nowMicros, int permits) {
		if (state.algorithm != this) {
			adopt(state);
		}
		long start = state.referenceMicros;
		long curr = state.count;
		long prev = state.previousCount;
		if ((curr == 0 && prev == 0) || nowMicros < start) {
			start = nowMicros;
		}
		else {
			long passed = (nowMicros - start) / this.windowMicros;
			if (passed == 1 && curr > 0) {
				prev = curr;
				curr = 0;
				start += this.windowMicros;
			}
			else if (passed >= 1) {
				prev = 0;
				curr = 0;
				start = nowMicros;
			}
		}
		long elapsed = nowMicros - start;
		long e = elapsed / this.tickMicros;
		long free = this.limit * this.ticks - prev * (this.ticks - e) - curr * this.ticks;
		boolean allowed;
		long retryAfter;
		if (permits > this.limit) {
			allowed = false;
			retryAfter = NEVER;
		}
		else if (permits * this.ticks <= free) {
			curr += permits;
			free -= permits * this.ticks;
			allowed = true;
			retryAfter = 0;
		}
		else {
			allowed = false;
			retryAfter = retryAt(curr, prev, permits) - elapsed;
		}
		state.referenceMicros = start;
		state.count = curr;
		state.previousCount = prev;
		if (allowed && curr == 1 && prev == 0 && elapsed == 0) {
			return this.firstPermit;
		}
		long resetAfter = (curr > 0) ? 2 * this.windowMicros - elapsed
				: (prev > 0) ? this.windowMicros - elapsed : 0;
		return decision(allowed, this.limit, Math.floorDiv(free, this.ticks), retryAfter, resetAfter);
	}

	/**
	 * Returns when (µs after the current window's start) a refused request of {@code permits <= limit} would be
	 * admitted.
	 */
	private long retryAt(long curr, long prev, long permits) {
		long spare = this.limit - curr - permits;
		if (spare >= 0) {
			long tick = this.ticks - (spare * this.ticks) / prev;
			if (tick < this.ticks) {
				return tick * this.tickMicros;
			}
		}
		if (curr == 0) {
			return this.windowMicros;
		}
		long tick = Math.max(0, this.ticks - ((this.limit - permits) * this.ticks) / curr);
		return (tick < this.ticks) ? this.windowMicros + tick * this.tickMicros : 2 * this.windowMicros;
	}

	private void adopt(KeyState state) {
		if (state.algorithm instanceof SlidingWindowAlgorithm other && other.windowMicros == this.windowMicros) {
			state.count = Math.min(state.count, this.limit);
			state.previousCount = Math.min(state.previousCount, this.limit);
		}
		else {
			state.referenceMicros = 0;
			state.count = 0;
			state.previousCount = 0;
		}
		state.algorithm = this;
	}

	@Override
	long idleExpiryNanos(Clock clock) {
		return microsToNanos(2 * this.windowMicros);
	}

}
