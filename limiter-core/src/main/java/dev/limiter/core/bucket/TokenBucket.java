package dev.limiter.core.bucket;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

import dev.limiter.core.Clock;

import static dev.limiter.core.bucket.BucketMath.saturatedAdd;
import static dev.limiter.core.bucket.BucketMath.saturatedNanos;
import static dev.limiter.core.bucket.BucketMath.saturatedSubtract;

/**
 * A token bucket with the semantics of Go's {@code golang.org/x/time/rate.Limiter}: it controls how often events
 * may happen.
 *
 * <p><b>Model.</b> The bucket holds up to {@link #burst()} tokens, starts full and is refilled continuously at
 * {@link #rate()} tokens per second; one permit is one token. Informally, over any long enough interval the bucket
 * limits events to {@code rate} per second, with bursts of at most {@code burst} events. Tokens are a
 * {@code double}: refills are fractional, and the count goes negative while permits are reserved ahead of time.
 * There are three ways to take permits, which differ only in what happens when not enough tokens are available:
 * <ul>
 * <li>{@link #tryAcquire()} and {@link #tryAcquire(int)} (x/time's {@code Allow}/{@code AllowN}) return
 * {@code false} and take nothing;</li>
 * <li>{@link #reserve(int)} ({@code ReserveN}) takes the permits from the future and returns a {@link Reservation}
 * that says how long to wait before acting; it never blocks;</li>
 * <li>{@link #acquire(int)} ({@code WaitN}) waits until the permits are available, and
 * {@link #tryAcquire(int, Duration)} ({@code WaitN} with a deadline) waits only if that takes at most
 * {@code maxWait}, otherwise returns {@code false} at once and takes nothing.</li>
 * </ul>
 * A request of {@code n} permits is granted when the tokens left after taking them would not be negative (or, for
 * a reservation or a wait, when they would be back to zero in time) and {@code n <= burst}; a refused request leaves
 * the bucket exactly as it was. Waits use the bucket's {@link Clock#sleep(long)}.
 *
 * <p><b>Edge cases.</b>
 * <ul>
 * <li>Rate {@link Double#POSITIVE_INFINITY} (or {@link Double#MAX_VALUE}, x/time's {@code Inf}): every request is
 * granted at once, whatever its size; the burst is ignored and the state is not touched.</li>
 * <li>Rate 0: the bucket never refills; exactly the initial {@code burst} permits are ever granted.
 * {@code reserve} still succeeds afterwards, with a delay of {@code Duration.ofNanos(Long.MAX_VALUE)} ("never"),
 * and {@code acquire} then waits until interrupted. {@link #setRate(double)} revives the bucket.</li>
 * <li>Burst 0 at a finite rate: every request for one permit or more is refused; {@code tryAcquire(0)} is granted
 * (as always while the tokens are not negative).</li>
 * <li>Time going backwards (a clock reading older than the last update): no refill and no negative refill; the
 * request is decided on the tokens held, and the older instant becomes the bucket's last-update time, as x/time
 * does. Time arithmetic saturates at {@code Long.MIN_VALUE}/{@code Long.MAX_VALUE}, never overflows.</li>
 * <li>Negative rates, bursts or permit counts, and a NaN rate, are rejected with
 * {@link IllegalArgumentException}.</li>
 * </ul>
 *
 * <p><b>Thread safety.</b> All methods are thread-safe and linearizable. {@link #tryAcquire()} is lock-free and
 * allocates nothing, granted or refused; a refusal writes no shared memory. A caller that loses a race to another
 * retries after a short back-off, so under heavy contention on one bucket individual calls can take a few
 * microseconds. Waiting methods hold nothing while they sleep.
 *
 * @see Reservation
 */
public final class TokenBucket {

	/*
	 * Implementation notes.
	 *
	 * State is x/time's: limit (events/s, Inf = Double.MAX_VALUE exactly as Go's Inf, so that 0 * Inf = 0 as in Go),
	 * burst, tokens (double), last (instant of the last token update) and lastEvent (latest granted time to act),
	 * all primitive fields. The unit conversions copy Go's formulas operation by operation (Duration.Seconds() as
	 * float64(d / 1e9) + float64(d % 1e9) / 1e9, truncating (long) casts, the InfDuration cap), so the ported
	 * x/time tables hold with exact ==. last and lastEvent start at Long.MIN_VALUE, a far past like Go's zero Time;
	 * no instant is a "never used" sentinel: while nothing was taken the bucket is full, and advance() caps any
	 * refill at burst, so the initial value cannot change a result.
	 *
	 * Concurrency is a sequence lock in the style of StampedLock's optimistic reads, used as optimistic concurrency
	 * control. `sequence` is even when no writer is inside and odd while one is. A decision reads the sequence
	 * (acquire), reads the clock, reads the fields and computes the outcome; then
	 * - refused: it re-reads the sequence after an acquire fence (LoadLoad); unchanged means the fields read formed
	 *   one consistent state, so the refusal is linearized there. Nothing is written, so refusals from many threads
	 *   share the cache line instead of bouncing it.
	 * - granted: one CAS takes the sequence from the even value read to odd. Success means no writer committed since
	 *   the read, so the computed state is valid; the fields are written with plain stores and published by a
	 *   release store of sequence + 2. The CAS is volatile, so the field stores cannot move before it; the release
	 *   store keeps them before the even value, so a reader that validates against that value sees all of them.
	 * A failed CAS or a changed sequence means another writer committed: the decision is recomputed (lock-free:
	 * someone made progress). While the sequence is odd (a writer between its CAS and its release: a few stores) a
	 * thread backs off exponentially, 1, 2, 4 ... 128 Thread.onSpinWait hints, then Thread.yield, then parkNanos in
	 * case the writer was descheduled. A lost CAS enters the same back-off at 64 hints: that leaves the cache line
	 * with the winner for a few of its calls instead of bouncing it between cores on every call (BENCHMARKS.md has
	 * the measurement that chose it). Rarely-used mutators
	 * (cancel, setRate, setBurst) take the sequence to odd first, as a lock, and compute inside.
	 *
	 * The clock is read once per call, after the first sequence read. If that attempt commits, no update happened
	 * between the reading and the commit, so with a monotonic clock the reading is never older than `last` and no
	 * stale reading can move `last` backwards (which in x/time re-credits the interval and over-admits; Go's
	 * Allow reads time.Now() before taking its mutex). On a retry the same reading is reused, raised to `last` if
	 * a concurrent commit was later: the call then acts at that commit's instant, which has certainly passed.
	 * Explicit-instant variants (the package-private ...(…, long nowNanos) methods, x/time's AllowN(t, n) etc.)
	 * use the instant given, with x/time's rules for instants in the past.
	 *
	 * Hot-path shortcuts. The exact refill (a 64-bit division, two conversions, a floating-point division) and the
	 * refusal test (another division) cost about as much as the clock reading. Every commit therefore also stores
	 * two elapsed-time thresholds derived from the new state: fullAfter, from which advance() is exactly burst (an
	 * error bound, see fullAfter(..)), and emptyThrough, up to which one permit is exactly refused (refusal is
	 * monotone in time, so an estimate checked once with the exact formula bounds a prefix; see emptyThrough(..)).
	 * A call whose elapsed time falls in either range skips the arithmetic and gets the result the full formula
	 * would give; others compute it. The infinite rate is tested before the clock is read and grants without
	 * touching the state. So a granted tryAcquire() on a refilled bucket costs a clock reading, a subtraction, one
	 * CAS and the stores (the thresholds' division overlaps the CAS); a refusal on an empty bucket costs a clock
	 * reading, a few loads and compares, and no store.
	 */

	/** x/time's {@code Inf}; {@code Double.POSITIVE_INFINITY} is stored as this value. */
	private static final double INF = Double.MAX_VALUE;

	/** x/time's {@code InfDuration}. */
	static final long INF_DURATION = Long.MAX_VALUE;

	private static final long NANOS_PER_SECOND = 1_000_000_000L;

	private static final double MAX_DURATION = (double) Long.MAX_VALUE;

	private static final Duration INFINITE_DELAY = Duration.ofNanos(INF_DURATION);

	private static final double FULL_MARGIN = 1 + 0x1p-40;

	private static final double EMPTY_MARGIN = 1 - 0x1p-40;

	/** For {@code reconfigure}: a limit is never negative. */
	private static final double UNCHANGED_LIMIT = -1;

	/** For {@code reconfigure}: a burst is never negative. */
	private static final int UNCHANGED_BURST = -1;

	/** For allow and reserve: the clock was not read yet. */
	private static final long UNREAD = Long.MIN_VALUE;

	private static final int SPIN_ROUNDS = 8;

	/** A lost CAS backs off from round 6: 64 spin-wait hints (the best of 1 to 256 at 2 threads). */
	private static final int LOST_RACE_ROUND = 6;

	private static final int YIELDS = 16;

	private static final long PARK_NANOS = 10_000L;

	private static final VarHandle SEQUENCE;

	static {
		try {
			SEQUENCE = MethodHandles.lookup().findVarHandle(TokenBucket.class, "sequence", long.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final Clock clock;

	/** Even: no writer inside; odd: a writer is updating the fields below. Accessed through SEQUENCE only. */
	@SuppressWarnings("unused")
	private long sequence;

	private double limit;

	private int burst;

	private double tokens;

	private long last = Long.MIN_VALUE;

	private long lastEvent = Long.MIN_VALUE;

	/** Shortcut: from this many nanoseconds after {@code last} on, the bucket is full. */
	private long fullAfter;

	/** Shortcut: through this many nanoseconds after {@code last}, one permit is refused; -1: maybe granted now. */
	private long emptyThrough = -1;

	private TokenBucket(double permitsPerSecond, int burst, Clock clock) {
		this.clock = Objects.requireNonNull(clock, "clock must not be null");
		this.limit = toLimit(permitsPerSecond);
		this.burst = requireBurst(burst);
		this.tokens = burst;
		this.fullAfter = 0;
		this.emptyThrough = emptyThrough(burst, this.limit, burst);
	}

	/**
	 * Returns a full bucket of {@code burst} permits refilled at {@code permitsPerSecond}, on the system clock
	 * (x/time's {@code NewLimiter}).
	 * @param permitsPerSecond the refill rate; {@link Double#POSITIVE_INFINITY} allows everything, 0 allows only the
	 * initial burst
	 * @param burst the capacity, and the largest number of permits one request may take; 0 is legal
	 * @return the bucket
	 * @throws IllegalArgumentException if the rate is negative or NaN, or the burst is negative
	 */
	public static TokenBucket of(double permitsPerSecond, int burst) {
		return new TokenBucket(permitsPerSecond, burst, Clock.system());
	}

	/**
	 * Returns a full bucket of {@code burst} permits refilled at {@code permitsPerSecond}, on the given clock.
	 * @param permitsPerSecond the refill rate; {@link Double#POSITIVE_INFINITY} allows everything, 0 allows only the
	 * initial burst
	 * @param burst the capacity, and the largest number of permits one request may take; 0 is legal
	 * @param clock the time source for refills and waits
	 * @return the bucket
	 * @throws IllegalArgumentException if the rate is negative or NaN, or the burst is negative
	 */
	public static TokenBucket of(double permitsPerSecond, int burst, Clock clock) {
		return new TokenBucket(permitsPerSecond, burst, clock);
	}

	/**
	 * Returns a full bucket that refills one permit every {@code interval} (x/time's {@code Every}), on the system
	 * clock.
	 * @param interval the minimum time between events; zero or negative means an infinite rate
	 * @param burst the capacity; 0 is legal
	 * @return the bucket
	 * @throws IllegalArgumentException if the burst is negative
	 */
	public static TokenBucket every(Duration interval, int burst) {
		return every(interval, burst, Clock.system());
	}

	/**
	 * Returns a full bucket that refills one permit every {@code interval} (x/time's {@code Every}).
	 * @param interval the minimum time between events; zero or negative means an infinite rate
	 * @param burst the capacity; 0 is legal
	 * @param clock the time source for refills and waits
	 * @return the bucket
	 * @throws IllegalArgumentException if the burst is negative
	 */
	public static TokenBucket every(Duration interval, int burst, Clock clock) {
		Objects.requireNonNull(interval, "interval must not be null");
		long nanos = saturatedNanos(interval);
		double rate = (nanos <= 0) ? Double.POSITIVE_INFINITY : 1 / seconds(nanos);
		return new TokenBucket(rate, burst, clock);
	}

	/**
	 * Takes one permit if it is available now (x/time's {@code Allow}). Lock-free, allocation-free.
	 * @return whether the permit was taken
	 */
	public boolean tryAcquire() {
		return allow(1, 0L, true);
	}

	/**
	 * Takes {@code permits} permits if they are all available now (x/time's {@code AllowN}); otherwise takes
	 * nothing. Requests for more permits than the burst are refused, unless the rate is infinite.
	 * @param permits how many permits; 0 is granted while the tokens are not negative
	 * @return whether the permits were taken
	 * @throws IllegalArgumentException if {@code permits} is negative
	 */
	public boolean tryAcquire(int permits) {
		return allow(requirePermits(permits), 0L, true);
	}

	/** {@link #tryAcquire(int)} at the given instant (x/time's {@code AllowN(t, n)}). */
	boolean tryAcquire(int permits, long nowNanos) {
		return allow(requirePermits(permits), nowNanos, false);
	}

	/**
	 * Takes {@code permits} permits now or from the future, without blocking (x/time's {@code ReserveN}). The
	 * reservation is ok unless more permits are requested than the burst (at a finite rate); its
	 * {@link Reservation#delay() delay} says when to act.
	 * @param permits how many permits
	 * @return the reservation
	 * @throws IllegalArgumentException if {@code permits} is negative
	 */
	public Reservation reserve(int permits) {
		return reserve(requirePermits(permits), 0L, INF_DURATION, true);
	}

	/** {@link #reserve(int)} at the given instant (x/time's {@code ReserveN(t, n)}). */
	Ticket reserve(int permits, long nowNanos) {
		return reserve(requirePermits(permits), nowNanos, INF_DURATION, false);
	}

	/** A reservation at the given instant granted only if its delay is at most the given one (x/time's reserveN). */
	Ticket reserveWithin(int permits, long maxFutureReserveNanos, long nowNanos) {
		return reserve(requirePermits(permits), nowNanos, maxFutureReserveNanos, false);
	}

	/**
	 * Takes {@code permits} permits, waiting for them only if that takes at most {@code maxWait} (x/time's
	 * {@code WaitN} with a context deadline {@code maxWait} from now). When the wait would be longer, or more
	 * permits are requested than the burst at a finite rate, returns {@code false} at once and takes nothing.
	 * @param permits how many permits
	 * @param maxWait the longest acceptable wait; zero behaves as {@link #tryAcquire(int)}, negative refuses
	 * @return {@code true} once the permits are taken and their time has come
	 * @throws InterruptedException if the thread is interrupted before or while waiting; the reservation is then
	 * cancelled
	 * @throws IllegalArgumentException if {@code permits} is negative
	 */
	public boolean tryAcquire(int permits, Duration maxWait) throws InterruptedException {
		requirePermits(permits);
		long maxWaitNanos = saturatedNanos(Objects.requireNonNull(maxWait, "maxWait must not be null"));
		if (Thread.interrupted()) {
			throw new InterruptedException();
		}
		Ticket reservation = reserve(permits, 0L, maxWaitNanos, true);
		if (!reservation.ok) {
			return false;
		}
		await(reservation);
		return true;
	}

	/**
	 * Takes {@code permits} permits, waiting as long as needed (x/time's {@code WaitN} without a deadline).
	 * @param permits how many permits
	 * @throws InterruptedException if the thread is interrupted before or while waiting; the reservation is then
	 * cancelled
	 * @throws IllegalArgumentException if {@code permits} is negative, or exceeds the burst at a finite rate
	 */
	public void acquire(int permits) throws InterruptedException {
		requirePermits(permits);
		long seq = readBegin();
		double limitNow = this.limit;
		int burstNow = this.burst;
		while (!readValid(seq)) {
			seq = readBegin();
			limitNow = this.limit;
			burstNow = this.burst;
		}
		if (permits > burstNow && limitNow != INF) {
			throw new IllegalArgumentException("permits must be <= burst " + burstNow + " (was " + permits + ")");
		}
		if (Thread.interrupted()) {
			throw new InterruptedException();
		}
		Ticket reservation = reserve(permits, 0L, INF_DURATION, true);
		if (!reservation.ok) {
			// the burst was lowered after the check above
			throw new IllegalArgumentException("permits must be <= burst " + burst() + " (was " + permits + ")");
		}
		await(reservation);
	}

	/**
	 * Returns the tokens available now (x/time's {@code Tokens}): may be fractional, and negative while permits are
	 * reserved ahead. Does not change the bucket.
	 * @return the available tokens
	 */
	public double availablePermits() {
		return tokensAt(this.clock.nanoTime());
	}

	/** {@link #availablePermits()} at the given instant (x/time's {@code TokensAt}). */
	double availablePermits(long nowNanos) {
		return tokensAt(nowNanos);
	}

	/**
	 * Returns the refill rate.
	 * @return permits per second; {@link Double#POSITIVE_INFINITY} for an infinite rate
	 */
	public double rate() {
		for (;;) {
			long seq = readBegin();
			double current = this.limit;
			if (readValid(seq)) {
				return (current == INF) ? Double.POSITIVE_INFINITY : current;
			}
		}
	}

	/**
	 * Returns the capacity, also the largest number of permits one request may take at a finite rate.
	 * @return the burst
	 */
	public int burst() {
		for (;;) {
			long seq = readBegin();
			int current = this.burst;
			if (readValid(seq)) {
				return current;
			}
		}
	}

	/**
	 * Changes the refill rate (x/time's {@code SetLimit}): tokens accrued so far at the old rate are kept. Existing
	 * reservations are not re-timed, so they may exceed or under-use the new rate.
	 * @param permitsPerSecond the new rate; {@link Double#POSITIVE_INFINITY} allows everything
	 * @throws IllegalArgumentException if the rate is negative or NaN
	 */
	public void setRate(double permitsPerSecond) {
		reconfigure(toLimit(permitsPerSecond), UNCHANGED_BURST, 0L, true);
	}

	/** {@link #setRate(double)} at the given instant (x/time's {@code SetLimitAt}). */
	void setRate(double permitsPerSecond, long nowNanos) {
		reconfigure(toLimit(permitsPerSecond), UNCHANGED_BURST, nowNanos, false);
	}

	/**
	 * Changes the capacity (x/time's {@code SetBurst}): tokens accrued so far are kept; a lower burst caps them at
	 * the next update, a higher one lets them refill at the rate.
	 * @param burst the new burst; 0 is legal
	 * @throws IllegalArgumentException if the burst is negative
	 */
	public void setBurst(int burst) {
		reconfigure(UNCHANGED_LIMIT, requireBurst(burst), 0L, true);
	}

	/** {@link #setBurst(int)} at the given instant (x/time's {@code SetBurstAt}). */
	void setBurst(int burst, long nowNanos) {
		reconfigure(UNCHANGED_LIMIT, requireBurst(burst), nowNanos, false);
	}

	@Override
	public String toString() {
		return "TokenBucket[rate=" + rate() + "/s, burst=" + burst() + "]";
	}

	// x/time reserveN(t, n, 0).ok, allocation-free
	private boolean allow(int permits, long nowNanos, boolean readClock) {
		long t = readClock ? UNREAD : nowNanos;
		int spins = 0;
		for (;;) {
			long seq = readBegin(spins);
			double limitNow = this.limit;
			if (limitNow == INF) {
				return true;
			}
			long lastNow = this.last;
			if (readClock) {
				t = attemptInstant(t, lastNow);
			}
			long elapsed = saturatedSubtract(t, lastNow);
			int burstNow = this.burst;
			boolean refused;
			double left = 0;
			if (permits > 0 && Math.max(elapsed, 0L) <= this.emptyThrough) {
				refused = true; // the exact computation would refuse: see emptyThrough(..)
			}
			else {
				double available = (elapsed >= this.fullAfter) ? burstNow
						: advance(t, this.tokens, lastNow, limitNow, burstNow);
				left = available - permits;
				refused = permits > burstNow || (left < 0 && durationFromTokens(-left, limitNow) > 0L);
			}
			if (refused) {
				if (readValid(seq)) {
					return false;
				}
				continue;
			}
			if (commit(seq, t, left, t)) {
				return true;
			}
			spins = backOff(Math.max(spins, LOST_RACE_ROUND)); // let the winner keep the cache line a while
		}
	}

	// x/time reserveN(t, n, maxFutureReserve)
	private Ticket reserve(int permits, long nowNanos, long maxFutureReserve, boolean readClock) {
		long t = readClock ? UNREAD : nowNanos;
		int spins = 0;
		for (;;) {
			long seq = readBegin(spins);
			double limitNow = this.limit;
			long lastNow = this.last;
			if (readClock) {
				t = attemptInstant(t, lastNow);
			}
			if (limitNow == INF) {
				// as x/time: granted at once, state untouched, and the reservation's limit left at 0
				return new Ticket(this, permits, t, 0.0);
			}
			int burstNow = this.burst;
			double left = advance(t, this.tokens, lastNow, limitNow, burstNow) - permits;
			long wait = (left < 0) ? durationFromTokens(-left, limitNow) : 0L;
			if (permits > burstNow || wait > maxFutureReserve) {
				if (readValid(seq)) {
					return Ticket.NOT_OK;
				}
				continue;
			}
			long timeToAct = saturatedAdd(t, wait);
			if (commit(seq, t, left, timeToAct)) {
				return new Ticket(this, permits, timeToAct, limitNow);
			}
			spins = backOff(Math.max(spins, LOST_RACE_ROUND));
		}
	}

	// x/time CancelAt
	private void cancel(Ticket reservation, long nowNanos, boolean readClock) {
		if (!reservation.ok) {
			return;
		}
		long seq = lock();
		try {
			long t = readClock ? this.clock.nanoTime() : nowNanos;
			if (this.limit == INF || reservation.tokens == 0 || reservation.timeToAct < t || reservation.cancelled) {
				return;
			}
			// permits reserved after this reservation (up to lastEvent) are not given back
			double restore = reservation.tokens
					- tokensFromDuration(saturatedSubtract(this.lastEvent, reservation.timeToAct), reservation.limit);
			if (restore <= 0) {
				return;
			}
			double restored = advance(t, this.tokens, this.last, this.limit, this.burst) + restore;
			if (restored > this.burst) {
				restored = this.burst;
			}
			long newLastEvent = this.lastEvent;
			if (reservation.timeToAct == newLastEvent) {
				long previousEvent = saturatedAdd(reservation.timeToAct,
						durationFromTokens(-reservation.tokens, reservation.limit));
				if (previousEvent >= t) {
					newLastEvent = previousEvent;
				}
			}
			update(t, restored, newLastEvent);
			reservation.cancelled = true;
		}
		finally {
			unlock(seq);
		}
	}

	// x/time SetLimitAt and SetBurstAt: the tokens accrued at the old settings are kept, then one setting changes
	private void reconfigure(double newLimit, int newBurst, long nowNanos, boolean readClock) {
		long seq = lock();
		try {
			long t = readClock ? this.clock.nanoTime() : nowNanos;
			double advanced = advance(t, this.tokens, this.last, this.limit, this.burst);
			if (newLimit != UNCHANGED_LIMIT) {
				this.limit = newLimit;
			}
			if (newBurst != UNCHANGED_BURST) {
				this.burst = newBurst;
			}
			update(t, advanced, this.lastEvent);
		}
		finally {
			unlock(seq);
		}
	}

	// x/time TokensAt
	private double tokensAt(long t) {
		for (;;) {
			long seq = readBegin();
			double result = advance(t, this.tokens, this.last, this.limit, this.burst);
			if (readValid(seq)) {
				return result;
			}
		}
	}

	// x/time WaitN after a granted reservation: sleep until its time to act, cancel it when interrupted
	private void await(Ticket reservation) throws InterruptedException {
		long delay = reservation.delayFrom(this.clock.nanoTime());
		if (delay == 0L) {
			return;
		}
		try {
			this.clock.sleep(delay);
		}
		catch (InterruptedException ex) {
			cancel(reservation, 0L, true);
			throw ex;
		}
	}

	/**
	 * The instant an attempt of allow or reserve decides at, when it reads the clock: the clock on the first attempt
	 * ({@code t} is {@link #UNREAD}; after its sequence read); on a retry, that reading raised to the latest commit's
	 * instant {@code lastNow}. A reading that happens to equal {@code UNREAD} is taken again on a retry, which is as
	 * valid: it too follows a sequence read.
	 */
	private long attemptInstant(long t, long lastNow) {
		if (t == UNREAD) {
			return this.clock.nanoTime();
		}
		return (t < lastNow) ? lastNow : t;
	}

	/**
	 * Commits the outcome of an optimistic decision made at sequence {@code seq}: one CAS from the even value read
	 * to odd, the writes, then a release store of {@code seq + 2}. Returns false, writing nothing, when another
	 * writer committed since {@code seq} was read.
	 */
	private boolean commit(long seq, long newLast, double newTokens, long newLastEvent) {
		if (!SEQUENCE.compareAndSet(this, seq, seq + 1)) {
			return false;
		}
		update(newLast, newTokens, newLastEvent);
		SEQUENCE.setRelease(this, seq + 2);
		return true;
	}

	// the writes of a commit, inside the exclusive section; limit and burst are the new ones
	private void update(long newLast, double newTokens, long newLastEvent) {
		this.last = newLast;
		this.tokens = newTokens;
		this.lastEvent = newLastEvent;
		this.fullAfter = fullAfter(newTokens, this.limit, this.burst);
		this.emptyThrough = emptyThrough(newTokens, this.limit, this.burst);
	}

	private long readBegin() {
		return readBegin(0);
	}

	/**
	 * Returns the even sequence to read the state under, waiting out a writer with the back-off from round
	 * {@code fromRound} on (an attempt that lost a race before waits longer).
	 */
	private long readBegin(int fromRound) {
		int spins = fromRound;
		for (;;) {
			long seq = (long) SEQUENCE.getAcquire(this);
			if ((seq & 1L) == 0L) {
				return seq;
			}
			spins = backOff(spins);
		}
	}

	private boolean readValid(long seq) {
		VarHandle.acquireFence(); // LoadLoad: the field loads above complete before the sequence is re-read
		return (long) SEQUENCE.getOpaque(this) == seq;
	}

	private long lock() {
		int spins = 0;
		for (;;) {
			long seq = (long) SEQUENCE.getOpaque(this);
			if ((seq & 1L) == 0L && SEQUENCE.compareAndSet(this, seq, seq + 1)) {
				return seq;
			}
			spins = backOff(spins);
		}
	}

	private void unlock(long seq) {
		SEQUENCE.setRelease(this, seq + 2);
	}

	// round k < 8: 2^k spin-wait hints; then yields, then short parks
	private static int backOff(int attempt) {
		if (attempt < SPIN_ROUNDS) {
			for (int i = 1 << attempt; i > 0; i--) {
				Thread.onSpinWait();
			}
		}
		else if (attempt < SPIN_ROUNDS + YIELDS) {
			Thread.yield();
		}
		else {
			LockSupport.parkNanos(PARK_NANOS);
		}
		return attempt + 1;
	}

	// x/time advance(t): tokens at t, without changing the bucket
	private static double advance(long t, double tokens, long last, double limit, int burst) {
		if (t <= last) {
			return (tokens > burst) ? burst : tokens; // time stood still or went backwards: no refill
		}
		double result = tokens + tokensFromDuration(saturatedSubtract(t, last), limit);
		return (result > burst) ? burst : result;
	}

	/**
	 * A time after {@code last} from which {@link #advance} returns {@code burst}: {@code E = (long) (D * (1 + 2^-40))
	 * + 2} where {@code D = (burst - tokens) / limit * 1e9}. Each of the three operations giving {@code D}, and each
	 * of the four giving {@code tokensFromDuration(E)} (the division r / 1e9, the sum with the whole seconds, the
	 * product with the limit), errs by at most a relative 2^-53, so {@code tokensFromDuration(e) >= burst - tokens}
	 * for every {@code e >= E}; then {@code tokens + refill} rounds to at least {@code burst} and is capped to exactly
	 * {@code burst}, as the full computation gives. ({@code D} underflowing to a subnormal errs by less than 1e-300
	 * ns, covered by the + 2.) {@code Long.MAX_VALUE} (no shortcut) when the bucket never fills.
	 */
	static long fullAfter(double tokens, double limit, int burst) {
		if (tokens >= burst) {
			return 0L;
		}
		if (limit <= 0) {
			return Long.MAX_VALUE;
		}
		double estimate = (burst - tokens) / limit * 1e9 * FULL_MARGIN;
		return (estimate < 0x1p62) ? (long) estimate + 2L : Long.MAX_VALUE;
	}

	/**
	 * The longest time after {@code last} through which a request for one permit is refused (so is any larger one),
	 * or -1 when one may be granted at once. Refusal is monotone in the elapsed time (every step of {@link #advance}
	 * is monotone, including Go's Seconds() across a whole second), so the refused instants form a prefix; an
	 * estimate slightly short of the refill time is checked with the exact computation and kept only if refused.
	 */
	static long emptyThrough(double tokens, double limit, int burst) {
		if (burst < 1) {
			return Long.MAX_VALUE;
		}
		if (!refusesOne(Math.min(tokens, burst), limit)) {
			return -1L;
		}
		if (limit <= 0) {
			return Long.MAX_VALUE;
		}
		double estimate = (1 - tokens) / limit * 1e9 * EMPTY_MARGIN - 2;
		long candidate = (estimate < 0x1p62) ? (long) estimate : (1L << 62);
		if (candidate <= 0L) {
			return 0L;
		}
		double available = tokens + tokensFromDuration(candidate, limit);
		return refusesOne((available > burst) ? burst : available, limit) ? candidate : 0L;
	}

	private static boolean refusesOne(double available, double limit) {
		double left = available - 1;
		return left < 0 && durationFromTokens(-left, limit) > 0L;
	}

	/** x/time {@code tokensFromDuration}: {@code d.Seconds() * limit}, 0 for a limit of 0. */
	static double tokensFromDuration(long nanos, double limit) {
		if (limit <= 0) {
			return 0;
		}
		return seconds(nanos) * limit;
	}

	/** x/time {@code durationFromTokens}: truncated nanoseconds, capped at {@code InfDuration}. */
	static long durationFromTokens(double tokens, double limit) {
		if (limit <= 0) {
			return INF_DURATION;
		}
		double duration = (tokens / limit) * 1e9;
		if (duration > MAX_DURATION) {
			return INF_DURATION;
		}
		return (long) duration;
	}

	/** Go's {@code Duration.Seconds()}: whole and fractional seconds converted separately. */
	static double seconds(long nanos) {
		long whole = nanos / NANOS_PER_SECOND;
		long fraction = nanos % NANOS_PER_SECOND;
		return (double) whole + (double) fraction / 1e9;
	}

	private static double toLimit(double permitsPerSecond) {
		if (Double.isNaN(permitsPerSecond) || permitsPerSecond < 0) {
			throw new IllegalArgumentException("permitsPerSecond must be >= 0 (was " + permitsPerSecond + ")");
		}
		return (permitsPerSecond == Double.POSITIVE_INFINITY) ? INF : permitsPerSecond;
	}

	private static int requireBurst(int burst) {
		if (burst < 0) {
			throw new IllegalArgumentException("burst must be >= 0 (was " + burst + ")");
		}
		return burst;
	}

	private static int requirePermits(int permits) {
		if (permits < 0) {
			throw new IllegalArgumentException("permits must be >= 0 (was " + permits + ")");
		}
		return permits;
	}

	/**
	 * A granted reservation, or the shared refused one. Package-private twins of the {@link Reservation} methods
	 * take explicit instants (x/time's {@code DelayFrom(t)}, {@code CancelAt(t)}).
	 */
	static final class Ticket implements Reservation {

		static final Ticket NOT_OK = new Ticket(null, 0, INF_DURATION, 0.0, false);

		private final TokenBucket bucket;

		private final boolean ok;

		private final int tokens;

		private final long timeToAct;

		/** The bucket's limit when the reservation was made; x/time leaves it 0 at an infinite rate. */
		private final double limit;

		/** Set, under the bucket's lock, once the reservation gave its permits back. */
		private boolean cancelled;

		Ticket(TokenBucket bucket, int tokens, long timeToAct, double limit) {
			this(bucket, tokens, timeToAct, limit, true);
		}

		private Ticket(TokenBucket bucket, int tokens, long timeToAct, double limit, boolean ok) {
			this.bucket = bucket;
			this.tokens = tokens;
			this.timeToAct = timeToAct;
			this.limit = limit;
			this.ok = ok;
		}

		@Override
		public boolean isOk() {
			return this.ok;
		}

		@Override
		public Duration delay() {
			if (!this.ok) {
				return INFINITE_DELAY;
			}
			long delay = delayFrom(this.bucket.clock.nanoTime());
			if (delay == 0L) {
				return Duration.ZERO;
			}
			return (delay == INF_DURATION) ? INFINITE_DELAY : Duration.ofNanos(delay);
		}

		/** x/time {@code DelayFrom(t)}; a time to act saturated at {@code Long.MAX_VALUE} means never. */
		long delayFrom(long nowNanos) {
			if (!this.ok || this.timeToAct == Long.MAX_VALUE) {
				return INF_DURATION;
			}
			long delay = saturatedSubtract(this.timeToAct, nowNanos);
			return (delay < 0) ? 0L : delay;
		}

		/** The instant at which the holder may act. */
		long timeToAct() {
			return this.timeToAct;
		}

		@Override
		public void cancel() {
			if (this.ok) {
				this.bucket.cancel(this, 0L, true);
			}
		}

		/** x/time {@code CancelAt(t)}. */
		void cancelAt(long nowNanos) {
			if (this.ok) {
				this.bucket.cancel(this, nowNanos, false);
			}
		}

		@Override
		public String toString() {
			return this.ok ? "Reservation[ok, permits=" + this.tokens + ", timeToAct=" + this.timeToAct + "ns]"
					: "Reservation[not ok]";
		}

	}

}
