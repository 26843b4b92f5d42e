package dev.limiter.core.ratelimit;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;

import dev.limiter.core.Clock;
import dev.limiter.core.InvalidSettingException;

/**
 * A fixed-window counter with go-zero's PeriodLimit states (HEAD): within a window the request that brings the count
 * to {@code n} is {@link QuotaState#ALLOWED} while {@code n < quota}, {@link QuotaState#HIT_QUOTA} at
 * {@code n == quota}, and refused ({@link QuotaState#OVER_QUOTA}) when it would go beyond.
 *
 * <p>Unlike go-zero, whose script {@code INCRBY}s every call, a refused request is not counted: with one permit per
 * call the decisions are the same, and a refused request of several permits takes nothing, as
 * {@link RateLimitStore#acquire} promises. The count therefore never exceeds the quota (except after the quota of a
 * key's spec was lowered).
 *
 * <h2>State</h2>
 * {@code start} (the window's first microsecond; {@link KeyState#referenceMicros}) and {@code count}
 * ({@link KeyState#count}). A window whose count is 0 is no window
 * at all: a fresh key has count 0, and the next request opens a window.
 *
 * <h2>Windows</h2>
 * <ul>
 * <li>Unaligned ({@code align = false}, monotonic time): a window opens at the first request of a key and lasts
 * {@code P} µs (the period): {@code [start, start + P)}.</li>
 * <li>Aligned ({@code align = true}, wall-clock epoch microseconds): windows sit on the calendar boundaries of the
 * spec's zone. The boundaries are the local wall-clock times that are whole multiples of the period after
 * 1970-01-01T00:00 local time; for a period that divides a day these are the multiples of the period after every
 * local midnight, so a daily quota resets at local midnight and an hourly one on the hour. For a fixed-offset zone
 * (such as UTC) that is {@code start = floor((now + offset) / P) × P - offset}. Where the zone changes its offset
 * (DST) a window follows the wall clock: a boundary in a gap (clocks going forward) moves to the end of the gap, so
 * the window holding the gap is shorter; a repeated wall-clock time (clocks going back) belongs to its first
 * occurrence, so the window open when the clocks go back lasts until the next boundary after the repeated time
 * (an hourly window 01:00–02:00 lasts two hours on the night the clocks go back from 02:00 to 01:00). A store that
 * cannot read zone rules (a Lua script) can take the window {@code [start, end)} from {@link #windowStart(long)} and
 * {@link #windowEnd(long)}.</li>
 * </ul>
 *
 * <h2>Decision at {@code now} for {@code n} permits</h2>
 * <pre>
 * if count > 0:
 *   unaligned: if now &lt; start: start = now             -- time went backwards: the window restarts at now
 *              elif now - start >= P: count = 0        -- the window is over
 *   aligned:   w = the window holding now
 *              if w.start > start: count = 0           -- a later window
 *              elif w.start &lt; start: start = w.start   -- time went backwards: the count carries into it
 * if count == 0: start = (unaligned ? now : w.start)
 * end = (unaligned ? start + P : w.end)
 * if n > quota:                refuse, retryAfter = NEVER          -- also every request when quota == 0
 * elif count + n &lt;= quota:     count += n, allow, retryAfter = 0
 * else:                        refuse, retryAfter = end - now      -- the next window admits it
 * remaining  = max(0, quota - count)
 * resetAfter = (count == 0 ? 0 : end - now)
 * limit      = quota
 * </pre>
 *
 * <h2>Spec changes</h2>
 * From a fixed window spec with the same period, alignment and zone the window and its count carry over (the new
 * quota applies to them); any other state is dropped.
 *
 * <h2>Expiry</h2>
 * A window is over at most {@code P} µs after a decision (aligned: at the end of the window holding now).
 */
final class FixedWindowAlgorithm extends KeyedAlgorithm {

	private static final long MICROS_PER_SECOND = 1_000_000L;

	final long quota;

	final long periodMicros;

	final boolean aligned;

	private final ZoneId zone;

	/** The zone's offset in µs when it never changes; {@link Long#MIN_VALUE} when it does (DST). */
	private final long fixedOffsetMicros;

	/** One permit taken in a new unaligned window. */
	private final Decision firstPermit;

	/** The last aligned window computed for a zone with offset changes. */
	private volatile Window cachedWindow;

	FixedWindowAlgorithm(FixedWindowSpec spec) {
		super(spec);
		this.quota = spec.quota();
		this.periodMicros = validate(spec.period(), spec.align());
		this.aligned = spec.align();
		this.zone = spec.zone();
		ZoneRules rules = this.zone.getRules();
		this.fixedOffsetMicros = rules.isFixedOffset()
				? rules.getOffset(Instant.EPOCH).getTotalSeconds() * MICROS_PER_SECOND : Long.MIN_VALUE;
		this.cachedWindow = new Window(0, 0);
		this.firstPermit = firstPermitDecision(this.quota, this.periodMicros);
	}

	/**
	 * Checks a window's period: whole microseconds below 2^50 (35 years), whole milliseconds when aligned.
	 * @return the period in microseconds
	 * @throws IllegalArgumentException if the period breaks these rules
	 */
	static long validate(Duration period, boolean align) {
		long micros = windowMicros(period, "period");
		if (align && micros % 1000 != 0) {
			throw new InvalidSettingException("period", period,
					"period of an aligned window must be a whole number of milliseconds (was " + period + ")");
		}
		return micros;
	}

	@Override
	Decision acquire(KeyState state, long nowMicros, int permits) {
		if (state.algorithm != this) {
			adopt(state);
		}
		long start = state.referenceMicros;
		long count = state.count;
		long end;
		if (this.aligned) {
			long windowStart = windowStart(nowMicros);
			end = windowEnd(nowMicros);
			if (count > 0 && windowStart > start) {
				count = 0;
			}
			start = windowStart;
		}
		else {
			if (count > 0 && nowMicros >= start && nowMicros - start >= this.periodMicros) {
				count = 0;
			}
			if (count == 0 || nowMicros < start) {
				start = nowMicros;
			}
			end = start + this.periodMicros;
		}
		boolean allowed;
		long retryAfter;
		if (permits > this.quota) {
			allowed = false;
			retryAfter = NEVER;
		}
		else if (count + permits <= this.quota) {
			count += permits;
			allowed = true;
			retryAfter = 0;
		}
		else {
			allowed = false;
			retryAfter = end - nowMicros;
		}
		state.referenceMicros = start;
		state.count = count;
		if (allowed && count == 1 && end - nowMicros == this.periodMicros) {
			return this.firstPermit;
		}
		return decision(allowed, this.quota, this.quota - count, retryAfter, (count == 0) ? 0 : end - nowMicros);
	}

	private void adopt(KeyState state) {
		if (state.algorithm instanceof FixedWindowAlgorithm other && other.periodMicros == this.periodMicros
				&& other.aligned == this.aligned && other.zone.equals(this.zone)) {
			state.algorithm = this;
			return;
		}
		state.algorithm = this;
		state.referenceMicros = 0;
		state.count = 0;
		state.previousCount = 0;
	}

	@Override
	long idleExpiryNanos(Clock clock) {
		if (!this.aligned) {
			return microsToNanos(this.periodMicros);
		}
		long nowMicros = clock.currentTimeMillis() * 1000;
		return microsToNanos(windowEnd(nowMicros) - nowMicros);
	}

	@Override
	boolean usesWallClock() {
		return this.aligned;
	}

	/**
	 * Returns the first microsecond of the aligned window holding an instant.
	 * @param epochMicros the instant, microseconds since the Unix epoch
	 * @return the window's start, epoch microseconds
	 */
	long windowStart(long epochMicros) {
		if (this.fixedOffsetMicros != Long.MIN_VALUE) {
			return Math.floorDiv(epochMicros + this.fixedOffsetMicros, this.periodMicros) * this.periodMicros
					- this.fixedOffsetMicros;
		}
		return window(epochMicros).start;
	}

	/**
	 * Returns the end (exclusive) of the aligned window holding an instant.
	 * @param epochMicros the instant, microseconds since the Unix epoch
	 * @return the window's end, epoch microseconds
	 */
	long windowEnd(long epochMicros) {
		if (this.fixedOffsetMicros != Long.MIN_VALUE) {
			return windowStart(epochMicros) + this.periodMicros;
		}
		return window(epochMicros).end;
	}

	private Window window(long epochMicros) {
		Window window = this.cachedWindow;
		if (epochMicros < window.start || epochMicros >= window.end) {
			window = computeWindow(epochMicros);
			this.cachedWindow = window;
		}
		return window;
	}

	private Window computeWindow(long epochMicros) {
		ZoneRules rules = this.zone.getRules();
		Instant now = Instant.ofEpochSecond(Math.floorDiv(epochMicros, MICROS_PER_SECOND),
				Math.floorMod(epochMicros, MICROS_PER_SECOND) * 1000);
		long wallNow = epochMicros + rules.getOffset(now).getTotalSeconds() * MICROS_PER_SECOND;
		long index = Math.floorDiv(wallNow, this.periodMicros);
		long start = boundary(rules, index * this.periodMicros);
		long end = boundary(rules, (index + 1) * this.periodMicros);
		if (end <= epochMicros) {
			// now is in the repeated wall-clock time after the clocks went back: every boundary of the repeated
			// time lies at its first occurrence, so the window holding now is the last one opened before the
			// transition's wall-clock time
			ZoneOffsetTransition transition = rules.previousTransition(now.plusNanos(1));
			long wallBefore = toWallMicros(transition.getDateTimeBefore());
			index = Math.floorDiv(wallBefore - 1, this.periodMicros);
			start = boundary(rules, index * this.periodMicros);
			end = boundary(rules, (index + 1) * this.periodMicros);
		}
		return new Window(start, end);
	}

	/**
	 * Returns the instant of a wall-clock boundary: the end of the gap for a time in a gap, the first occurrence for
	 * a repeated time.
	 */
	private static long boundary(ZoneRules rules, long wallMicros) {
		LocalDateTime local = LocalDateTime.ofEpochSecond(Math.floorDiv(wallMicros, MICROS_PER_SECOND),
				(int) (Math.floorMod(wallMicros, MICROS_PER_SECOND) * 1000), ZoneOffset.UTC);
		ZoneOffsetTransition transition = rules.getTransition(local);
		if (transition != null && transition.isGap()) {
			Instant instant = transition.getInstant();
			return instant.getEpochSecond() * MICROS_PER_SECOND + instant.getNano() / 1000;
		}
		ZoneOffset offset = (transition != null) ? transition.getOffsetBefore() : rules.getOffset(local);
		return wallMicros - offset.getTotalSeconds() * MICROS_PER_SECOND;
	}

	private static long toWallMicros(LocalDateTime local) {
		return local.toEpochSecond(ZoneOffset.UTC) * MICROS_PER_SECOND + local.getNano() / 1000;
	}

	/** An aligned window {@code [start, end)} in epoch microseconds. */
	private record Window(long start, long end) {
	}

}
