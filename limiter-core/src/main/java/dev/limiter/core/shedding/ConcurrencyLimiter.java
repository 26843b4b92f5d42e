package dev.limiter.core.shedding;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import dev.limiter.core.Promise;
import dev.limiter.core.Settings;

/**
 * A hard cap on calls in flight, go-zero's {@code maxconns} handler: a call is refused at once, never queued, when
 * {@code maxConcurrency} calls are already in flight.
 *
 * <p>{@code maxConcurrency <= 0} means unlimited: every call is permitted (and still counted, for
 * {@link #inFlight()}). A permit is returned by completing the promise of {@link #allow()} either way
 * ({@link Promise#accept()} or {@link Promise#reject(String)}: the outcome does not matter), or by
 * {@link #release()} after a successful {@link #tryAcquire()}. Releasing more permits than were acquired is ignored
 * (the count never goes below 0), as go-zero reports an extra return instead of corrupting its semaphore.
 *
 * <p>{@link #allow(Priority)} refuses {@link Priority#SHEDDABLE} calls once {@code min(0.9 x maxConcurrency,
 * maxConcurrency - 1)} calls (rounded up, at least 1) are in flight, keeping the rest for critical calls; without a
 * limit both are permitted.
 *
 * <p>Thread-safe and lock-free; the permitted path allocates nothing ({@link #allow()} returns one shared promise).
 * Refusals throw one pre-built {@link OverloadException} per limiter.
 */
public final class ConcurrencyLimiter implements Shedder {

	/*
	 * Implementation notes: go-zero rest/handler/maxconnshandler.go borrows from a size-n buffered channel with a
	 * non-blocking TryBorrow and returns after the handler; here a CAS loop on one counter does the same without a
	 * queue, so the cap is never exceeded, not even transiently.
	 */

	private static final AtomicIntegerFieldUpdater<ConcurrencyLimiter> IN_FLIGHT = AtomicIntegerFieldUpdater
		.newUpdater(ConcurrencyLimiter.class, "inFlight");

	private final String name;

	private final int maxConcurrency;

	private final OverloadException overloadException;

	private final Promise promise = new ReleasingPromise();

	private volatile int inFlight;

	private ConcurrencyLimiter(String name, int maxConcurrency) {
		this.name = Settings.name(name);
		this.maxConcurrency = maxConcurrency;
		this.overloadException = new OverloadException(name);
	}

	/**
	 * Creates a limiter.
	 * @param name the name carried by {@link OverloadException}s
	 * @param maxConcurrency the most calls in flight; {@code <= 0} for no limit
	 * @return the limiter
	 */
	public static ConcurrencyLimiter of(String name, int maxConcurrency) {
		return new ConcurrencyLimiter(name, maxConcurrency);
	}

	/**
	 * Asks to start one call.
	 * @return the limiter's shared promise: complete it once when the call has finished, in either way
	 * @throws OverloadException if {@code maxConcurrency} calls are in flight
	 */
	@Override
	public Promise allow() {
		if (!tryAcquire()) {
			throw this.overloadException;
		}
		return this.promise;
	}

	/**
	 * Asks to start one call of the given priority: a critical call as {@link #allow()}, a sheddable one only while
	 * fewer than {@code min(0.9 x maxConcurrency, maxConcurrency - 1)} calls (rounded up, at least 1) are in flight.
	 * @param priority the call's priority
	 * @return the limiter's shared promise: complete it once when the call has finished, in either way
	 * @throws OverloadException if the call's share of the cap is in flight
	 * @throws NullPointerException if the priority is {@code null}
	 */
	@Override
	public Promise allow(Priority priority) {
		Objects.requireNonNull(priority, "priority must not be null");
		int max = this.maxConcurrency;
		if (!tryAcquire((priority == Priority.SHEDDABLE && max > 0) ? Priority.sheddableLimit(max) : max)) {
			throw this.overloadException;
		}
		return this.promise;
	}

	/**
	 * Takes a permit if one is free, without blocking or allocating.
	 * @return whether the call may start; if so, call {@link #release()} exactly once when it has finished
	 */
	public boolean tryAcquire() {
		return tryAcquire(this.maxConcurrency);
	}

	private boolean tryAcquire(int max) {
		if (max <= 0) {
			IN_FLIGHT.incrementAndGet(this);
			return true;
		}
		while (true) {
			int current = this.inFlight;
			if (current >= max) {
				return false;
			}
			if (IN_FLIGHT.compareAndSet(this, current, current + 1)) {
				return true;
			}
		}
	}

	/**
	 * Returns a permit taken by {@link #tryAcquire()}.
	 * @return {@code false} if no permit was out (an extra release, ignored)
	 */
	public boolean release() {
		while (true) {
			int current = this.inFlight;
			if (current <= 0) {
				return false;
			}
			if (IN_FLIGHT.compareAndSet(this, current, current - 1)) {
				return true;
			}
		}
	}

	/**
	 * Returns the number of calls in flight.
	 * @return permits taken and not yet returned
	 */
	public int inFlight() {
		return this.inFlight;
	}

	/**
	 * Returns the cap.
	 * @return the most calls in flight; {@code <= 0} for no limit
	 */
	public int maxConcurrency() {
		return this.maxConcurrency;
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public String toString() {
		return "ConcurrencyLimiter[name=" + this.name + ", maxConcurrency=" + this.maxConcurrency + ", inFlight="
				+ this.inFlight + "]";
	}

	/** The shared promise: either outcome returns the permit. */
	private final class ReleasingPromise implements Promise {

		@Override
		public void accept() {
			release();
		}

		@Override
		public void reject(String reason) {
			release();
		}

		@Override
		public void ignore() {
			release();
		}

	}

}
