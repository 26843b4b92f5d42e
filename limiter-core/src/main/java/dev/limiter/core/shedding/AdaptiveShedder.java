package dev.limiter.core.shedding;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.locks.StampedLock;
import java.util.function.DoubleSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.limiter.core.Clock;
import dev.limiter.core.InvalidSettingException;
import dev.limiter.core.Listeners;
import dev.limiter.core.Promise;
import dev.limiter.core.Settings;

/**
 * Sheds calls while the process is overloaded: its CPU is busy and more calls are in flight than it has shown it
 * can complete; go-zero's current adaptive shedder ({@code core/load/adaptiveshedder.go}), a BBR-like estimate of
 * the bandwidth-delay product (Little's law).
 *
 * <p>The model. Two rolling windows ({@code window}, default 5 s, in {@code buckets} buckets, default 50 of 100 ms,
 * always leaving out the current, partial bucket) record each passed call and its response time in whole
 * milliseconds, rounded up. With {@code cpu} and {@code threshold} in millicpu (1000 = all the CPU the process may
 * use; the default threshold is 900):
 * <pre>
 * maxPass        = max(1, most calls passed in one bucket)
 * minRt          = min(1000, smallest per-bucket mean response time, rounded half away from zero) // ms
 * windowScale    = 1 s / bucket duration / 1000                              // 0.01 for 100 ms buckets
 * maxFlight      = max(1, maxPass · minRt · windowScale)                     // calls the process completes in minRt
 * overloadFactor = clamp((1000 - cpu) / (1000 - threshold), 0.1, 1)
 * hot            = cpu ≥ threshold (remembering when), or a call was shed and the CPU was last seen at or above the
 *                  threshold less than {@code coolOff} (default 1 s) ago
 * shed           ⇔ hot and avgInFlight &gt; maxFlight · overloadFactor and inFlight &gt; maxFlight · overloadFactor
 * </pre>
 * {@code inFlight} counts permitted calls not yet completed; {@code avgInFlight} is updated when a call completes:
 * {@code avg = avg · 0.9 + inFlight · 0.1} with the count after the completion. A passed call ({@link
 * Promise#accept()}, {@code release(token, true)}) records its response time; a failed one only leaves the flight.
 * The priority variant ({@link Builder#priority(boolean)}) uses the threshold {@code (threshold + 1000) / 2} (950 for
 * 900), so calls routed to it are shed later. This shedder keeps {@link Shedder#allow(Priority)}'s default: critical
 * and sheddable calls are treated alike (go-zero expresses priorities as that separate, later-shedding instance).
 *
 * <p>Edge cases: the CPU threshold has millicpu resolution (0.001) and must be below 1; a threshold of 0 means the
 * CPU is always hot. The CPU source is asked at every decision and should return a fraction in [0, 1] (NaN counts
 * as 0). A response time measured across the clock going backwards counts as 0 ms. Time 0 is an ordinary instant:
 * "the CPU was seen over the threshold" is an explicit flag.
 *
 * <p>Thread-safe. {@link #tryAcquire()} allocates nothing and takes no lock to decide;
 * {@link #release(long, boolean)} allocates nothing and, for a passed call, adds to the two windows under one
 * short lock. A call reads the clock twice: when it starts and when it ends. {@link #allow()} allocates one small
 * promise (it carries the start time). Sheds throw one pre-built {@link OverloadException} per shedder.
 */
public final class AdaptiveShedder implements Shedder {

	/*
	 * Implementation notes (go-zero core/load/adaptiveshedder.go at v1.10.3):
	 * - go-zero's flyingBeta is 0.9 and its complement (1 - flyingBeta) is folded by the Go compiler to exactly 0.1;
	 *   the literal 0.1 is used here (1 - 0.9 in Java is 0.09999999999999998).
	 * - go-zero reads the CPU twice per decision (systemOverloaded and overloadFactor); here it is read once and
	 *   used for both. Its CPU is integer millicpu; here cpu = fraction × 1000 is not truncated.
	 * - avgFlying is go-zero's spin-locked float; here a CAS loop over its bits. flying is an atomic counter.
	 * - overloadTime is written before the overloadSeen flag and read after it; droppedRecently is a plain volatile
	 *   flag as in go-zero (a racing reader may see a cleared flag a little early, as there).
	 * - passCounter and rtCounter share one ring and one lock (ShedderWindow): a passed call is recorded with the
	 *   clock reading release() made, so a permitted call reads the clock twice (start, end) and locks once. maxPass
	 *   and minRt are computed in one visit of the ring, allocating nothing.
	 * - maxFlight is cached per bucket. Both windows share one grid and leave out the current bucket, so what they
	 *   show changes only when time enters a new bucket (an add goes to the current bucket; expired buckets it clears
	 *   were no longer shown): the cache, keyed by the bucket index of the shedder's clock reading, serves the
	 *   decisions within a bucket from an optimistic read and is recomputed from the windows once per bucket (or
	 *   when the index changes in any way, time going backwards included). go-zero reduces both windows at every
	 *   decision taken while the CPU is hot; the result is the same.
	 * - tryAcquire() returns the start time as nanoseconds since the shedder was built (never negative), so that a
	 *   negative token can mean "rejected".
	 */

	/** The token {@link #tryAcquire()} returns when the call is shed. */
	public static final long REJECTED = -1;

	static final double DEFAULT_MIN_RT = 1000.0;

	static final double CPU_MAX = 1000;

	static final double OVERLOAD_FACTOR_LOWER_BOUND = 0.1;

	private static final Logger logger = LoggerFactory.getLogger(AdaptiveShedder.class);

	private static final ShedderListener[] NO_LISTENERS = {};

	private static final AtomicLongFieldUpdater<AdaptiveShedder> FLYING = AtomicLongFieldUpdater
		.newUpdater(AdaptiveShedder.class, "flying");

	private static final AtomicLongFieldUpdater<AdaptiveShedder> AVG_FLYING_BITS = AtomicLongFieldUpdater
		.newUpdater(AdaptiveShedder.class, "avgFlyingBits");

	private final String name;

	private final long cpuThreshold;

	private final double windowScale;

	private final long coolOffNanos;

	private final DoubleSupplier cpuUsage;

	private final Clock clock;

	private final long epoch;

	private final long bucketNanos;

	private final ShedderWindow window;

	private final OverloadException overloadException;

	private final Object listenerLock = new Object();

	private final StampedLock cacheLock = new StampedLock();

	private boolean cached;

	private long cachedBucket;

	private double cachedMaxFlight;

	private volatile long flying;

	private volatile long avgFlyingBits;

	private volatile boolean droppedRecently;

	private volatile long overloadTime;

	private volatile boolean overloadSeen;

	private volatile ShedderListener[] listeners;

	private AdaptiveShedder(Builder builder, long cpuThreshold, long bucketNanos) {
		this.name = builder.name;
		this.cpuThreshold = cpuThreshold;
		this.windowScale = (double) 1_000_000_000L / (double) bucketNanos / 1000;
		this.coolOffNanos = toNanosSaturated(builder.coolOff);
		this.cpuUsage = (builder.cpuUsage != null) ? builder.cpuUsage : CpuUsage.shared();
		this.clock = builder.clock;
		this.bucketNanos = bucketNanos;
		this.epoch = this.clock.nanoTime();
		this.window = new ShedderWindow(builder.buckets, bucketNanos, this.clock, this.epoch);
		this.overloadException = new OverloadException(this.name);
		this.listeners = builder.listeners;
	}

	/**
	 * Starts a builder with go-zero's defaults: CPU threshold 0.9, a 5 s window in 50 buckets, cool-off 1 s, the
	 * shared {@link CpuUsage} sampler and the system clock.
	 * @return a new builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Asks to start one call.
	 * @return a promise to complete once: {@link Promise#accept()} when the call passed (its response time is
	 * recorded), {@link Promise#reject(String)} when it failed; later completions are ignored
	 * @throws OverloadException if the call is shed
	 */
	@Override
	public Promise allow() {
		long token = tryAcquire();
		if (token < 0) {
			throw this.overloadException;
		}
		return new TokenPromise(this, token);
	}

	/**
	 * Asks to start one call, without allocating: the allocation-free form of {@link #allow()}.
	 * @return {@link #REJECTED} (negative) when the call is shed; otherwise a token (the start time, at least 0) to
	 * pass to {@link #release(long, boolean)} exactly once when the call has finished
	 */
	public long tryAcquire() {
		long now = this.clock.nanoTime();
		if (shouldDrop(now)) {
			this.droppedRecently = true;
			ShedderListener[] listeners = this.listeners;
			if (listeners.length != 0) {
				notifyDrop(listeners);
			}
			return REJECTED;
		}
		FLYING.incrementAndGet(this);
		return Math.max(0, now - this.epoch);
	}

	/**
	 * Ends a call started by {@link #tryAcquire()}: it leaves the flight and, when it passed, its response time and
	 * pass are recorded. A negative token (a shed call) is ignored.
	 * @param token the token {@code tryAcquire()} returned
	 * @param passed whether the call passed
	 */
	public void release(long token, boolean passed) {
		if (token < 0) {
			return;
		}
		if (passed) {
			long now = this.clock.nanoTime();
			long elapsed = Math.max(0, now - this.epoch - token);
			long rt = (long) Math.ceil((double) elapsed / 1_000_000.0);
			addFlying(-1);
			this.window.addPass(rt, now);
		}
		else {
			addFlying(-1);
		}
	}

	@Override
	public String name() {
		return this.name;
	}

	/**
	 * Returns the CPU threshold in effect (after the priority adjustment), as a fraction.
	 * @return the threshold, in [0, 1)
	 */
	public double cpuThreshold() {
		return this.cpuThreshold / CPU_MAX;
	}

	/**
	 * Returns the CPU usage as the CPU source reports it now.
	 * @return the CPU usage, a fraction
	 */
	public double cpuUsage() {
		return this.cpuUsage.getAsDouble();
	}

	/**
	 * Returns how long shedding may go on at the least: while calls are being shed, the rest of the cool-off since the
	 * CPU was last seen over the threshold (the whole cool-off while it still is); zero when no call was shed
	 * recently. A client told to retry after this has a chance to get in.
	 * @return the remaining cool-off, never negative
	 */
	public Duration coolOffRemaining() {
		if (!this.droppedRecently || !this.overloadSeen) {
			return Duration.ZERO;
		}
		long sinceOverload = Math.max(0, this.clock.nanoTime() - this.overloadTime);
		long remaining = (cpuMillis() >= this.cpuThreshold) ? this.coolOffNanos : this.coolOffNanos - sinceOverload;
		return Duration.ofNanos(Math.max(0, remaining));
	}

	/**
	 * Returns the number of permitted calls not yet completed.
	 * @return calls in flight
	 */
	public long inFlight() {
		return this.flying;
	}

	/**
	 * Returns the moving average of calls in flight, updated as calls complete.
	 * @return the average in flight
	 */
	public double averageInFlight() {
		return Double.longBitsToDouble(this.avgFlyingBits);
	}

	/**
	 * Returns the estimated capacity {@code max(1, maxPass · minRt · windowScale)}, before the overload factor.
	 * @return the calls the process is estimated to hold in flight without queueing
	 */
	public double maxFlight() {
		return maxFlight(this.clock.nanoTime());
	}

	private double maxFlight(long now) {
		long bucket = Math.floorDiv(now - this.epoch, this.bucketNanos);
		long stamp = this.cacheLock.tryOptimisticRead();
		if (stamp != 0) {
			boolean cached = this.cached;
			long cachedBucket = this.cachedBucket;
			double cachedMaxFlight = this.cachedMaxFlight;
			if (this.cacheLock.validate(stamp) && cached && cachedBucket == bucket) {
				return cachedMaxFlight;
			}
		}
		double maxFlight = Math.max(this.window.maxPassTimesMinRt(now, DEFAULT_MIN_RT) * this.windowScale, 1);
		stamp = this.cacheLock.writeLock();
		try {
			this.cached = true;
			this.cachedBucket = bucket;
			this.cachedMaxFlight = maxFlight;
		}
		finally {
			this.cacheLock.unlockWrite(stamp);
		}
		return maxFlight;
	}

	/**
	 * Registers a listener for shed calls; it runs on the calling thread and must be quick.
	 * @param listener the listener
	 */
	public void addListener(ShedderListener listener) {
		synchronized (this.listenerLock) {
			this.listeners = Listeners.add(this.listeners, listener);
		}
	}

	/**
	 * Removes a listener registered before; does nothing if it is not registered.
	 * @param listener the listener
	 */
	public void removeListener(ShedderListener listener) {
		synchronized (this.listenerLock) {
			this.listeners = Listeners.remove(this.listeners, listener);
		}
	}

	private boolean shouldDrop(long now) {
		double cpu = cpuMillis();
		return (systemOverloaded(cpu, now) || stillHot(now)) && highThroughput(cpu, now);
	}

	private double cpuMillis() {
		double cpu = this.cpuUsage.getAsDouble() * CPU_MAX;
		return Double.isNaN(cpu) ? 0 : cpu;
	}

	private boolean systemOverloaded(double cpu, long now) {
		if (cpu < this.cpuThreshold) {
			return false;
		}
		this.overloadTime = now;
		this.overloadSeen = true;
		return true;
	}

	private boolean stillHot(long now) {
		if (!this.droppedRecently) {
			return false;
		}
		if (!this.overloadSeen) {
			return false;
		}
		if (now - this.overloadTime < this.coolOffNanos) {
			return true;
		}
		this.droppedRecently = false;
		return false;
	}

	private boolean highThroughput(double cpu, long now) {
		double avgFlying = averageInFlight();
		double maxFlight = maxFlight(now) * overloadFactor(cpu);
		return avgFlying > maxFlight && (double) this.flying > maxFlight;
	}

	private double overloadFactor(double cpu) {
		double factor = (CPU_MAX - cpu) / (CPU_MAX - this.cpuThreshold);
		if (factor < OVERLOAD_FACTOR_LOWER_BOUND) {
			return OVERLOAD_FACTOR_LOWER_BOUND;
		}
		return (factor > 1) ? 1 : factor;
	}

	private void addFlying(long delta) {
		long flying = FLYING.addAndGet(this, delta);
		if (delta < 0) {
			long bits;
			long updated;
			do {
				bits = this.avgFlyingBits;
				updated = Double.doubleToRawLongBits(Double.longBitsToDouble(bits) * 0.9 + (double) flying * 0.1);
			}
			while (!AVG_FLYING_BITS.compareAndSet(this, bits, updated));
		}
	}

	private void notifyDrop(ShedderListener[] listeners) {
		for (ShedderListener listener : listeners) {
			try {
				listener.onDrop(this);
			}
			catch (RuntimeException ex) {
				logger.warn("Listener of load shedder '{}' failed on drop", this.name, ex);
			}
		}
	}

	private static long toNanosSaturated(Duration duration) {
		try {
			return duration.toNanos();
		}
		catch (ArithmeticException ex) {
			return Long.MAX_VALUE;
		}
	}

	/** Go's math.Round: half away from zero. */
	static double roundHalfAwayFromZero(double value) {
		double truncated = (value < 0) ? Math.ceil(value) : Math.floor(value);
		if (Math.abs(value - truncated) >= 0.5) {
			truncated += Math.copySign(1.0, value);
		}
		return truncated;
	}

	@Override
	public String toString() {
		return "AdaptiveShedder[name=" + this.name + ", cpuThreshold=" + cpuThreshold() + ", window="
				+ Duration.ofNanos(this.bucketNanos).multipliedBy(this.window.size()) + ", buckets="
				+ this.window.size() + ", coolOff=" + Duration.ofNanos(this.coolOffNanos) + "]";
	}

	/** The promise of {@link #allow()}: completes the call's token once. */
	private static final class TokenPromise implements Promise {

		private static final AtomicIntegerFieldUpdater<TokenPromise> COMPLETED = AtomicIntegerFieldUpdater
			.newUpdater(TokenPromise.class, "completed");

		private final AdaptiveShedder shedder;

		private final long token;

		private volatile int completed;

		TokenPromise(AdaptiveShedder shedder, long token) {
			this.shedder = shedder;
			this.token = token;
		}

		@Override
		public void accept() {
			if (COMPLETED.compareAndSet(this, 0, 1)) {
				this.shedder.release(this.token, true);
			}
		}

		@Override
		public void reject(String reason) {
			if (COMPLETED.compareAndSet(this, 0, 1)) {
				this.shedder.release(this.token, false);
			}
		}

		/** Leaves the flight without a pass or a response time, as a failed call does. */
		@Override
		public void ignore() {
			reject("ignored");
		}

	}

	/** Builds an {@link AdaptiveShedder}; every setter validates its argument at once. */
	public static final class Builder {

		private String name = "adaptive";

		private double cpuThreshold = 0.9;

		private Duration window = Duration.ofSeconds(5);

		private int buckets = 50;

		private Duration coolOff = Duration.ofSeconds(1);

		private boolean priority;

		private DoubleSupplier cpuUsage;

		private Clock clock = Clock.system();

		private ShedderListener[] listeners = NO_LISTENERS;

		private Builder() {
		}

		/**
		 * Sets the name carried by {@link OverloadException}s, logs and metrics.
		 * @param name the name, not empty
		 * @return this builder
		 */
		public Builder name(String name) {
			this.name = Settings.name(name);
			return this;
		}

		/**
		 * Sets the CPU usage from which the process counts as overloaded, as a fraction of the CPU it may use; it is
		 * rounded to whole millicpu (0.001), go-zero's unit.
		 * @param cpuThreshold the threshold, in [0, 0.999]
		 * @return this builder
		 * @throws IllegalArgumentException if the threshold is negative, NaN or rounds to 1 or more
		 */
		public Builder cpuThreshold(double cpuThreshold) {
			if (!(cpuThreshold >= 0) || Math.round(cpuThreshold * CPU_MAX) >= CPU_MAX) {
				throw InvalidSettingException.of("cpuThreshold", cpuThreshold, "must be in [0, 0.999]");
			}
			this.cpuThreshold = cpuThreshold;
			return this;
		}

		/**
		 * Sets how far back passes and response times count; each bucket covers {@code window / buckets}.
		 * @param window the window, positive
		 * @return this builder
		 */
		public Builder window(Duration window) {
			this.window = Settings.positive("window", window);
			return this;
		}

		/**
		 * Sets the number of buckets the window is divided into.
		 * @param buckets the bucket count, at least 1
		 * @return this builder
		 */
		public Builder buckets(int buckets) {
			this.buckets = Settings.positive("buckets", buckets);
			return this;
		}

		/**
		 * Sets how long after the CPU was last seen over the threshold shedding may go on (only once a call was shed).
		 * @param coolOff the cool-off, at least 0
		 * @return this builder
		 */
		public Builder coolOff(Duration coolOff) {
			Objects.requireNonNull(coolOff, "coolOff must not be null");
			if (coolOff.isNegative()) {
				throw InvalidSettingException.of("coolOff", coolOff, "must be >= 0");
			}
			this.coolOff = coolOff;
			return this;
		}

		/**
		 * Makes this the priority variant: its threshold is {@code (threshold + 1000) / 2} millicpu (go-zero's
		 * priority shedder: 950 for 900), so it sheds later than a normal shedder.
		 * @param priority whether to raise the threshold
		 * @return this builder
		 */
		public Builder priority(boolean priority) {
			this.priority = priority;
			return this;
		}

		/**
		 * Sets the CPU source, asked at every decision: the fraction (0..1) of the CPU the process may use that it
		 * uses. The default is {@link CpuUsage#shared()}.
		 * @param cpuUsage the CPU source
		 * @return this builder
		 */
		public Builder cpuUsage(DoubleSupplier cpuUsage) {
			this.cpuUsage = Objects.requireNonNull(cpuUsage, "cpuUsage must not be null");
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
		 * Adds a listener for shed calls.
		 * @param listener the listener
		 * @return this builder
		 */
		public Builder listener(ShedderListener listener) {
			this.listeners = Listeners.add(this.listeners, listener);
			return this;
		}

		/**
		 * Builds the shedder, with empty windows starting now.
		 * @return the shedder
		 * @throws IllegalArgumentException if the window is shorter than one nanosecond per bucket
		 */
		public AdaptiveShedder build() {
			long bucketNanos = Settings.bucketNanos(this.window, this.buckets);
			long threshold = Math.round(this.cpuThreshold * CPU_MAX);
			if (this.priority) {
				threshold = (threshold + (long) CPU_MAX) >> 1;
			}
			return new AdaptiveShedder(this, threshold, bucketNanos);
		}

	}

}
