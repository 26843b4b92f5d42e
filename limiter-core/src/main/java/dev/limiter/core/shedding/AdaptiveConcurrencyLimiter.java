package dev.limiter.core.shedding;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

import dev.limiter.core.Clock;
import dev.limiter.core.InvalidSettingException;
import dev.limiter.core.Promise;
import dev.limiter.core.Settings;

/**
 * A limit on calls in flight that learns itself from observed latency, so that a service is protected from overload
 * with nothing tuned: calls beyond the limit are refused at once ({@link OverloadException}), never queued.
 *
 * <p>The limit follows the concurrency the protected resource can actually serve (a pool of connections, worker
 * threads, cores): high enough for full throughput, low enough that admitted calls wait little. It follows a
 * resource that slows down or loses capacity, finds one that speeds up again, and does not drift over long or
 * repeated overloads.
 *
 * <p>Complete the promise of {@link #allow()} once the call has finished: {@link Promise#accept()} when the call
 * did its work (its latency is learnt from), {@link Promise#reject(String)} when it failed. A failed call counts
 * as load for as long as it was in flight but never as a completed call, so calls that fail fast do not make
 * latency look low, and calls that time out make it look high.
 *
 * <p>{@link #allow(Priority)} refuses {@link Priority#SHEDDABLE} calls once {@code min(0.9 x limit, limit - 1)}
 * calls (rounded up, at least 1) are in flight, keeping the rest of the limit for critical calls. Such a refusal
 * counts as the limit holding calls back: the limit keeps learning from latency when all traffic is sheddable.
 *
 * <p>Thread-safe and lock-free; {@link #allow()} and the promise allocate nothing. The in-flight count never
 * exceeds the limit read when a call was admitted.
 */
public final class AdaptiveConcurrencyLimiter implements Shedder {

	/*
	 * Implementation notes.
	 *
	 * The limit grows while it is what holds calls back and latency stays within TOLERANCE x the baseline (the
	 * latency of the resource when nothing queues), and shrinks in proportion beyond it, so that it settles where
	 * about a third of the calls in flight wait: full throughput, and a bounded wait.
	 *
	 * Measurement, per window, without per-call state: the time-integral of the in-flight count (from the sums of
	 * admission and completion instants, as offsets from the window's start) over the calls that completed with
	 * accept() gives the mean latency by Little's law, the integral over the window's length the mean in-flight
	 * count. Failed calls add their time in flight but not a completion: Netflix concurrency-limits #176 (dropped
	 * calls feeding near-zero RTTs) cannot happen, and timeouts raise the estimate.
	 *
	 * A window closes after at least MIN_SAMPLES completions and WINDOW_BASELINES x the baseline (at least
	 * MIN_WINDOW), or after MAX_WINDOW with fewer. Then, by the thread that closed it (a CAS gate):
	 * - baseline: the median latency of the last three windows lowers it at once (a faster resource, found again).
	 *   It rises only (a) while the limit held nothing back, at most half of it was used and the throughput was at
	 *   most BASELINE_RATE x the one it was learnt at, towards the latency seen (an exponential average), or (b) at
	 *   the end of a probe. Latency that rises with throughput is queueing inside the resource the limit does not
	 *   see (calls sharing cores run slower together, calls wait for a pool): absorbed, it would let the limit rise
	 *   far above the resource's concurrency; a slower dependency shows at the same throughput. Never by age:
	 *   Envoy's minRTT drift (#11579) and Gradient2's long-term average absorbing queueing (concurrency-limits PR
	 *   #134) both come from a baseline that moves on its own while overloaded.
	 * - limit, only when it bound (a call was refused, or the in-flight count reached it; a sheddable call refused
	 *   at its share of the limit counts too, see below): latency/baseline above
	 *   TOLERANCE cuts it to limit x TOLERANCE / ratio (at most halving), else it grows by sqrt(limit). A window in
	 *   which the limit held nothing back changes nothing, so a quiet period cannot inflate the limit.
	 * - probe: when the baseline is not known to be free of queueing (the first windows were already overloaded),
	 *   or when a run of cuts halved the limit without lowering latency (the resource slowed down), or after the
	 *   limit bound for REPROBE_NANOS without a confirmation (a faster resource hidden by queueing), the limit halves
	 *   window after window while latency falls with the in-flight count; the first latency that no longer falls
	 *   (or the one at the minimum limit) is the resource's own and becomes the baseline. Unlike Envoy's periodic
	 *   minRTT probe (#46602), it runs only on that evidence, not on a timer, so steady traffic is not shed by it.
	 *
	 * Priorities: a sheddable call is refused at Priority.sheddableLimit(limit), below the limit, and that refusal
	 * marks the window as bound like any other: the limit is what held the call back, only scaled. The limit then
	 * settles where latency says, with the sheddable share rather than the whole limit at the tolerance point
	 * whenever sheddable calls are what fills it. Not counting it would freeze the limit whenever (nearly) all
	 * traffic is sheddable: nothing binds, so nothing is cut either (in the simulation, all-sheddable traffic on
	 * two cores kept the initial limit of 20 at 3 x and 10 x overload: 5 % and 3 % goodput; counted: 96 % and 95 %,
	 * as with critical traffic; AdaptiveConcurrencyLimiterPriorityTest). The growth it allows is the ordinary one,
	 * only while latency stays within TOLERANCE; with mixed traffic the critical calls bind the limit anyway and
	 * both choices measured the same.
	 */

	private static final double TOLERANCE = 1.5;

	private static final int MIN_SAMPLES = 50;

	private static final int MIN_UPDATE_SAMPLES = 3;

	private static final long MIN_WINDOW = Duration.ofMillis(50).toNanos();

	private static final long MAX_WINDOW = Duration.ofSeconds(1).toNanos();

	private static final int WINDOW_BASELINES = 4;

	private static final int CUT_HISTORY = 8;

	private static final double STUCK_LIMIT = 2;

	private static final double PROBE_FLIGHT = 0.6;

	private static final double STUCK_LATENCY = 0.9;

	private static final double KNEE = 1.375;

	private static final long REPROBE_NANOS = Duration.ofSeconds(30).toNanos();

	private static final double LEAK = 0.25;

	private static final double BASELINE_RATE = 1.25;

	private static final AtomicIntegerFieldUpdater<AdaptiveConcurrencyLimiter> IN_FLIGHT = AtomicIntegerFieldUpdater
		.newUpdater(AdaptiveConcurrencyLimiter.class, "inFlight");

	private static final AtomicIntegerFieldUpdater<AdaptiveConcurrencyLimiter> CLOSING = AtomicIntegerFieldUpdater
		.newUpdater(AdaptiveConcurrencyLimiter.class, "closing");

	private final String name;

	private final int minLimit;

	private final int maxLimit;

	private final Clock clock;

	private final OverloadException overloadException;

	private final Promise promise = new MeasuringPromise();

	private volatile int inFlight;

	private volatile int limit;

	private volatile int closing;

	private volatile Window window;

	// state of the controller, guarded by the CLOSING gate

	private double limitValue;

	private boolean confirmed;

	private boolean probing;

	private int cuts;

	private double probeFlight;

	private double probeLatency;

	private int probeWaits;

	private final double[] cutLimits = new double[CUT_HISTORY];

	private final double[] cutLatencies = new double[CUT_HISTORY];

	private long confirmedAt;

	private double baseline;

	private double baselineRate;

	private boolean hasBaseline;

	private final double[] recentLatency = new double[3];

	private int recentCount;

	private volatile long baselineNanos;

	private AdaptiveConcurrencyLimiter(Builder builder) {
		this.name = builder.name;
		this.minLimit = builder.minLimit;
		this.maxLimit = builder.maxLimit;
		this.clock = builder.clock;
		this.overloadException = new OverloadException(builder.name);
		this.limitValue = builder.initialLimit;
		this.limit = builder.initialLimit;
		this.window = new Window(this.clock.nanoTime(), 0, MIN_WINDOW);
	}

	/**
	 * Starts building a limiter. Nothing needs to be set: the defaults protect.
	 * @return a builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Asks to start one call.
	 * @return the limiter's shared promise: complete it once when the call has finished
	 * @throws OverloadException if the limit is in flight
	 */
	@Override
	public Promise allow() {
		return admit(false);
	}

	/**
	 * Asks to start one call of the given priority: a critical call as {@link #allow()}, a sheddable one only while
	 * fewer than {@code min(0.9 x limit, limit - 1)} calls (rounded up, at least 1) are in flight.
	 * @param priority the call's priority
	 * @return the limiter's shared promise: complete it once when the call has finished
	 * @throws OverloadException if the call's share of the limit is in flight
	 * @throws NullPointerException if the priority is {@code null}
	 */
	@Override
	public Promise allow(Priority priority) {
		Objects.requireNonNull(priority, "priority must not be null");
		return admit(priority == Priority.SHEDDABLE);
	}

	private Promise admit(boolean sheddable) {
		while (true) {
			int current = this.inFlight;
			int max = this.limit;
			if (current >= ((sheddable) ? Priority.sheddableLimit(max) : max)) {
				Window window = this.window;
				if (!window.bound) {
					window.bound = true;
				}
				throw this.overloadException;
			}
			if (IN_FLIGHT.compareAndSet(this, current, current + 1)) {
				long now = this.clock.nanoTime();
				Window window = this.window;
				Window.ADMITS.incrementAndGet(window);
				Window.ADMIT_OFFSETS.addAndGet(window, window.offset(now));
				if (current + 1 >= max && !window.bound) {
					window.bound = true;
				}
				return this.promise;
			}
		}
	}

	/**
	 * Returns the current limit.
	 * @return the most calls admitted in flight now
	 */
	public int limit() {
		return this.limit;
	}

	/**
	 * Returns the number of calls in flight.
	 * @return calls admitted whose promise is not completed yet
	 */
	public int inFlight() {
		return this.inFlight;
	}

	/**
	 * Returns the latency learnt for calls that do not queue, the baseline the limit is set against.
	 * @return the baseline, or {@link Duration#ZERO} before the first measurement
	 */
	public Duration baseline() {
		return Duration.ofNanos(this.baselineNanos);
	}

	/**
	 * Returns the smallest limit.
	 * @return the minimum limit
	 */
	public int minLimit() {
		return this.minLimit;
	}

	/**
	 * Returns the largest limit.
	 * @return the maximum limit
	 */
	public int maxLimit() {
		return this.maxLimit;
	}

	/**
	 * Returns this limiter's name.
	 * @return the name
	 */
	public String name() {
		return this.name;
	}

	private void complete(boolean success) {
		long now = this.clock.nanoTime();
		while (true) {
			int current = this.inFlight;
			if (current <= 0) {
				return; // an extra completion, ignored
			}
			if (IN_FLIGHT.compareAndSet(this, current, current - 1)) {
				break;
			}
		}
		Window window = this.window;
		Window.COMPLETIONS.incrementAndGet(window);
		Window.COMPLETION_OFFSETS.addAndGet(window, window.offset(now));
		long successes = success ? Window.SUCCESSES.incrementAndGet(window) : window.successes;
		long elapsed = now - window.start;
		if ((elapsed >= window.minNanos && successes >= MIN_SAMPLES) || elapsed >= MAX_WINDOW) {
			close(window, now);
		}
	}

	private void close(Window window, long now) {
		if (!CLOSING.compareAndSet(this, 0, 1)) {
			return;
		}
		try {
			if (this.window != window) {
				return;
			}
			long length = Math.max(1, now - window.start);
			int flight = this.inFlight;
			long minNanos = Math.max(MIN_WINDOW, (long) (WINDOW_BASELINES * this.baseline));
			this.window = new Window(now, flight, minNanos);
			update(window, length, now);
		}
		finally {
			this.closing = 0;
		}
	}

	private void update(Window window, long length, long now) {
		long successes = window.successes;
		if (successes < MIN_UPDATE_SAMPLES) {
			return;
		}
		// integral of the in-flight count over the window, in call-nanoseconds
		double integral = (double) window.flightAtStart * length + (double) window.admits * length
				- window.admitOffsets - (double) window.completions * length + window.completionOffsets;
		if (integral <= 0) {
			return;
		}
		double latency = integral / successes;
		double flight = integral / length;
		boolean bound = window.bound;
		remember(latency);
		double filtered = median();
		double rate = successes / (double) length;
		if (!this.hasBaseline) {
			this.baseline = filtered;
			this.baselineRate = rate;
			this.hasBaseline = true;
		}
		else if (filtered < this.baseline) {
			this.baseline = filtered;
			this.baselineRate = rate;
		}
		if (!bound) {
			if (flight <= this.limitValue / 2) {
				// app-limited: nothing queues because of the limit. At about the throughput the baseline was learnt
				// at, the latency seen is the resource's own (a slower dependency: same rate, longer calls); at a
				// clearly higher throughput it may hold queueing inside the resource (calls sharing cores, or waiting
				// for a pool), left to the cuts and probes.
				if (rate <= BASELINE_RATE * this.baselineRate) {
					this.baseline += LEAK * (filtered - this.baseline);
				}
				confirm(now);
			}
		}
		else if (this.confirmed && !this.probing && now - this.confirmedAt >= REPROBE_NANOS) {
			// bound for long: latency has held queueing all along, so check the baseline once
			startProbe(flight, latency);
		}
		else if (this.probing || !this.confirmed) {
			probe(flight, latency, rate);
		}
		else {
			double ratio = latency / this.baseline;
			if (ratio > TOLERANCE) {
				if (latencyIgnoresLimit(latency)) {
					startProbe(flight, latency);
				}
				else {
					rememberCut(latency);
					this.limitValue *= Math.max(0.5, TOLERANCE / ratio);
				}
			}
			else {
				this.cuts = 0;
				this.limitValue += Math.max(1, Math.sqrt(this.limitValue));
			}
		}
		this.limitValue = Math.min(this.maxLimit, Math.max(this.minLimit, this.limitValue));
		this.limit = (int) Math.round(this.limitValue);
		this.baselineNanos = (long) this.baseline;
	}

	/**
	 * One window of a probe: the limit halves while latency falls with the in-flight count (queueing); once it no
	 * longer does (or the limit is at its minimum), the latency is the resource's and becomes the baseline.
	 */
	private void probe(double flight, double latency, double rate) {
		if (!this.probing) {
			startProbe(flight, latency);
			return;
		}
		if (flight > PROBE_FLIGHT * this.probeFlight && this.limitValue > this.minLimit && this.probeWaits++ < 2) {
			return; // the in-flight count has not fallen enough yet to tell
		}
		this.probeWaits = 0;
		// above the knee latency falls in proportion to the in-flight count (pure queueing); once it falls clearly
		// less, the lower in-flight count is at or below the knee and its latency is the resource's
		double queueingRatio = flight / this.probeFlight;
		boolean flat = latency > this.probeLatency * queueingRatio * KNEE;
		if (flat || this.limitValue <= this.minLimit) {
			this.baseline = latency;
			this.baselineRate = rate;
			this.recentCount = 0;
			remember(latency);
			confirm(this.clock.nanoTime());
			return;
		}
		this.baseline = Math.min(this.baseline, latency);
		this.probeFlight = flight;
		this.probeLatency = latency;
		this.limitValue /= 2;
	}

	/**
	 * Whether, in this run of cuts, the limit was at least twice as high with latency no lower: latency that does
	 * not follow the limit is not queueing (the resource itself got slower).
	 */
	private boolean latencyIgnoresLimit(double latency) {
		for (int i = 0; i < this.cuts; i++) {
			if (this.cutLimits[i] >= STUCK_LIMIT * this.limitValue && latency >= STUCK_LATENCY * this.cutLatencies[i]) {
				return true;
			}
		}
		return false;
	}

	private void rememberCut(double latency) {
		if (this.cuts == CUT_HISTORY) {
			System.arraycopy(this.cutLimits, 1, this.cutLimits, 0, CUT_HISTORY - 1);
			System.arraycopy(this.cutLatencies, 1, this.cutLatencies, 0, CUT_HISTORY - 1);
			this.cuts--;
		}
		this.cutLimits[this.cuts] = this.limitValue;
		this.cutLatencies[this.cuts] = latency;
		this.cuts++;
	}

	private void confirm(long now) {
		this.confirmed = true;
		this.confirmedAt = now;
		this.probing = false;
		this.cuts = 0;
	}

	private void startProbe(double flight, double latency) {
		this.probing = true;
		this.probeWaits = 0;
		this.probeFlight = flight;
		this.probeLatency = latency;
		this.limitValue = Math.min(this.limitValue, flight) / 2;
	}

	private void remember(double latency) {
		this.recentLatency[this.recentCount % 3] = latency;
		this.recentCount++;
	}

	private double median() {
		if (this.recentCount < 3) {
			double max = 0;
			for (int i = 0; i < this.recentCount; i++) {
				max = Math.max(max, this.recentLatency[i]);
			}
			return max;
		}
		double a = this.recentLatency[0];
		double b = this.recentLatency[1];
		double c = this.recentLatency[2];
		return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
	}

	@Override
	public String toString() {
		return "AdaptiveConcurrencyLimiter[name=" + this.name + ", limit=" + this.limit + ", inFlight="
				+ this.inFlight + "]";
	}

	/** The shared promise: completes one call. */
	private final class MeasuringPromise implements Promise {

		@Override
		public void accept() {
			complete(true);
		}

		@Override
		public void reject(String reason) {
			complete(false);
		}

	}

	/** One measurement window: sums added to by every call, read once by the thread that closes it. */
	private static final class Window {

		static final AtomicLongFieldUpdater<Window> ADMITS = AtomicLongFieldUpdater.newUpdater(Window.class,
				"admits");

		static final AtomicLongFieldUpdater<Window> ADMIT_OFFSETS = AtomicLongFieldUpdater.newUpdater(Window.class,
				"admitOffsets");

		static final AtomicLongFieldUpdater<Window> COMPLETIONS = AtomicLongFieldUpdater.newUpdater(Window.class,
				"completions");

		static final AtomicLongFieldUpdater<Window> COMPLETION_OFFSETS = AtomicLongFieldUpdater
			.newUpdater(Window.class, "completionOffsets");

		static final AtomicLongFieldUpdater<Window> SUCCESSES = AtomicLongFieldUpdater.newUpdater(Window.class,
				"successes");

		final long start;

		final int flightAtStart;

		final long minNanos;

		volatile long admits;

		volatile long admitOffsets;

		volatile long completions;

		volatile long completionOffsets;

		volatile long successes;

		volatile boolean bound;

		Window(long start, int flightAtStart, long minNanos) {
			this.start = start;
			this.flightAtStart = flightAtStart;
			this.minNanos = minNanos;
		}

		long offset(long now) {
			return Math.max(0, now - this.start);
		}

	}

	/** Builds an {@link AdaptiveConcurrencyLimiter}; every setting is optional. */
	public static final class Builder {

		private String name = "adaptive-concurrency";

		private int initialLimit = 20;

		private int minLimit = 1;

		private int maxLimit = 1000;

		private Clock clock = Clock.system();

		private Builder() {
		}

		/**
		 * Sets the name carried by {@link OverloadException}s.
		 * @param name the name, not empty
		 * @return this builder
		 */
		public Builder name(String name) {
			this.name = Settings.name(name);
			return this;
		}

		/**
		 * Sets the limit used until latency has been measured (default 20).
		 * @param initialLimit the initial limit, between the minimum and the maximum
		 * @return this builder
		 */
		public Builder initialLimit(int initialLimit) {
			this.initialLimit = initialLimit;
			return this;
		}

		/**
		 * Sets the smallest limit (default 1).
		 * @param minLimit the minimum, at least 1
		 * @return this builder
		 */
		public Builder minLimit(int minLimit) {
			this.minLimit = minLimit;
			return this;
		}

		/**
		 * Sets the largest limit (default 1000).
		 * @param maxLimit the maximum, at least the minimum
		 * @return this builder
		 */
		public Builder maxLimit(int maxLimit) {
			this.maxLimit = maxLimit;
			return this;
		}

		/**
		 * Sets the clock latency is measured with.
		 * @param clock the clock
		 * @return this builder
		 */
		public Builder clock(Clock clock) {
			this.clock = Objects.requireNonNull(clock, "clock must not be null");
			return this;
		}

		/**
		 * Builds the limiter.
		 * @return the limiter
		 * @throws IllegalArgumentException if the minimum is below 1, the maximum below the minimum, or the initial
		 * limit outside them
		 */
		public AdaptiveConcurrencyLimiter build() {
			if (this.minLimit < 1) {
				throw InvalidSettingException.of("minLimit", this.minLimit, "must be at least 1");
			}
			if (this.maxLimit < this.minLimit) {
				throw new InvalidSettingException("maxLimit", this.maxLimit,
						"maxLimit must be at least minLimit (" + this.minLimit + "; was " + this.maxLimit + ")");
			}
			if (this.initialLimit < this.minLimit || this.initialLimit > this.maxLimit) {
				throw new InvalidSettingException("initialLimit", this.initialLimit,
						"initialLimit must be between minLimit and maxLimit (" + this.minLimit + ".." + this.maxLimit
								+ "; was " + this.initialLimit + ")");
			}
			return new AdaptiveConcurrencyLimiter(this);
		}

	}

}
