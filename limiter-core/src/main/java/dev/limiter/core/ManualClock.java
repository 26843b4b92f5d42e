package dev.limiter.core;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when told to, for deterministic tests.
 *
 * <p>A new clock reads 0 for both {@link #nanoTime()} and {@link #currentTimeMillis()}. {@link #advance(Duration)}
 * moves both by the same amount, backwards too when the duration is negative (limiters must tolerate time going
 * backwards). {@link #sleep(long)} advances the clock by the requested amount and returns at once, so code that
 * waits on this clock runs instantly. Thread-safe.
 */
public final class ManualClock implements Clock {

	private final AtomicLong nanos = new AtomicLong();

	private final long epochOffsetMillis;

	/** Creates a clock at time 0, whose wall clock also reads 0 (the Unix epoch). */
	public ManualClock() {
		this(0);
	}

	/**
	 * Creates a clock whose monotonic time starts at 0 and whose wall clock starts at the given instant.
	 * @param epochMillis the initial {@link #currentTimeMillis()} reading
	 */
	public ManualClock(long epochMillis) {
		this.epochOffsetMillis = epochMillis;
	}

	/**
	 * Moves the clock by the given amount; a negative duration moves it backwards.
	 * @param duration how far to move
	 * @return this clock
	 */
	public ManualClock advance(Duration duration) {
		this.nanos.addAndGet(duration.toNanos());
		return this;
	}

	/**
	 * Moves the clock by the given number of nanoseconds; negative values move it backwards.
	 * @param nanos how far to move
	 * @return this clock
	 */
	public ManualClock advanceNanos(long nanos) {
		this.nanos.addAndGet(nanos);
		return this;
	}

	@Override
	public long nanoTime() {
		return this.nanos.get();
	}

	@Override
	public long currentTimeMillis() {
		return this.epochOffsetMillis + Math.floorDiv(this.nanos.get(), 1_000_000L);
	}

	/**
	 * Advances the clock by {@code nanos} (when positive) and returns at once.
	 * @throws InterruptedException if the calling thread is interrupted
	 */
	@Override
	public void sleep(long nanos) throws InterruptedException {
		if (Thread.interrupted()) {
			throw new InterruptedException();
		}
		if (nanos > 0) {
			this.nanos.addAndGet(nanos);
		}
	}

	@Override
	public String toString() {
		return "ManualClock[" + this.nanos.get() + "ns]";
	}

}
