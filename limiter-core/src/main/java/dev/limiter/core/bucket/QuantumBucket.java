package dev.limiter.core.bucket;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

import dev.limiter.core.Clock;

import static dev.limiter.core.bucket.BucketMath.saturatedAdd;
import static dev.limiter.core.bucket.BucketMath.saturatedMultiply;
import static dev.limiter.core.bucket.BucketMath.saturatedNanos;
import static dev.limiter.core.bucket.BucketMath.saturatedSubtract;

/**
 * An integer token bucket that is refilled in whole quanta on a fixed tick grid: every {@code fillInterval},
 * {@code quantum} tokens are added, up to {@code capacity}. The semantics are those of juju's
 * {@code github.com/juju/ratelimit} {@code Bucket} v1.0.2.
 *
 * <p><b>Model.</b> The bucket starts full. Ticks are counted from the moment of construction: tick {@code k} falls
 * at {@code start + k * fillInterval}, and tokens arrive only on ticks, never in between (a take 7 ms into a 10 ms
 * interval waits 3 ms for the next tick). A bucket that stays full gains nothing while full (no "bonus" tokens
 * after a long idle period, the v1.0.2 fix). Tokens are counted in {@code long}s, so rates far above one token per
 * nanosecond are expressed with a larger quantum ({@link #withRate(double, long)} chooses one).
 *
 * <p><b>Taking tokens.</b>
 * <ul>
 * <li>{@link #takeAvailable(long)} takes only what is there now, possibly fewer than asked, never waits.</li>
 * <li>{@link #take(long)} always takes all {@code n} tokens, letting the count go negative (a queue of future
 * consumers), and returns how long the caller should wait until its tokens exist; it does not wait itself, and
 * the take cannot be undone. {@code n} may exceed the capacity (the wait is then correspondingly long).</li>
 * <li>{@link #take(long, Duration)} does the same only when the wait would be at most {@code maxWait}; otherwise
 * it takes nothing.</li>
 * <li>{@link #await(long)} and {@link #await(long, Duration)} take and then wait on the {@link Clock}.</li>
 * </ul>
 * A count {@code n <= 0} takes nothing and never waits. {@link #available()} may be negative while consumers are
 * queued.
 *
 * <p><b>Edge cases.</b> {@code fillInterval}, {@code capacity} and {@code quantum} must be positive
 * ({@link IllegalArgumentException} with juju's messages). A clock moved backwards moves the tick back too and, as
 * in juju, takes back the tokens of the ticks it undoes (unless the bucket is full); moving forward again returns
 * them. A debt so large that the token count would overflow a {@code long} is not recorded: such a take waits
 * {@code Long.MAX_VALUE} nanoseconds (or is refused with a finite {@code maxWait}) and takes nothing. Waits and
 * tick times saturate instead of overflowing.
 *
 * <p><b>Thread-safety.</b> Safe for any number of threads. Each operation holds a short lock for a few arithmetic
 * steps; waiting happens outside of it.
 *
 * @see LeakyBucket for even spacing without bursts
 * @see ThrottledInputStream
 * @see ThrottledOutputStream
 */
public final class QuantumBucket {

	/*
	 * Implementation notes.
	 *
	 * As juju's ratelimit.go (v1.0.2): the state is the token count as of the latest tick seen. On each call
	 *
	 *   tick = (now - start) / fillInterval                       (truncating, like Go's integer division)
	 *   adjust: lastTick = latestTick; latestTick = tick;
	 *           unless full: available = min(capacity, available + (tick - lastTick) * quantum)
	 *
	 * The v1.0.2 fix is that latestTick advances even while the bucket is full; before it, ticks spent full were
	 * credited once the bucket was drained (juju issue #30, TestNoBonusTokenAfterBucketIsFull). A take that cannot
	 * be served now rounds the missing tokens up to whole quanta and waits until that tick:
	 *
	 *   endTick = tick + ceil(missing / quantum);  wait = start + endTick * fillInterval - now   (always > 0)
	 *
	 * The state is two longs (available tokens, latest tick) that must change together. Java has no double-width
	 * CAS, and packing them into an immutable holder for an AtomicReference would allocate on every call, so a
	 * ReentrantLock guards them, as juju uses a sync.Mutex. It is held only for the arithmetic (never while waiting)
	 * and, unlike synchronized, does not pin a virtual thread on JDK 21 to 23.
	 *
	 * Overflow: Go wraps int64 arithmetic silently; here the refill saturates (the result is capped at capacity
	 * anyway), the wait computation saturates, and a debt that would not fit in a long is refused (see class doc).
	 *
	 * withRate: juju's quantum search, bit for bit in double arithmetic. Go converts the candidate interval with
	 * time.Duration(float); out-of-range values become MinInt64 on amd64 and are skipped by the "<= 0" test, so
	 * intervals of 2^63 ns and more are skipped here too (a saturating (long) cast would accept them).
	 */

	private static final double RATE_MARGIN = 0.01;

	private static final long MAX_QUANTUM_SEARCH = 1L << 50;

	/** Returned by {@link #takeAt} when the wait would exceed the caller's limit. */
	static final long REFUSED = -1;

	private final Clock clock;

	private final long startNanos;

	private final long fillIntervalNanos;

	private final long capacity;

	private final long quantum;

	private final ReentrantLock lock = new ReentrantLock();

	private long availableTokens;

	private long latestTick;

	private QuantumBucket(Clock clock, long fillIntervalNanos, long capacity, long quantum) {
		this.clock = clock;
		this.startNanos = clock.nanoTime();
		this.fillIntervalNanos = fillIntervalNanos;
		this.capacity = capacity;
		this.quantum = quantum;
		this.availableTokens = capacity;
	}

	/**
	 * Creates a full bucket that gains one token every {@code fillInterval} (juju's {@code NewBucket}), on the system
	 * clock.
	 * @param fillInterval the time between ticks, positive
	 * @param capacity the maximum number of tokens, positive
	 * @return the bucket
	 * @throws IllegalArgumentException if an argument is not positive
	 */
	public static QuantumBucket of(Duration fillInterval, long capacity) {
		return of(fillInterval, capacity, 1, Clock.system());
	}

	/**
	 * Creates a full bucket that gains {@code quantum} tokens every {@code fillInterval} (juju's
	 * {@code NewBucketWithQuantumAndClock}).
	 * @param fillInterval the time between ticks, positive (saturated at {@code Long.MAX_VALUE} ns, 292 years)
	 * @param capacity the maximum number of tokens, positive
	 * @param quantum the tokens added per tick, positive
	 * @param clock the clock that is read and waited on; ticks are counted from its reading now
	 * @return the bucket
	 * @throws IllegalArgumentException if an argument is not positive
	 */
	public static QuantumBucket of(Duration fillInterval, long capacity, long quantum, Clock clock) {
		Objects.requireNonNull(fillInterval, "fillInterval must not be null");
		Objects.requireNonNull(clock, "clock must not be null");
		if (fillInterval.isNegative() || fillInterval.isZero()) {
			throw new IllegalArgumentException("token bucket fill interval is not > 0");
		}
		checkCapacity(capacity);
		if (quantum <= 0) {
			throw new IllegalArgumentException("token bucket quantum is not > 0");
		}
		return new QuantumBucket(clock, saturatedNanos(fillInterval), capacity, quantum);
	}

	/**
	 * Creates a full bucket that gains about {@code perSecond} tokens per second (juju's
	 * {@code NewBucketWithRate}), on the system clock.
	 * @param perSecond the rate in tokens per second
	 * @param capacity the maximum number of tokens, positive
	 * @return the bucket
	 * @throws IllegalArgumentException if {@code capacity} is not positive or no quantum fits the rate
	 * @see #withRate(double, long, Clock)
	 */
	public static QuantumBucket withRate(double perSecond, long capacity) {
		return withRate(perSecond, capacity, Clock.system());
	}

	/**
	 * Creates a full bucket that gains about {@code perSecond} tokens per second (juju's
	 * {@code NewBucketWithRateAndClock}). The smallest quantum is chosen, trying 1 and then growing by about 10 %
	 * per step up to 2^50, whose fill interval ({@code 1e9 * quantum / perSecond} ns, truncated) gives a rate within
	 * 1 % of {@code perSecond}: 3 per second gives one token every 333,333,333 ns; 1e12 per second gives 27,194
	 * tokens every 27 ns. Rates that are not positive, not finite, below about 1.1e-10 or above about 1.1e24 per
	 * second have no such quantum.
	 * @param perSecond the rate in tokens per second
	 * @param capacity the maximum number of tokens, positive
	 * @param clock the clock that is read and waited on
	 * @return the bucket
	 * @throws IllegalArgumentException if {@code capacity} is not positive ("token bucket capacity is not > 0"), or
	 * when no quantum fits ("cannot find suitable quantum for " and the rate as Go prints it, e.g. {@code 1e+25})
	 */
	public static QuantumBucket withRate(double perSecond, long capacity, Clock clock) {
		Objects.requireNonNull(clock, "clock must not be null");
		checkCapacity(capacity);
		for (long quantum = 1; quantum < MAX_QUANTUM_SEARCH; quantum = nextQuantum(quantum)) {
			double intervalNanos = 1e9 * quantum / perSecond;
			if (!(intervalNanos >= 1) || intervalNanos >= 0x1p63) {
				continue;
			}
			long fillIntervalNanos = (long) intervalNanos;
			if (Math.abs(rate(quantum, fillIntervalNanos) - perSecond) / perSecond <= RATE_MARGIN) {
				return new QuantumBucket(clock, fillIntervalNanos, capacity, quantum);
			}
		}
		throw new IllegalArgumentException("cannot find suitable quantum for " + GoFloat.format(perSecond));
	}

	private static long nextQuantum(long quantum) {
		long next = quantum * 11 / 10;
		return (next != quantum) ? next : next + 1;
	}

	private static void checkCapacity(long capacity) {
		if (capacity <= 0) {
			throw new IllegalArgumentException("token bucket capacity is not > 0");
		}
	}

	/**
	 * Takes up to {@code n} tokens that are available now, without waiting (juju's {@code TakeAvailable}).
	 * @param n the most tokens to take
	 * @return the number of tokens taken, between 0 and {@code n}; 0 when {@code n <= 0} or the bucket is empty
	 */
	public long takeAvailable(long n) {
		return takeAvailableAt(this.clock.nanoTime(), n);
	}

	/**
	 * Takes {@code n} tokens, going into debt if needed, and returns how long the caller should wait before using
	 * them (juju's {@code Take}). Does not wait; cannot be undone.
	 * @param n the number of tokens, any size
	 * @return the wait, {@link Duration#ZERO} when the tokens were there
	 */
	public Duration take(long n) {
		return Duration.ofNanos(takeAt(this.clock.nanoTime(), n, Long.MAX_VALUE));
	}

	/**
	 * Takes {@code n} tokens only if they are available within {@code maxWait} (juju's {@code TakeMaxDuration}).
	 * Does not wait.
	 * @param n the number of tokens
	 * @param maxWait the longest acceptable wait; a negative one accepts only tokens available now
	 * @return the wait before the tokens may be used, or empty (and nothing taken) if it would exceed
	 * {@code maxWait}
	 */
	public Optional<Duration> take(long n, Duration maxWait) {
		Objects.requireNonNull(maxWait, "maxWait must not be null");
		long wait = takeAt(this.clock.nanoTime(), n, saturatedNanos(maxWait));
		return (wait != REFUSED) ? Optional.of(Duration.ofNanos(wait)) : Optional.empty();
	}

	/**
	 * Takes {@code n} tokens and waits on the clock until they are available (juju's {@code Wait}).
	 * @param n the number of tokens, any size
	 * @throws InterruptedException if the thread is interrupted on entry (nothing is taken) or while waiting (the
	 * tokens stay taken, as juju's takes are irrevocable)
	 */
	public void await(long n) throws InterruptedException {
		if (Thread.interrupted()) {
			throw new InterruptedException();
		}
		long wait = takeAt(this.clock.nanoTime(), n, Long.MAX_VALUE);
		if (wait > 0) {
			this.clock.sleep(wait);
		}
	}

	/**
	 * Takes {@code n} tokens if they are available within {@code maxWait}, and waits on the clock until they are
	 * (juju's {@code WaitMaxDuration}).
	 * @param n the number of tokens
	 * @param maxWait the longest acceptable wait
	 * @return {@code true} once the tokens are available; {@code false} at once, taking nothing, if they would not
	 * be within {@code maxWait}
	 * @throws InterruptedException if the thread is interrupted on entry (nothing is taken) or while waiting (the
	 * tokens stay taken)
	 */
	public boolean await(long n, Duration maxWait) throws InterruptedException {
		Objects.requireNonNull(maxWait, "maxWait must not be null");
		if (Thread.interrupted()) {
			throw new InterruptedException();
		}
		long wait = takeAt(this.clock.nanoTime(), n, saturatedNanos(maxWait));
		if (wait == REFUSED) {
			return false;
		}
		if (wait > 0) {
			this.clock.sleep(wait);
		}
		return true;
	}

	/**
	 * Returns the number of tokens available now; negative while consumers wait for tokens. For metrics and
	 * debugging: the value may change before the caller acts on it.
	 * @return the available tokens
	 */
	public long available() {
		return availableAt(this.clock.nanoTime());
	}

	/**
	 * Returns the capacity the bucket was created with.
	 * @return the capacity
	 */
	public long capacity() {
		return this.capacity;
	}

	/**
	 * Returns the fill rate: {@code 1e9 * quantum / fillInterval} tokens per second.
	 * @return the rate in tokens per second
	 */
	public double rate() {
		return rate(this.quantum, this.fillIntervalNanos);
	}

	/**
	 * Returns the time between ticks.
	 * @return the fill interval
	 */
	public Duration fillInterval() {
		return Duration.ofNanos(this.fillIntervalNanos);
	}

	/**
	 * Returns the number of tokens added on each tick.
	 * @return the quantum
	 */
	public long quantum() {
		return this.quantum;
	}

	/**
	 * Returns the clock time ticks are counted from (for tests).
	 * @return the construction time in clock nanoseconds
	 */
	long startNanos() {
		return this.startNanos;
	}

	/**
	 * juju's {@code take}: takes {@code count} tokens as of {@code nowNanos} if the wait is at most
	 * {@code maxWaitNanos}.
	 * @return the wait in nanoseconds (0 when available now), or {@link #REFUSED}
	 */
	long takeAt(long nowNanos, long count, long maxWaitNanos) {
		if (count <= 0) {
			return 0;
		}
		this.lock.lock();
		try {
			long tick = currentTick(nowNanos);
			adjust(tick);
			long avail = this.availableTokens - count;
			boolean overflow = ((this.availableTokens ^ count) & (this.availableTokens ^ avail)) < 0;
			if (overflow || avail == Long.MIN_VALUE) {
				// the debt does not fit in a long: a wait beyond any clock, nothing recorded
				return (maxWaitNanos == Long.MAX_VALUE) ? Long.MAX_VALUE : REFUSED;
			}
			if (avail >= 0) {
				this.availableTokens = avail;
				return 0;
			}
			long missing = -avail;
			long ticksNeeded = missing / this.quantum + ((missing % this.quantum != 0) ? 1 : 0);
			long endTick = saturatedAdd(tick, ticksNeeded);
			long wait = saturatedSubtract(saturatedMultiply(endTick, this.fillIntervalNanos),
					nowNanos - this.startNanos);
			if (wait > maxWaitNanos) {
				return REFUSED;
			}
			this.availableTokens = avail;
			return wait;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** juju's {@code takeAvailable} as of {@code nowNanos}. */
	long takeAvailableAt(long nowNanos, long count) {
		if (count <= 0) {
			return 0;
		}
		this.lock.lock();
		try {
			adjust(currentTick(nowNanos));
			if (this.availableTokens <= 0) {
				return 0;
			}
			long taken = Math.min(count, this.availableTokens);
			this.availableTokens -= taken;
			return taken;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** juju's {@code available} as of {@code nowNanos}. */
	long availableAt(long nowNanos) {
		this.lock.lock();
		try {
			adjust(currentTick(nowNanos));
			return this.availableTokens;
		}
		finally {
			this.lock.unlock();
		}
	}

	private long currentTick(long nowNanos) {
		return (nowNanos - this.startNanos) / this.fillIntervalNanos;
	}

	/** Brings the token count up to {@code tick}; requires the lock. */
	private void adjust(long tick) {
		long lastTick = this.latestTick;
		this.latestTick = tick;
		if (this.availableTokens >= this.capacity) {
			return;
		}
		long added = saturatedMultiply(tick - lastTick, this.quantum);
		long tokens = saturatedAdd(this.availableTokens, added);
		this.availableTokens = Math.min(tokens, this.capacity);
	}

	private static double rate(long quantum, long fillIntervalNanos) {
		return 1e9 * quantum / fillIntervalNanos;
	}

	@Override
	public String toString() {
		return "QuantumBucket[capacity=" + this.capacity + ", quantum=" + this.quantum + ", fillInterval="
				+ fillInterval() + "]";
	}

	/** Go's {@code strconv.FormatFloat(f, 'g', -1, 64)}, for juju's error message. */
	static final class GoFloat {

		private GoFloat() {
		}

		static String format(double value) {
			if (Double.isNaN(value)) {
				return "NaN";
			}
			if (Double.isInfinite(value)) {
				return (value > 0) ? "+Inf" : "-Inf";
			}
			if (value == 0) {
				return (1 / value < 0) ? "-0" : "0";
			}
			String sign = (value < 0) ? "-" : "";
			BigDecimal decimal = new BigDecimal(Double.toString(Math.abs(value))).stripTrailingZeros();
			String digits = decimal.unscaledValue().toString();
			int exponent = digits.length() - 1 - decimal.scale();
			if (exponent < -4 || exponent >= 6) {
				String mantissa = (digits.length() == 1) ? digits : digits.charAt(0) + "." + digits.substring(1);
				int magnitude = Math.abs(exponent);
				return sign + mantissa + "e" + ((exponent < 0) ? "-" : "+") + ((magnitude < 10) ? "0" : "")
						+ magnitude;
			}
			return sign + decimal.toPlainString();
		}

	}

}
