package dev.limiter.core.breaker;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Predicate;

import dev.limiter.core.Clock;
import dev.limiter.core.InvalidSettingException;
import dev.limiter.core.Listeners;
import dev.limiter.core.Promise;

/**
 * A classic circuit breaker, CLOSED / OPEN / HALF_OPEN by failure rate and slow-call rate over a time-based rolling
 * window, for users coming from Resilience4j.
 *
 * <h2>Model</h2>
 * <ul>
 * <li><b>CLOSED</b>: every call is permitted and its outcome recorded in a rolling window of {@link Builder#window
 * window} length, made of {@link Builder#buckets buckets} buckets (the current, partial bucket included). Once the
 * window holds at least {@link Builder#minimumCalls minimumCalls} calls, the breaker trips to OPEN when the failure
 * rate reaches {@link Builder#failureRateThreshold failureRateThreshold} or the slow-call rate reaches
 * {@link Builder#slowCallRateThreshold slowCallRateThreshold} (both {@code >=}, as Resilience4j), checked each time a
 * call is recorded (for untimed successes, each time the clock is read: see below). A call is slow when it took
 * longer than {@link Builder#slowCallDuration slowCallDuration} (successful or not).</li>
 * <li><b>OPEN</b>: every call is dropped for {@link Builder#openDuration openDuration}; the first call (or
 * {@link #state()} reading) after that moves the breaker to HALF_OPEN.</li>
 * <li><b>HALF_OPEN</b>: at most {@link Builder#halfOpenCalls halfOpenCalls} probe calls are permitted, the others are
 * dropped. The breaker goes back to OPEN when the probes' failure (or slow) rate reaches the threshold, and to
 * CLOSED, with an empty window, otherwise. It decides as soon as the outcome is certain (for example after 5 failed
 * probes of 10 at a 50 % threshold), which Resilience4j, waiting for all results, does not. A probe not reported
 * within {@link Builder#probeTimeout probeTimeout} counts as failed, so a lost call cannot wedge the breaker in
 * HALF_OPEN (Resilience4j issue #903); its late report is ignored.</li>
 * <li>Operator states: {@link #forceOpen()} (drop everything), {@link #forceClosed()} (permit everything, keep
 * recording, never trip), {@link #disable()} (permit everything, record nothing); {@link #reset()} returns to CLOSED
 * with an empty window.</li>
 * </ul>
 * A call that says nothing about the dependency (refused by another protection) is given back with
 * {@link #ignore(long)} / {@link Promise#ignore()}: it records no outcome and frees its half-open probe slot.
 * A report that arrives after the breaker changed state (a call permitted while CLOSED that ends while OPEN, a probe
 * that ends after its timeout) is ignored: each state change starts a new generation of permits.
 *
 * <h2>Use</h2>
 * {@link #allow()} / {@link #execute(Callable, Predicate, Function)} as every {@link Breaker}, or the
 * allocation-free pair {@link #tryAcquire()} / {@link #onResult(long, boolean)}:
 * <pre>{@code
 * long token = breaker.tryAcquire();
 * if (token < 0) { ... dropped ... }
 * boolean ok = ...call...;
 * breaker.onResult(token, ok);
 * }</pre>
 * {@link BreakerListener}s (builder {@link Builder#listener listener(..)}, {@link #addListener},
 * {@link #removeListener}) hear of every state change and of each dropped call.
 *
 * <h2>Defaults and differences from Resilience4j</h2>
 * Failure rate 0.5, slow-call rate 1.0, slow-call duration 60 s, open duration 60 s and 10 half-open calls are
 * Resilience4j's defaults. The window is time-based (10 s in 10 buckets) where Resilience4j's default is 100 calls,
 * so the minimum is 10 calls rather than 100. A slow-call rate threshold of 1.0 turns slow-call detection off
 * (Resilience4j would still trip if every call in the window were slow): then calls are not timed at all and the
 * permit path reads no clock. Half-open probes time out after 60 s by default (Resilience4j: never).
 *
 * <h2>Edge cases</h2>
 * Time is read from the {@link Clock}; it may go backwards: a negative call duration counts as 0 and the window
 * never moves backwards. Call durations are measured to the microsecond and up to about 6 days. A report for a
 * permit of an earlier state (see the model) is ignored, as is one with a negative token; generations wrap after
 * 8192 state changes, so a report that many changes late could be taken for a current one.
 *
 * <h2>Threads and cost</h2>
 * Thread-safe. In CLOSED, permitting and recording a call is lock-free and allocates nothing: one atomic add; a
 * clock reading for each failed call, for each call twice when slow calls are detected, and otherwise for only one
 * success in up to 64 (the rate of clock readings adapts to the call rate; up to 63 successes may then be counted
 * in the window for up to one window longer than they should be, which, like checking the rates only when the clock
 * is read, can delay, never hasten, a trip). {@link #allow()} returns a shared promise when slow-call detection is
 * off. State transitions, half-open probes and operator controls take a lock. Listeners run on the calling thread
 * (state-change listeners while that lock is held: it is reentrant) and cost nothing while none is registered.
 */
public final class ThresholdBreaker implements Breaker, BreakerControls {

	/*
	 * Implementation notes. The state and its generation share one volatile int, the generation above three bits of
	 * state (stateWord, stateOf, generationOf), written only under the lock. A token packs, from bit 0: the permit
	 * time in microseconds modulo 2^40 (0 when calls are not timed), the generation (13 bits) and, for half-open
	 * probes, slot + 1 (10 bits); bit 63 is clear, so a refusal is any negative value. A report whose generation
	 * differs from the current one is ignored; generations wrap after 8192 transitions, so a report that arrives that
	 * many transitions late could be mistaken for a current one.
	 */

	private static final int CLOSED = 0;

	private static final int OPEN = 1;

	private static final int HALF_OPEN = 2;

	private static final int FORCED_OPEN = 3;

	private static final int FORCED_CLOSED = 4;

	private static final int DISABLED = 5;

	private static final int STATE_BITS = 3;

	private static final int STATE_MASK = (1 << STATE_BITS) - 1;

	private static final BreakerState[] STATES = { BreakerState.CLOSED, BreakerState.OPEN, BreakerState.HALF_OPEN,
			BreakerState.FORCED_OPEN, BreakerState.FORCED_CLOSED, BreakerState.DISABLED };

	/** The value {@link #tryAcquire()} returns when it drops the call. */
	public static final long REJECTED = -1;

	private static final int TIME_BITS = 40;

	private static final long TIME_MASK = (1L << TIME_BITS) - 1;

	private static final int GENERATION_BITS = 13;

	private static final int GENERATION_MASK = (1 << GENERATION_BITS) - 1;

	private static final int SLOT_SHIFT = TIME_BITS + GENERATION_BITS;

	/** The largest permitted number of half-open probe calls (the token has 10 bits for the slot). */
	public static final int MAX_HALF_OPEN_CALLS = 1023;

	private static final long MAX_NANOS = Long.MAX_VALUE / 4;

	private final String name;

	private final double failureRateThreshold;

	private final double slowCallRateThreshold;

	private final boolean timed;

	private final long slowCallMicros;

	private final int minimumCalls;

	private final long openNanos;

	private final int halfOpenCalls;

	private final long probeTimeoutNanos;

	private final Clock clock;

	private final Duration window;

	private final int buckets;

	private final CallWindow calls;

	private final BreakerOpenException openException;

	private final ReentrantLock lock = new ReentrantLock();

	private volatile int stateWord;

	private volatile TokenPromise sharedPromise;

	private volatile BreakerListener[] listeners = BreakerListeners.NONE;

	// written under the lock, read by the permit path after the state word
	private volatile long openUntil;

	// while every half-open probe is out: the state word then, and when the first pending probe times out
	private volatile int probesOutWord = -1;

	private volatile long probesOutUntil;

	// guarded by lock

	private final long[] probeStarted;

	private final boolean[] probePending;

	// a probe slot given back by ignore(): issued again before the breaker decides
	private final boolean[] probeFree;

	private int probesIssued;

	private int probesDone;

	private int probesFailed;

	private int probesSlow;

	private ThresholdBreaker(Builder builder) {
		this.name = builder.name;
		this.failureRateThreshold = builder.failureRateThreshold;
		this.slowCallRateThreshold = builder.slowCallRateThreshold;
		this.timed = builder.slowCallRateThreshold < 1.0;
		this.slowCallMicros = nanos(builder.slowCallDuration) / 1000;
		this.minimumCalls = builder.minimumCalls;
		this.openNanos = nanos(builder.openDuration);
		this.halfOpenCalls = builder.halfOpenCalls;
		this.probeTimeoutNanos = nanos(builder.probeTimeout);
		this.clock = builder.clock;
		this.window = builder.window;
		this.buckets = builder.buckets;
		this.calls = new CallWindow(builder.buckets, Math.max(1, nanos(builder.window) / builder.buckets),
				this.clock.nanoTime());
		this.openException = new BreakerOpenException(this.name);
		this.probeStarted = new long[this.halfOpenCalls];
		this.probePending = new boolean[this.halfOpenCalls];
		this.probeFree = new boolean[this.halfOpenCalls];
		this.listeners = builder.listeners;
		this.sharedPromise = new TokenPromise(this, 0);
	}

	/**
	 * Starts a builder with Resilience4j-like defaults (see the class description).
	 * @param name the breaker's name, for exceptions, logs and metrics
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
	 * Asks to make one call, without allocating.
	 * @return a token to pass to {@link #onResult(long, boolean)} once the call has finished, always {@code >= 0};
	 * or {@link #REJECTED} (negative) when the call is dropped
	 */
	public long tryAcquire() {
		int word = this.stateWord;
		int state = stateOf(word);
		if (state == CLOSED || state == FORCED_CLOSED) {
			return permit(word);
		}
		if (state == DISABLED) {
			return untimedToken(word);
		}
		if (state == OPEN && this.clock.nanoTime() - this.openUntil < 0) {
			return refuse();
		}
		if (state == FORCED_OPEN
				|| (this.probesOutWord == word && this.clock.nanoTime() - this.probesOutUntil < 0)) {
			return refuse();
		}
		return acquireSlowly();
	}

	/**
	 * Reports the outcome of a permitted call. Reports with a negative token, and stale reports (the breaker changed
	 * state since the token was issued), are ignored. Report each token once.
	 * @param token the value {@link #tryAcquire()} returned
	 * @param success whether the call succeeded
	 */
	public void onResult(long token, boolean success) {
		if (token < 0) {
			return;
		}
		int word = this.stateWord;
		if (generationOfToken(token) != generationOf(word)) {
			return;
		}
		int state = stateOf(word);
		int slot = slotOf(token);
		if (slot == 0 && state != CLOSED && state != FORCED_CLOSED) {
			return;
		}
		if (success && !this.timed && slot == 0) {
			// an untimed success: record it, reading the clock (and checking the rates) only now and then
			if (this.calls.recordUntimed()) {
				long bucket = this.calls.sampled(this.clock.nanoTime());
				if (state == CLOSED && shouldTrip(this.calls.counts(bucket), bucket)) {
					trip(word);
				}
			}
			return;
		}
		long now = this.clock.nanoTime();
		boolean slow = this.timed && durationMicros(token, now) > this.slowCallMicros;
		if (slot != 0) {
			onProbeResult(word, slot - 1, success, slow);
		}
		else {
			long bucket = this.calls.advance(now);
			long packed = this.calls.record(bucket, !success, slow);
			if (state == CLOSED && shouldTrip(packed, bucket)) {
				trip(word);
			}
		}
	}

	/**
	 * Gives back a permit whose call says nothing about the dependency (another protection refused it, or it never
	 * ran): no outcome is recorded, and a half-open probe slot is freed for another call. Negative and stale tokens
	 * are ignored. Report each token once, by this method or by {@link #onResult(long, boolean)}.
	 * @param token the value {@link #tryAcquire()} returned
	 */
	public void ignore(long token) {
		int slot = slotOf(token);
		if (token < 0 || slot == 0) {
			return; // a call permitted while CLOSED (or disabled) left nothing to give back
		}
		int word = this.stateWord;
		if (generationOfToken(token) != generationOf(word)) {
			return;
		}
		this.lock.lock();
		try {
			if (this.stateWord != word || slot - 1 >= this.probesIssued || !this.probePending[slot - 1]) {
				return;
			}
			this.probePending[slot - 1] = false;
			this.probeFree[slot - 1] = true;
			updateProbesOut();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Returns how long the breaker will go on dropping every call: while OPEN, the rest of the open duration; while
	 * HALF_OPEN with every probe out, until the first pending probe times out; zero in any other state (including
	 * FORCED_OPEN, which lasts until an operator ends it). Suits a {@code Retry-After}.
	 * @return the time left, never negative
	 */
	public Duration openTimeRemaining() {
		int word = this.stateWord;
		int state = stateOf(word);
		long now = this.clock.nanoTime();
		if (state == OPEN) {
			return Duration.ofNanos(Math.max(0, this.openUntil - now));
		}
		if (state == HALF_OPEN && this.probesOutWord == word) {
			return Duration.ofNanos(Math.max(0, this.probesOutUntil - now));
		}
		return Duration.ZERO;
	}

	@Override
	public Promise allow() {
		long token = tryAcquire();
		if (token < 0) {
			throw this.openException;
		}
		TokenPromise shared = this.sharedPromise;
		return (shared.token == token) ? shared : new TokenPromise(this, token);
	}

	@Override
	public <T> T execute(Callable<T> call, Predicate<Throwable> acceptable, Function<Throwable, T> fallback)
			throws Exception {
		long token = tryAcquire();
		if (token < 0) {
			if (fallback != null) {
				return fallback.apply(this.openException);
			}
			throw this.openException;
		}
		T result;
		try {
			result = call.call();
		}
		catch (Throwable ex) {
			onResult(token, acceptable != null && acceptable.test(ex));
			throw ex;
		}
		onResult(token, true);
		return result;
	}

	/**
	 * Returns the current state. An OPEN breaker whose open duration has passed reports (and moves to) HALF_OPEN, and
	 * half-open probes that timed out are counted as failed first.
	 */
	@Override
	public BreakerState state() {
		int state = stateOf(this.stateWord);
		if (state == OPEN || state == HALF_OPEN) {
			this.lock.lock();
			try {
				refresh(this.clock.nanoTime());
				state = stateOf(this.stateWord);
			}
			finally {
				this.lock.unlock();
			}
		}
		return STATES[state];
	}

	/** Forces the breaker open: every call is dropped until {@link #reset()} or another operator control. */
	@Override
	public void forceOpen() {
		transitionUnderLock(FORCED_OPEN);
	}

	/**
	 * Forces the breaker closed: every call is permitted and recorded in the window, but the breaker never trips,
	 * until {@link #reset()} or another operator control.
	 */
	@Override
	public void forceClosed() {
		transitionUnderLock(FORCED_CLOSED);
	}

	/** Disables the breaker: every call is permitted and nothing is recorded, until {@link #reset()}. */
	@Override
	public void disable() {
		transitionUnderLock(DISABLED);
	}

	/** Returns the breaker to CLOSED with an empty window, from any state. */
	@Override
	public void reset() {
		transitionUnderLock(CLOSED);
	}

	/**
	 * Returns the failure rate over the current window, in [0, 1], or -1 while the window holds fewer than the
	 * minimum number of calls.
	 * @return the failure rate
	 */
	public double failureRate() {
		long packed = this.calls.counts(this.calls.advance(this.clock.nanoTime()));
		long total = CallWindow.calls(packed);
		return (total < this.minimumCalls || total == 0) ? -1 : (double) CallWindow.failures(packed) / total;
	}

	/**
	 * Returns the slow-call rate over the current window, in [0, 1], or -1 while the window holds fewer than the
	 * minimum number of calls (always 0 when slow-call detection is off).
	 * @return the slow-call rate
	 */
	public double slowCallRate() {
		long bucket = this.calls.advance(this.clock.nanoTime());
		long total = CallWindow.calls(this.calls.counts(bucket));
		return (total < this.minimumCalls || total == 0) ? -1
				: Math.min(1.0, (double) this.calls.slowCalls(bucket) / total);
	}

	/**
	 * Returns the number of calls recorded in the current window.
	 * @return the number of calls
	 */
	public long windowCalls() {
		return CallWindow.calls(this.calls.counts(this.calls.advance(this.clock.nanoTime())));
	}

	/**
	 * Adds a listener for state changes and drops.
	 * @param listener the listener
	 */
	public void addListener(BreakerListener listener) {
		Objects.requireNonNull(listener, "listener must not be null");
		this.lock.lock();
		try {
			this.listeners = Listeners.add(this.listeners, listener);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Removes a listener added before; does nothing when it is not registered.
	 * @param listener the listener
	 */
	public void removeListener(BreakerListener listener) {
		this.lock.lock();
		try {
			this.listeners = Listeners.remove(this.listeners, listener);
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public String toString() {
		return "ThresholdBreaker[name=" + this.name + ", state=" + STATES[stateOf(this.stateWord)]
				+ ", failureRateThreshold=" + this.failureRateThreshold + ", slowCallRateThreshold="
				+ this.slowCallRateThreshold + ", slowCallDuration=" + Duration.ofNanos(this.slowCallMicros * 1000)
				+ ", window=" + this.window + " in " + this.buckets + " buckets, minimumCalls=" + this.minimumCalls
				+ ", openDuration=" + Duration.ofNanos(this.openNanos) + ", halfOpenCalls=" + this.halfOpenCalls
				+ ", probeTimeout=" + Duration.ofNanos(this.probeTimeoutNanos) + "]";
	}

	private long permit(int word) {
		long token = untimedToken(word);
		if (this.timed) {
			token |= Math.floorDiv(this.clock.nanoTime(), 1000L) & TIME_MASK;
		}
		return token;
	}

	private long refuse() {
		BreakerListener[] registered = this.listeners;
		if (registered.length != 0) {
			BreakerListeners.dropped(registered, this);
		}
		return REJECTED;
	}

	private long acquireSlowly() {
		long token;
		int slot;
		this.lock.lock();
		try {
			long now = this.clock.nanoTime();
			refresh(now);
			int word = this.stateWord;
			int state = stateOf(word);
			if (state == CLOSED || state == FORCED_CLOSED || state == DISABLED) {
				token = (state == DISABLED) ? untimedToken(word) : permit(word);
			}
			else if (state == HALF_OPEN && (slot = nextProbeSlot()) >= 0) {
				this.probeStarted[slot] = now;
				this.probePending[slot] = true;
				token = permit(word) | ((long) (slot + 1) << SLOT_SHIFT);
				updateProbesOut();
			}
			else {
				token = REJECTED;
			}
		}
		finally {
			this.lock.unlock();
		}
		return (token < 0) ? refuse() : token;
	}

	/** Under the lock: a probe slot not issued yet, else one given back, else -1. */
	private int nextProbeSlot() {
		if (this.probesIssued < this.halfOpenCalls) {
			return this.probesIssued++;
		}
		for (int slot = 0; slot < this.halfOpenCalls; slot++) {
			if (this.probeFree[slot]) {
				this.probeFree[slot] = false;
				return slot;
			}
		}
		return -1;
	}

	/** Under the lock: OPEN -> HALF_OPEN once the open duration has passed; expires half-open probes. */
	private void refresh(long now) {
		int state = stateOf(this.stateWord);
		if (state == OPEN && now - this.openUntil >= 0) {
			transition(HALF_OPEN, now);
		}
		else if (state == HALF_OPEN) {
			for (int slot = 0; slot < this.probesIssued; slot++) {
				if (this.probePending[slot] && now - this.probeStarted[slot] >= this.probeTimeoutNanos) {
					this.probePending[slot] = false;
					this.probesDone++;
					this.probesFailed++;
				}
			}
			decideHalfOpen(now);
			updateProbesOut();
		}
	}

	private void onProbeResult(int word, int slot, boolean success, boolean slow) {
		this.lock.lock();
		try {
			if (this.stateWord != word || slot >= this.probesIssued || !this.probePending[slot]) {
				return; // stale, or already counted as timed out
			}
			long now = this.clock.nanoTime();
			if (now - this.probeStarted[slot] >= this.probeTimeoutNanos) {
				refresh(now);
				return;
			}
			this.probePending[slot] = false;
			this.probesDone++;
			if (!success) {
				this.probesFailed++;
			}
			if (slow) {
				this.probesSlow++;
			}
			decideHalfOpen(now);
			updateProbesOut();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Under the lock: once every probe is out, lets the permit path refuse calls without the lock until the first
	 * pending probe times out.
	 */
	private void updateProbesOut() {
		int word = this.stateWord;
		if (stateOf(word) != HALF_OPEN || this.probesIssued < this.halfOpenCalls) {
			this.probesOutWord = -1;
			return;
		}
		boolean pending = false;
		long firstStarted = 0;
		for (int slot = 0; slot < this.probesIssued; slot++) {
			if (this.probeFree[slot]) {
				this.probesOutWord = -1;
				return;
			}
			if (this.probePending[slot] && (!pending || this.probeStarted[slot] - firstStarted < 0)) {
				pending = true;
				firstStarted = this.probeStarted[slot];
			}
		}
		if (pending) {
			this.probesOutUntil = firstStarted + this.probeTimeoutNanos;
			this.probesOutWord = word;
		}
		else {
			this.probesOutWord = -1;
		}
	}

	/** Under the lock, in HALF_OPEN: opens or closes once the probes' outcome is certain. */
	private void decideHalfOpen(long now) {
		if (stateOf(this.stateWord) != HALF_OPEN) {
			return;
		}
		double total = this.halfOpenCalls;
		int unknown = this.halfOpenCalls - this.probesDone;
		if (this.probesFailed / total >= this.failureRateThreshold
				|| (this.timed && this.probesSlow / total >= this.slowCallRateThreshold)) {
			transition(OPEN, now);
		}
		else if ((this.probesFailed + unknown) / total < this.failureRateThreshold
				&& (!this.timed || (this.probesSlow + unknown) / total < this.slowCallRateThreshold)) {
			transition(CLOSED, now);
		}
	}

	private boolean shouldTrip(long packed, long bucket) {
		long total = CallWindow.calls(packed);
		if (total < this.minimumCalls || total == 0) {
			return false;
		}
		if (CallWindow.failures(packed) >= this.failureRateThreshold * total) {
			return true;
		}
		return this.timed && this.calls.slowCalls(bucket) >= this.slowCallRateThreshold * total;
	}

	private void trip(int expectedWord) {
		this.lock.lock();
		try {
			if (this.stateWord == expectedWord) {
				transition(OPEN, this.clock.nanoTime());
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	private void transitionUnderLock(int to) {
		this.lock.lock();
		try {
			transition(to, this.clock.nanoTime());
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Under the lock: enters a state, starting a new generation. */
	private void transition(int to, long now) {
		int word = this.stateWord;
		int from = stateOf(word);
		int generation = (generationOf(word) + 1) & GENERATION_MASK;
		if (to == OPEN) {
			this.openUntil = now + this.openNanos;
		}
		else if (to == HALF_OPEN) {
			Arrays.fill(this.probePending, false);
			Arrays.fill(this.probeFree, false);
			this.probesIssued = 0;
			this.probesDone = 0;
			this.probesFailed = 0;
			this.probesSlow = 0;
		}
		else if (to == CLOSED) {
			this.calls.clear(now);
		}
		this.sharedPromise = new TokenPromise(this, (long) generation << TIME_BITS);
		this.probesOutWord = -1;
		this.stateWord = stateWord(generation, to);
		BreakerListener[] registered = this.listeners;
		if (registered.length != 0) {
			BreakerListeners.stateChanged(registered, this, STATES[from], STATES[to]);
		}
	}

	private static int stateWord(int generation, int state) {
		return (generation << STATE_BITS) | state;
	}

	private static int stateOf(int word) {
		return word & STATE_MASK;
	}

	private static int generationOf(int word) {
		return word >>> STATE_BITS;
	}

	/** A permit's token without a start time or a probe slot: the generation of the state word. */
	private static long untimedToken(int word) {
		return (long) generationOf(word) << TIME_BITS;
	}

	private static int generationOfToken(long token) {
		return (int) (token >>> TIME_BITS) & GENERATION_MASK;
	}

	/** The half-open probe slot + 1 a token carries, or 0 for a call permitted outside HALF_OPEN. */
	private static int slotOf(long token) {
		return (int) (token >>> SLOT_SHIFT);
	}

	private static long durationMicros(long token, long now) {
		long elapsed = (Math.floorDiv(now, 1000L) - token) & TIME_MASK;
		return (elapsed > (TIME_MASK >>> 1)) ? 0 : elapsed; // time went backwards
	}

	private static long nanos(Duration duration) {
		return (duration.compareTo(Duration.ofNanos(MAX_NANOS)) > 0) ? MAX_NANOS : duration.toNanos();
	}

	/** The promise {@link #allow()} returns: reports its token. */
	private static final class TokenPromise implements Promise {

		private final ThresholdBreaker breaker;

		private final long token;

		TokenPromise(ThresholdBreaker breaker, long token) {
			this.breaker = breaker;
			this.token = token;
		}

		@Override
		public void accept() {
			this.breaker.onResult(this.token, true);
		}

		@Override
		public void reject(String reason) {
			this.breaker.onResult(this.token, false);
		}

		@Override
		public void ignore() {
			this.breaker.ignore(this.token);
		}

	}

	/**
	 * Configures a {@link ThresholdBreaker}. Each setter validates its argument at once and throws
	 * {@link IllegalArgumentException} naming the value and the rule.
	 */
	public static final class Builder {

		private final String name;

		private double failureRateThreshold = 0.5;

		private double slowCallRateThreshold = 1.0;

		private Duration slowCallDuration = Duration.ofSeconds(60);

		private Duration window = Duration.ofSeconds(10);

		private int buckets = 10;

		private int minimumCalls = 10;

		private Duration openDuration = Duration.ofSeconds(60);

		private int halfOpenCalls = 10;

		private Duration probeTimeout = Duration.ofSeconds(60);

		private Clock clock = Clock.system();

		private BreakerListener[] listeners = BreakerListeners.NONE;

		private Builder(String name) {
			Objects.requireNonNull(name, "name must not be null");
			if (name.isBlank()) {
				throw new IllegalArgumentException("name must not be blank");
			}
			this.name = name;
		}

		/**
		 * Sets the failure rate, a fraction in (0, 1], at or above which the breaker trips (default 0.5).
		 * @param threshold the threshold
		 * @return this builder
		 */
		public Builder failureRateThreshold(double threshold) {
			this.failureRateThreshold = rate("failureRateThreshold", threshold);
			return this;
		}

		/**
		 * Sets the slow-call rate, a fraction in (0, 1], at or above which the breaker trips; 1.0 (the default) turns
		 * slow-call detection off.
		 * @param threshold the threshold
		 * @return this builder
		 */
		public Builder slowCallRateThreshold(double threshold) {
			this.slowCallRateThreshold = rate("slowCallRateThreshold", threshold);
			return this;
		}

		/**
		 * Sets how long a call may take before it counts as slow; must be at least 1 µs (default 60 s).
		 * @param duration the duration
		 * @return this builder
		 */
		public Builder slowCallDuration(Duration duration) {
			this.slowCallDuration = atLeast("slowCallDuration", duration, Duration.ofNanos(1000));
			return this;
		}

		/**
		 * Sets the length of the rolling window of CLOSED; must be positive (default 10 s).
		 * @param window the window
		 * @return this builder
		 */
		public Builder window(Duration window) {
			this.window = atLeast("window", window, Duration.ofNanos(1));
			return this;
		}

		/**
		 * Sets the number of buckets the window is divided into, in [1, 1000] (default 10, so 1 s buckets for the
		 * default window): the window slides one bucket at a time.
		 * @param buckets the number of buckets
		 * @return this builder
		 */
		public Builder buckets(int buckets) {
			if (buckets < 1 || buckets > 1000) {
				throw InvalidSettingException.of("buckets", buckets, "must be in [1, 1000]");
			}
			this.buckets = buckets;
			return this;
		}

		/**
		 * Sets the number of calls the window must hold before the rates are evaluated; must be >= 1 (default 10).
		 * @param minimumCalls the minimum number of calls
		 * @return this builder
		 */
		public Builder minimumCalls(int minimumCalls) {
			if (minimumCalls < 1) {
				throw InvalidSettingException.of("minimumCalls", minimumCalls, "must be >= 1");
			}
			this.minimumCalls = minimumCalls;
			return this;
		}

		/**
		 * Sets how long the breaker stays OPEN before letting probes through; must be positive (default 60 s).
		 * @param duration the duration
		 * @return this builder
		 */
		public Builder openDuration(Duration duration) {
			this.openDuration = atLeast("openDuration", duration, Duration.ofNanos(1));
			return this;
		}

		/**
		 * Sets the number of probe calls permitted in HALF_OPEN, in [1, {@value #MAX_HALF_OPEN_CALLS}] (default 10).
		 * @param calls the number of probe calls
		 * @return this builder
		 */
		public Builder halfOpenCalls(int calls) {
			if (calls < 1 || calls > MAX_HALF_OPEN_CALLS) {
				throw new InvalidSettingException("halfOpenCalls", calls,
						"halfOpenCalls must be in [1, " + MAX_HALF_OPEN_CALLS + "] (was " + calls + ")");
			}
			this.halfOpenCalls = calls;
			return this;
		}

		/**
		 * Sets how long a half-open probe may stay unreported before it counts as failed; must be positive (default
		 * 60 s).
		 * @param timeout the timeout
		 * @return this builder
		 */
		public Builder probeTimeout(Duration timeout) {
			this.probeTimeout = atLeast("probeTimeout", timeout, Duration.ofNanos(1));
			return this;
		}

		/**
		 * Sets the clock (default {@link Clock#system()}).
		 * @param clock the clock
		 * @return this builder
		 */
		public Builder clock(Clock clock) {
			this.clock = Objects.requireNonNull(clock, "clock must not be null");
			return this;
		}

		/**
		 * Adds a listener for state changes and drops.
		 * @param listener the listener
		 * @return this builder
		 */
		public Builder listener(BreakerListener listener) {
			this.listeners = Listeners.add(this.listeners, listener);
			return this;
		}

		/**
		 * Builds the breaker, CLOSED with an empty window.
		 * @return the breaker
		 */
		public ThresholdBreaker build() {
			return new ThresholdBreaker(this);
		}

		private static double rate(String property, double value) {
			if (!(value > 0 && value <= 1)) {
				throw InvalidSettingException.of(property, value, "must be in (0, 1]");
			}
			return value;
		}

		private static Duration atLeast(String property, Duration value, Duration minimum) {
			Objects.requireNonNull(value, property + " must not be null");
			if (value.compareTo(minimum) < 0) {
				throw InvalidSettingException.of(property, value, "must be at least " + minimum);
			}
			return value;
		}

	}

}
