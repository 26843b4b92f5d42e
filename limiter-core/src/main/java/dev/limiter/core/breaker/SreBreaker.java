package dev.limiter.core.breaker;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.concurrent.locks.StampedLock;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.Predicate;

import dev.limiter.core.Clock;
import dev.limiter.core.InvalidSettingException;
import dev.limiter.core.Listeners;
import dev.limiter.core.Promise;
import dev.limiter.core.Settings;

/**
 * Client-side adaptive throttling from the Google SRE book ("Handling Overload"), as go-zero's current
 * {@code googleBreaker}: instead of tripping at a threshold, it drops each call with a probability that grows as the
 * dependency accepts fewer of the calls it is sent.
 *
 * <h2>Model</h2>
 * Over a rolling window ({@code window} in {@code buckets} buckets, the current bucket included) the breaker counts
 * successes, failures and its own drops; {@code total} is all three, {@code accepts} the successes.
 * {@code failingBuckets} is the number of newest buckets, in a row, with failures and no success;
 * {@code workingBuckets} the number with successes and no failure (empty and drop-only buckets do not break either
 * streak). Each call then:
 * <pre>
 * w          = k - (k - 1.1) · failingBuckets / buckets     // from k (1.5) down to 1.1 while buckets keep failing
 * ratio      = (total - protection - max(w, 1.1) · accepts) / (total + 1)
 * ratio ≤ 0                                   → call permitted (breaker CLOSED)
 * a call was permitted by the draw before, and more than 1 s ago → call permitted as a forced probe
 * ratio     ×= (buckets - workingBuckets) / buckets             // recover faster while calls succeed again
 * random() &lt; ratio                          → call dropped, and the drop is recorded
 * otherwise                                  → call permitted
 * </pre>
 * {@code protection} lets a few calls fail before anything is dropped. {@link #state()} is
 * {@link BreakerState#CLOSED} while the drop probability is 0 and {@link BreakerState#OPEN} while it is positive;
 * there is no half-open state (the forced probe and the probabilistic drops play its part). {@link #dropRatio()}
 * gives the probability itself; {@link #reset()} forgets every outcome.
 *
 * <h2>Use</h2>
 * {@link #allow()} / {@link #execute(Callable, Predicate, Function)} as every {@link Breaker}: a permitted call
 * reports its outcome, {@link Promise#accept()} counts a success, {@link Promise#reject(String)} a failure, and a
 * promise never completed counts nothing. {@link BreakerListener}s (builder {@link Builder#listener listener(..)},
 * {@link #addListener}, {@link #removeListener}) hear of state changes, as observed by calls and by
 * {@code state()}/{@code dropRatio()}, and of each drop.
 *
 * <h2>Defaults</h2>
 * go-zero's: k 1.5, protection 5, a 10 s window in 40 buckets of 250 ms, one forced probe per second (fixed), the
 * system clock and {@link ThreadLocalRandom}.
 *
 * <h2>Edge cases</h2>
 * With protection 0, one failure in a window without successes is enough to start dropping. The random source must
 * return values in [0, 1); a call is dropped when the draw is below the ratio, so a source that always returns 0
 * drops whenever the ratio is positive (apart from the forced probe). Time going backwards by a bucket or more
 * empties the window (go-zero's rolling window does the same). Time 0 is an ordinary instant: "a call was permitted
 * before" is an explicit flag.
 *
 * <h2>Threads and cost</h2>
 * Thread-safe. The permitted path allocates nothing ({@link #allow()} returns one shared promise, which carries no
 * per-call state) and, while the breaker is closed, takes no lock to decide: while the window can hold at most
 * {@code protection} failures and drops it decides without even reading the clock, otherwise from running totals
 * under an optimistic read. Recording an outcome reads the clock once and takes a short write lock, as do decisions
 * that may drop. Drops throw one pre-built {@link BreakerOpenException} per breaker. Listeners run on the calling
 * thread and cost nothing while none is registered.
 */
public final class SreBreaker implements Breaker, BreakerControls {

	/*
	 * Implementation notes (go-zero core/breaker/googlebreaker.go at v1.10.3; the formula is eq. 21-1 of
	 * https://sre.google/sre-book/handling-overload/):
	 * - minK = 1.1 and forcePassDuration = 1 s are go-zero constants; k, protection, window and buckets are ours to
	 *   configure. buckets in the K and recovery formulas is the configured bucket count (40 in go-zero).
	 * - Fastest path, no clock reading: when the whole ring holds at most protection failures and drops, every window
	 *   it can show has total - protection <= accepts <= w·accepts, so the ratio is <= 0 at any time (time going
	 *   backwards included: an empty window). That is the usual healthy case, so a closed allow() reads one volatile
	 *   long and the clock is read once per call, to record its outcome.
	 * - Fast path: max(w, minK) >= minK always, so when total - protection - minK·accepts <= 0 the exact ratio is <= 0
	 *   as well (floating-point multiplication is monotonic); then the call is permitted from the running totals under
	 *   an optimistic read, without the O(buckets) scan. Anything else takes the write lock and runs go-zero's steps
	 *   in order, drawing a random number only where go-zero does.
	 * - go-zero records a drop in a second critical section after accept(); here it is recorded in the same one.
	 * - lastPass is go-zero's AtomicDuration whose 0 means "never"; here "passed" is an explicit flag.
	 * - The drop ratio before the recovery factor decides go-zero's behaviour; state() and dropRatio() report the
	 *   ratio after it, which is what the next call faces (apart from the forced probe).
	 */

	/** go-zero's minK: the lowest weight of accepts, reached after a whole window of failing buckets. */
	static final double MIN_K = 1.1;

	static final long FORCE_PASS_NANOS = 1_000_000_000L;

	private static final AtomicReferenceFieldUpdater<SreBreaker, BreakerState> REPORTED_STATE =
			AtomicReferenceFieldUpdater.newUpdater(SreBreaker.class, BreakerState.class, "reportedState");

	private final String name;

	private final double k;

	private final int protection;

	private final Clock clock;

	private final DoubleSupplier random;

	private final SreBuckets buckets;

	private final StampedLock lock = new StampedLock();

	private final Object listenerLock = new Object();

	private final BreakerOpenException openException;

	private final Promise promise = new OutcomePromise();

	private boolean passed;

	private long lastPass;

	private volatile BreakerListener[] listeners;

	private volatile BreakerState reportedState = BreakerState.CLOSED;

	/** An operator's override (FORCED_OPEN, FORCED_CLOSED or DISABLED), or null while the SRE formula decides. */
	private volatile BreakerState override;

	private SreBreaker(Builder builder, long bucketNanos) {
		this.name = builder.name;
		this.k = builder.k;
		this.protection = builder.protection;
		this.clock = builder.clock;
		this.random = builder.random;
		this.buckets = new SreBuckets(builder.buckets, bucketNanos, this.clock.nanoTime());
		this.openException = new BreakerOpenException(this.name);
		this.listeners = builder.listeners;
	}

	/**
	 * Starts a builder with go-zero's defaults: k 1.5, protection 5, a 10 s window in 40 buckets, the system clock
	 * and {@link ThreadLocalRandom}.
	 * @param name the breaker's name (for exceptions, logs and metrics)
	 * @return a new builder
	 */
	public static Builder builder(String name) {
		return new Builder(name);
	}

	@Override
	public String name() {
		return this.name;
	}

	/**
	 * Decides whether one call may be made; a drop is recorded in the window.
	 * @return the breaker's shared promise: complete it once with the call's outcome
	 * @throws BreakerOpenException if the call is dropped
	 */
	@Override
	public Promise allow() {
		if (!acquire(true)) {
			throw this.openException;
		}
		return this.promise;
	}

	/**
	 * Runs the call if the breaker permits it. A call that returns normally is a success; one that throws is a
	 * success when {@code acceptable} says so and a failure otherwise (an {@link Error} or
	 * {@link RuntimeException} too, which propagates unchanged). A dropped call is recorded as a drop and answered
	 * by {@code fallback} with the {@link BreakerOpenException}, or by throwing it.
	 */
	@Override
	public <T> T execute(Callable<T> call, Predicate<Throwable> acceptable, Function<Throwable, T> fallback)
			throws Exception {
		Objects.requireNonNull(call, "call must not be null");
		if (!acquire(true)) {
			if (fallback != null) {
				return fallback.apply(this.openException);
			}
			throw this.openException;
		}
		boolean success = false;
		try {
			T result = call.call();
			success = true;
			return result;
		}
		catch (Throwable ex) {
			success = acceptable != null && acceptable.test(ex);
			throw ex;
		}
		finally {
			record(success ? SreBuckets.SUCCESS : SreBuckets.FAILURE);
		}
	}

	/**
	 * Returns the operator's override when one is set ({@link #forceOpen()}, {@link #forceClosed()},
	 * {@link #disable()}), else {@link BreakerState#OPEN} while calls are being dropped with a positive probability
	 * and {@link BreakerState#CLOSED} otherwise.
	 */
	@Override
	public BreakerState state() {
		BreakerState forced = this.override;
		if (forced != null) {
			return forced;
		}
		return (dropRatio() > 0) ? BreakerState.OPEN : BreakerState.CLOSED;
	}

	/** Drops every call until {@link #reset()}; outcomes are not recorded meanwhile. */
	@Override
	public void forceOpen() {
		override(BreakerState.FORCED_OPEN);
	}

	/** Permits every call until {@link #reset()}; outcomes are still recorded. */
	@Override
	public void forceClosed() {
		override(BreakerState.FORCED_CLOSED);
	}

	/** Permits every call and records nothing until {@link #reset()}. */
	@Override
	public void disable() {
		override(BreakerState.DISABLED);
	}

	private void override(BreakerState state) {
		this.override = state;
		report(state);
	}

	/**
	 * Returns the probability, in [0, 1), that the next call is dropped (the ratio after the recovery factor; a
	 * forced probe may still let it through).
	 * @return the current drop ratio
	 */
	public double dropRatio() {
		long now = this.clock.nanoTime();
		double ratio;
		long stamp = this.lock.writeLock();
		try {
			now = fresh(now);
			this.buckets.scan(now);
			double base = baseRatio();
			ratio = (base > 0) ? base * recoveryFactor() : 0;
		}
		finally {
			this.lock.unlockWrite(stamp);
		}
		if (this.override == null) {
			report((ratio > 0) ? BreakerState.OPEN : BreakerState.CLOSED);
		}
		return ratio;
	}

	/**
	 * Forgets every recorded outcome, the last forced probe and any operator override: the breaker is closed again.
	 */
	@Override
	public void reset() {
		long stamp = this.lock.writeLock();
		try {
			this.override = null;
			this.buckets.clear();
			this.passed = false;
		}
		finally {
			this.lock.unlockWrite(stamp);
		}
		report(BreakerState.CLOSED);
	}

	/**
	 * Registers a listener for state changes and drops; listeners run on the calling thread and must be quick.
	 * @param listener the listener
	 */
	public void addListener(BreakerListener listener) {
		synchronized (this.listenerLock) {
			this.listeners = Listeners.add(this.listeners, listener);
		}
	}

	/**
	 * Removes a listener registered before; does nothing if it is not registered.
	 * @param listener the listener
	 */
	public void removeListener(BreakerListener listener) {
		synchronized (this.listenerLock) {
			this.listeners = Listeners.remove(this.listeners, listener);
		}
	}

	/** go-zero's accept() alone: decides without recording a drop (for the ported tests). */
	boolean accept() {
		return acquire(false);
	}

	void markSuccess() {
		record(SreBuckets.SUCCESS);
	}

	void markFailure() {
		record(SreBuckets.FAILURE);
	}

	void markDrop() {
		record(SreBuckets.DROP);
	}

	/** go-zero's history() at the current time, for tests. */
	History history() {
		long now = this.clock.nanoTime();
		long stamp = this.lock.writeLock();
		try {
			now = fresh(now);
			this.buckets.scan(now);
			return new History(this.buckets.accepts, this.buckets.total, this.buckets.workingBuckets,
					this.buckets.failingBuckets);
		}
		finally {
			this.lock.unlockWrite(stamp);
		}
	}

	private boolean acquire(boolean recordDrop) {
		BreakerState forced = this.override;
		if (forced != null) {
			return forced != BreakerState.FORCED_OPEN;
		}
		if (this.buckets.otherBound() <= this.protection) {
			// at most protection failures and drops: the ratio is <= 0 whatever the window shows, at any time
			if (this.listeners.length != 0) {
				report(BreakerState.CLOSED);
			}
			return true;
		}
		long now = this.clock.nanoTime();
		long stamp = this.lock.tryOptimisticRead();
		if (stamp != 0) {
			SreBuckets window = this.buckets;
			int span = window.span(now);
			long total = window.visibleTotal(span);
			long accepts = window.visibleAccepts(span);
			if (this.lock.validate(stamp) && span < window.size
					&& (double) (total - this.protection) - MIN_K * (double) accepts <= 0) {
				if (this.listeners.length != 0) {
					report(BreakerState.CLOSED);
				}
				return true;
			}
		}
		return decide(now, recordDrop);
	}

	private boolean decide(long now, boolean recordDrop) {
		boolean permitted;
		BreakerState observed;
		long stamp = this.lock.writeLock();
		try {
			now = fresh(now);
			this.buckets.scan(now);
			double ratio = baseRatio();
			if (ratio <= 0) {
				permitted = true;
				observed = BreakerState.CLOSED;
			}
			else {
				ratio *= recoveryFactor();
				observed = (ratio > 0) ? BreakerState.OPEN : BreakerState.CLOSED;
				if (this.passed && now - this.lastPass > FORCE_PASS_NANOS) {
					this.lastPass = now;
					permitted = true;
				}
				else if (this.random.getAsDouble() < ratio) {
					permitted = false;
					if (recordDrop) {
						this.buckets.add(SreBuckets.DROP, now);
					}
				}
				else {
					this.passed = true;
					this.lastPass = now;
					permitted = true;
				}
			}
		}
		finally {
			this.lock.unlockWrite(stamp);
		}
		BreakerListener[] listeners = this.listeners;
		if (listeners.length != 0) {
			report(observed);
			if (!permitted && recordDrop) {
				BreakerListeners.dropped(listeners, this);
			}
		}
		return permitted;
	}

	/** The drop ratio before the recovery factor; requires a fresh scan under the write lock. */
	private double baseRatio() {
		SreBuckets window = this.buckets;
		double w = this.k - (this.k - MIN_K) * window.failingBuckets / window.size;
		double weightedAccepts = Math.max(w, MIN_K) * window.accepts;
		return ((double) (window.total - this.protection) - weightedAccepts) / (double) (window.total + 1);
	}

	/** (buckets - workingBuckets) / buckets; requires a fresh scan under the write lock. */
	private double recoveryFactor() {
		SreBuckets window = this.buckets;
		return (double) (window.size - window.workingBuckets) / window.size;
	}

	private void record(int kind) {
		BreakerState forced = this.override;
		if (forced == BreakerState.DISABLED || forced == BreakerState.FORCED_OPEN) {
			return;
		}
		long now = this.clock.nanoTime();
		long stamp = this.lock.writeLock();
		try {
			this.buckets.add(kind, fresh(now));
		}
		finally {
			this.lock.unlockWrite(stamp);
		}
	}

	/**
	 * Under the write lock: a clock reading taken before the lock that is a whole bucket or more behind the window's
	 * last write went stale while its thread waited (go-zero reads the clock under its lock), so it is read again;
	 * taken as it is, it would mean that time went backwards, which empties the window. When time really went
	 * backwards (a ManualClock), the new reading is the same.
	 */
	private long fresh(long now) {
		return this.buckets.isBehind(now) ? this.clock.nanoTime() : now;
	}

	private void report(BreakerState observed) {
		BreakerListener[] listeners = this.listeners;
		if (listeners.length == 0) {
			return;
		}
		BreakerState previous = this.reportedState;
		if (previous != observed && REPORTED_STATE.compareAndSet(this, previous, observed)) {
			BreakerListeners.stateChanged(listeners, this, previous, observed);
		}
	}

	@Override
	public String toString() {
		return "SreBreaker[name=" + this.name + ", k=" + this.k + ", protection=" + this.protection + ", window="
				+ Duration.ofNanos(this.buckets.intervalNanos * this.buckets.size) + ", buckets=" + this.buckets.size
				+ "]";
	}

	/** The shared promise: it needs no per-call state, so one instance serves every permitted call. */
	private final class OutcomePromise implements Promise {

		@Override
		public void accept() {
			record(SreBuckets.SUCCESS);
		}

		@Override
		public void reject(String reason) {
			record(SreBuckets.FAILURE);
		}

		@Override
		public void ignore() {
			// nothing was counted when the call was permitted, so there is nothing to give back
		}

	}

	/** go-zero's windowResult. */
	record History(long accepts, long total, int workingBuckets, int failingBuckets) {
	}

	/** Builds an {@link SreBreaker}; every setter validates its argument at once. */
	public static final class Builder {

		private final String name;

		private double k = 1.5;

		private int protection = 5;

		private Duration window = Duration.ofSeconds(10);

		private int buckets = 40;

		private Clock clock = Clock.system();

		private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();

		private BreakerListener[] listeners = BreakerListeners.NONE;

		private Builder(String name) {
			this.name = Settings.name(name);
		}

		/**
		 * Sets K, the weight of accepts while no bucket fails; it falls linearly to 1.1 as failing buckets fill the
		 * window. The SRE book recommends 2; go-zero uses 1.5. Lower is more aggressive.
		 * @param k the multiplier, finite and at least 1.1
		 * @return this builder
		 * @throws IllegalArgumentException if {@code k} is below 1.1 or not finite
		 */
		public Builder k(double k) {
			if (!(k >= MIN_K) || Double.isInfinite(k)) {
				throw InvalidSettingException.of("k", k, "must be >= " + MIN_K + " and finite");
			}
			this.k = k;
			return this;
		}

		/**
		 * Sets how many calls in the window may fail before any is dropped.
		 * @param protection the allowance, at least 0
		 * @return this builder
		 * @throws IllegalArgumentException if {@code protection} is negative
		 */
		public Builder protection(int protection) {
			if (protection < 0) {
				throw InvalidSettingException.of("protection", protection, "must be >= 0");
			}
			this.protection = protection;
			return this;
		}

		/**
		 * Sets how far back outcomes count; each bucket covers {@code window / buckets} (integer nanoseconds).
		 * @param window the window, positive
		 * @return this builder
		 * @throws IllegalArgumentException if {@code window} is not positive
		 */
		public Builder window(Duration window) {
			this.window = Settings.positive("window", window);
			return this;
		}

		/**
		 * Sets the number of buckets the window is divided into.
		 * @param buckets the bucket count, at least 1
		 * @return this builder
		 * @throws IllegalArgumentException if {@code buckets} is below 1
		 */
		public Builder buckets(int buckets) {
			this.buckets = Settings.positive("buckets", buckets);
			return this;
		}

		/**
		 * Sets the clock.
		 * @param clock the clock
		 * @return this builder
		 */
		public Builder clock(Clock clock) {
			this.clock = Objects.requireNonNull(clock, "clock must not be null");
			return this;
		}

		/**
		 * Sets the random source, uniform in [0, 1); a call is dropped when the draw is below the drop ratio.
		 * @param random the random source
		 * @return this builder
		 */
		public Builder random(DoubleSupplier random) {
			this.random = Objects.requireNonNull(random, "random must not be null");
			return this;
		}

		/**
		 * Adds a listener (more can be added later with {@link SreBreaker#addListener(BreakerListener)}).
		 * @param listener the listener
		 * @return this builder
		 */
		public Builder listener(BreakerListener listener) {
			this.listeners = Listeners.add(this.listeners, listener);
			return this;
		}

		/**
		 * Builds the breaker, closed and with an empty window starting now.
		 * @return the breaker
		 * @throws IllegalArgumentException if the window is shorter than one nanosecond per bucket
		 */
		public SreBreaker build() {
			return new SreBreaker(this, Settings.bucketNanos(this.window, this.buckets));
		}

	}

}
