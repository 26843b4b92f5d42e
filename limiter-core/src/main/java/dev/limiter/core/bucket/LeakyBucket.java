package dev.limiter.core.bucket;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

import dev.limiter.core.Clock;

import static dev.limiter.core.bucket.BucketMath.saturatedAdd;
import static dev.limiter.core.bucket.BucketMath.saturatedMultiply;

/**
 * A pacing rate limiter that spaces calls evenly: {@code rate} calls per {@code per}, one every
 * {@code perRequest = per / rate}, with up to {@code slack} calls of catch-up allowed after an idle period. The
 * semantics are those of Uber's {@code go.uber.org/ratelimit} v0.3.1 (its default, int64-atomic limiter).
 *
 * <p><b>Model.</b> The limiter remembers the time of the last slot it handed out. {@link #take()} gives the caller
 * the next slot, {@code perRequest} after the previous one, and blocks until that slot's time has come. A caller
 * arriving late finds its slot already in the past and proceeds at once, so time lost while nobody called is made
 * up by later calls, but never more than {@code slack} calls' worth: after an idle period the next slot is at most
 * {@code slack * perRequest} in the past. Hence, after idleness, {@code slack + 1} calls return immediately and the
 * following ones are paced again. Slack is counted in <em>requests</em>, not in time, and scales with
 * {@link Builder#per(Duration)} ({@code builder(10).per(Duration.ofMinutes(1))} allows 10 catch-up calls, one
 * minute's worth). Without slack ({@link Builder#withoutSlack()}), a call after idleness starts a new schedule at
 * the current time. A new limiter has no slots in the past: its first call returns at once, its second waits a
 * full {@code perRequest}.
 *
 * <p><b>Parameters and edge cases.</b>
 * <ul>
 * <li>{@code perRequest} is {@code per / rate} in whole nanoseconds (truncating, as Go's integer
 * {@code time.Duration} division): {@code builder(3)} paces every 333,333,333 ns, slightly faster than 3 per
 * second.</li>
 * <li>{@code rate <= 0}, {@code per <= 0} and {@code slack < 0} are rejected with
 * {@link IllegalArgumentException} (Go panics on a rate of 0 and accepts the others silently).</li>
 * <li>When {@code perRequest} truncates to 0 (a rate above one per nanosecond of {@code per}) the limiter is
 * unlimited, as {@link #unlimited()}: {@code take()} returns the current time at once and keeps no state.</li>
 * <li>Time going backwards (a {@link dev.limiter.core.ManualClock} moved back) adds no slack; slots stay
 * {@code perRequest} apart and the caller waits from the earlier current time to its slot.</li>
 * <li>A take that is interrupted while waiting keeps its slot (Uber's limiter has no cancellation): the slot is
 * not handed to anybody else. A thread already interrupted on entry takes no slot.</li>
 * </ul>
 *
 * <p><b>Thread-safety.</b> Safe for any number of threads. Slots are handed out by a compare-and-set on a single
 * {@code long}, without locks or allocation; callers wait outside of it, each for its own slot, so concurrent
 * callers are served one per {@code perRequest}.
 *
 * @see QuantumBucket for a token bucket that admits bursts up to a capacity
 */
public final class LeakyBucket {

	/*
	 * Implementation notes.
	 *
	 * This follows Uber's limiter_atomic_int64.go (go.uber.org/ratelimit v0.3.1): the only state is the time of the
	 * last issued slot, updated by a CAS loop that reads the clock on every attempt and computes
	 *
	 *   never used                                       -> next = now
	 *   no slack and now - last > perRequest             -> next = now              (restart the schedule)
	 *   slack and now - last > maxSlack + perRequest     -> next = now - maxSlack   (cap the catch-up)
	 *   otherwise                                        -> next = last + perRequest
	 *
	 * The cap condition includes "+ perRequest" since v0.3.1 (uber-go/ratelimit#124, issue 119): with the older
	 * "now - last > maxSlack", callers arriving just over maxSlack after the virtual time were re-anchored every
	 * time and never throttled.
	 *
	 * Uber uses a state of 0 (the Unix epoch) for "never used"; ManualClock starts at 0 and System.nanoTime() may
	 * return any value, so this port uses Long.MIN_VALUE as the sentinel and never stores it as a slot (a computed
	 * slot of exactly Long.MIN_VALUE is moved 1 ns later). Every branch yields a slot at least perRequest after the
	 * previous one, so slots are strictly increasing on a monotonic clock; the concurrency test relies on that.
	 *
	 * maxSlack (slack * perRequest) and maxSlack + perRequest saturate at Long.MAX_VALUE instead of wrapping. Uber
	 * pads its state to a cache line; no padding here (the field lives in its own AtomicLong object).
	 */

	private static final long NEVER_USED = Long.MIN_VALUE;

	private static final int DEFAULT_SLACK = 10;

	private final Clock clock;

	private final long perRequestNanos;

	private final int slack;

	private final long maxSlackNanos;

	private final long catchUpLimitNanos;

	private final AtomicLong lastSlot = new AtomicLong(NEVER_USED);

	private LeakyBucket(Clock clock, long perRequestNanos, int slack) {
		this.clock = clock;
		this.perRequestNanos = perRequestNanos;
		this.slack = slack;
		this.maxSlackNanos = saturatedMultiply(slack, perRequestNanos);
		this.catchUpLimitNanos = saturatedAdd(this.maxSlackNanos, perRequestNanos);
	}

	/**
	 * Starts building a limiter of {@code rate} calls per second (see {@link Builder#per(Duration)}).
	 * @param rate the number of calls per period, at least 1
	 * @return a builder with a period of one second, a slack of 10 and the system clock
	 * @throws IllegalArgumentException if {@code rate <= 0}
	 */
	public static Builder builder(int rate) {
		if (rate <= 0) {
			throw new IllegalArgumentException("rate must be > 0 (was " + rate + ")");
		}
		return new Builder(rate);
	}

	/**
	 * Returns a limiter that never waits (Uber's {@code NewUnlimited}): {@link #take()} returns the system clock's
	 * current time at once.
	 * @return an unlimited limiter
	 */
	public static LeakyBucket unlimited() {
		return unlimited(Clock.system());
	}

	/**
	 * Returns a limiter that never waits: {@link #take()} returns the given clock's current time at once.
	 * @param clock the clock whose time {@code take()} returns
	 * @return an unlimited limiter
	 */
	public static LeakyBucket unlimited(Clock clock) {
		return new LeakyBucket(Objects.requireNonNull(clock, "clock must not be null"), 0, 0);
	}

	/**
	 * Takes the next slot, waiting on the clock until its time has come.
	 * @return the time the call may proceed, in the clock's nanoseconds: the current time when there was no need to
	 * wait, otherwise the scheduled slot (the time waited until)
	 * @throws InterruptedException if the thread is interrupted on entry (no slot is taken) or while waiting (the
	 * slot stays taken)
	 */
	public long take() throws InterruptedException {
		if (Thread.interrupted()) {
			throw new InterruptedException();
		}
		if (this.perRequestNanos == 0) {
			return this.clock.nanoTime();
		}
		long now;
		long next;
		long last;
		do {
			now = this.clock.nanoTime();
			last = this.lastSlot.get();
			next = nextSlot(last, now);
		}
		while (!this.lastSlot.compareAndSet(last, next));
		if (next > now) {
			this.clock.sleep(next - now);
			return next;
		}
		return now;
	}

	/**
	 * Reserves the next slot as of {@code nowNanos} without waiting (for tests and simulations).
	 * @param nowNanos the current time
	 * @return the reserved slot; it may lie before {@code nowNanos}
	 */
	long reserveAt(long nowNanos) {
		if (this.perRequestNanos == 0) {
			return nowNanos;
		}
		long last;
		long next;
		do {
			last = this.lastSlot.get();
			next = nextSlot(last, nowNanos);
		}
		while (!this.lastSlot.compareAndSet(last, next));
		return next;
	}

	/**
	 * Returns the last slot handed out, or {@code Long.MIN_VALUE} if none was (for tests).
	 * @return the last slot in clock nanoseconds
	 */
	long lastSlotNanos() {
		return this.lastSlot.get();
	}

	private long nextSlot(long last, long now) {
		long next;
		if (last == NEVER_USED) {
			next = now;
		}
		else if (this.maxSlackNanos == 0) {
			next = (now - last > this.perRequestNanos) ? now : last + this.perRequestNanos;
		}
		else if (now - last > this.catchUpLimitNanos) {
			next = now - this.maxSlackNanos;
		}
		else {
			next = last + this.perRequestNanos;
		}
		return (next != NEVER_USED) ? next : next + 1;
	}

	/**
	 * Returns the spacing between slots, {@code per / rate} truncated to whole nanoseconds.
	 * @return the spacing; {@link Duration#ZERO} for an unlimited limiter
	 */
	public Duration perRequest() {
		return Duration.ofNanos(this.perRequestNanos);
	}

	/**
	 * Returns how many calls may catch up at once after an idle period, beyond the one that finds the limiter idle.
	 * @return the slack in calls, 0 without slack
	 */
	public int slack() {
		return this.slack;
	}

	@Override
	public String toString() {
		if (this.perRequestNanos == 0) {
			return "LeakyBucket[unlimited]";
		}
		return "LeakyBucket[perRequest=" + perRequest() + ", slack=" + this.slack + "]";
	}

	/**
	 * Configures a {@link LeakyBucket}. Not thread-safe; each {@link #build()} returns a new, independent limiter.
	 */
	public static final class Builder {

		private final int rate;

		private Duration per = Duration.ofSeconds(1);

		private int slack = DEFAULT_SLACK;

		private Clock clock = Clock.system();

		private Builder(int rate) {
			this.rate = rate;
		}

		/**
		 * Sets the period in which {@code rate} calls are allowed (Uber's {@code Per}); the slack scales with it.
		 * @param per the period, positive and at most {@code Long.MAX_VALUE} nanoseconds; default one second
		 * @return this builder
		 * @throws IllegalArgumentException if {@code per} is zero, negative or too long
		 */
		public Builder per(Duration per) {
			Objects.requireNonNull(per, "per must not be null");
			if (per.isNegative() || per.isZero()) {
				throw new IllegalArgumentException("per must be > 0 (was " + per + ")");
			}
			try {
				per.toNanos();
			}
			catch (ArithmeticException ex) {
				throw new IllegalArgumentException("per must be at most " + Long.MAX_VALUE + "ns (was " + per + ")");
			}
			this.per = per;
			return this;
		}

		/**
		 * Sets how many calls may catch up at once after an idle period (Uber's {@code WithSlack}).
		 * @param slack the slack in calls, {@code >= 0}; default 10
		 * @return this builder
		 * @throws IllegalArgumentException if {@code slack < 0}
		 */
		public Builder slack(int slack) {
			if (slack < 0) {
				throw new IllegalArgumentException("slack must be >= 0 (was " + slack + ")");
			}
			this.slack = slack;
			return this;
		}

		/**
		 * Disables catch-up (Uber's {@code WithoutSlack}): same as {@code slack(0)}.
		 * @return this builder
		 */
		public Builder withoutSlack() {
			return slack(0);
		}

		/**
		 * Sets the clock that is read and waited on.
		 * @param clock the clock; default {@link Clock#system()}
		 * @return this builder
		 */
		public Builder clock(Clock clock) {
			this.clock = Objects.requireNonNull(clock, "clock must not be null");
			return this;
		}

		/**
		 * Builds a new limiter that has not handed out any slot yet.
		 * @return the limiter
		 */
		public LeakyBucket build() {
			long perRequestNanos = this.per.toNanos() / this.rate;
			return new LeakyBucket(this.clock, perRequestNanos, this.slack);
		}

	}

}
