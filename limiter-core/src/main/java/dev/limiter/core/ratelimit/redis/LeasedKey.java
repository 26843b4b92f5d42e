package dev.limiter.core.ratelimit.redis;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

import dev.limiter.core.Clock;
import dev.limiter.core.ratelimit.AlgorithmParameters;
import dev.limiter.core.ratelimit.Decision;

/**
 * One key's lease in this instance: permits taken from Redis at once, spent here lock-free until they run out or the
 * lease ends, and what the next lease should hold. Renewing is one caller at a time ({@link #lock}, a permit rather
 * than an owned lock, so that an asynchronous renewal releases it on the thread that completes it); spending is a
 * compare-and-set on the lease's count.
 *
 * <p>The next lease's size follows the key's local rate: the permits used since the last lease call (the spent part
 * of the previous lease and the request at hand) over the time since that call, times {@link #HORIZON_NANOS}, at
 * most the limiter's maximum; the first call of a key asks for none. When Redis grants fewer than asked (the key is
 * near its limit), the key is decided exactly, one call per request, until the lease that was asked for would have
 * ended.
 */
final class LeasedKey {

	/** How long a lease should last at the key's recent rate. */
	static final long HORIZON_NANOS = Duration.ofMillis(100).toNanos();

	private static final Duration FOREVER = AlgorithmParameters.forever();

	/**
	 * Held by the one caller renewing the lease; the others wait for its lease rather than calling Redis too
	 * (asynchronous ones through {@link #renewal}).
	 */
	final Semaphore lock = new Semaphore(1);

	/** The asynchronous renewal in flight, for asynchronous callers to continue after; {@code null} otherwise. */
	volatile CompletableFuture<Decision> renewal;

	private volatile Lease current;

	private volatile boolean exact;

	private volatile long exactUntilNanos;

	// guarded by lock
	private boolean called;

	private long lastCallNanos;

	/**
	 * Spends permits of the current lease, if it holds enough and has not ended.
	 * @return the decision, or {@code null} when Redis (or the policy) must decide
	 */
	Decision spend(int permits, long limit, Clock clock, int generation) {
		Lease lease = this.current;
		if (lease == null || lease.generation != generation) {
			// none, or taken before an outage ended: Redis may have lost it (a restart), so it is not spent
			return null;
		}
		AtomicInteger left = lease.left;
		for (;;) {
			int available = left.get();
			if (available < permits) {
				return null;
			}
			if (left.compareAndSet(available, available - permits)) {
				// read the time after taking, so that the admission happens before the lease's end
				long now = clock.nanoTime();
				if (now - lease.endNanos >= 0 || now - lease.takenNanos < 0) {
					// the lease ended: put the permits back for the next call to give back (no one can spend them:
					// every spender finds the lease ended)
					left.addAndGet(permits);
					return null;
				}
				Duration resetAfter = (lease.resetAtNanos == Long.MAX_VALUE) ? FOREVER
						: Duration.ofNanos(Math.max(0, lease.resetAtNanos - now));
				return new Decision(true, limit, lease.remainingAtLease + available - permits, Duration.ZERO,
						resetAfter);
			}
		}
	}

	/** Returns whether the key is decided exactly for now (it was near its limit). */
	boolean isExact(long nowNanos) {
		if (this.exact && nowNanos - this.exactUntilNanos >= 0) {
			this.exact = false;
		}
		return this.exact;
	}

	/** Returns the current lease, or {@code null}. */
	Lease current() {
		return this.current;
	}

	/**
	 * Closes the current lease (its permits can no longer be spent here) and returns how many it had left; call
	 * holding the lock.
	 */
	int close() {
		Lease lease = this.current;
		this.current = null;
		return (lease != null) ? lease.left.getAndSet(0) : 0;
	}

	/**
	 * Returns how many permits beyond the request the next lease should hold; call holding the lock.
	 * @param permits the request's permits
	 * @param previous the lease just closed, or {@code null}
	 * @param unspent what it had left
	 * @param nowNanos the time of the call
	 * @param maximum the most a lease may hold
	 */
	int wanted(int permits, Lease previous, int unspent, long nowNanos, int maximum) {
		if (!this.called) {
			this.called = true;
			this.lastCallNanos = nowNanos;
			return 0;
		}
		long used = permits + ((previous != null) ? previous.granted - unspent : 0);
		long elapsed = nowNanos - this.lastCallNanos;
		this.lastCallNanos = nowNanos;
		if (elapsed <= 0) {
			return maximum;
		}
		return (int) Math.min(maximum, Math.round(used * (double) HORIZON_NANOS / elapsed));
	}

	/**
	 * Installs what Redis granted; call holding the lock.
	 * @param lease the new lease, or {@code null} when none was granted
	 * @param wanted how many permits were asked for
	 * @param granted how many were granted
	 * @param untilNanos when the lease asked for would have ended
	 */
	void granted(Lease lease, int wanted, int granted, long untilNanos) {
		if (granted < wanted) {
			this.exactUntilNanos = untilNanos;
			this.exact = true;
		}
		this.current = lease;
	}

	/**
	 * Permits taken from Redis for this instance.
	 *
	 * @param granted how many were taken
	 * @param takenNanos when the call that took them was sent (client clock)
	 * @param endNanos when the lease ends: no later than Redis lets them count (the call was sent before Redis ran
	 * it)
	 * @param epoch the window the permits were counted in (windows only), for giving them back
	 * @param remainingAtLease what Redis had left after the lease
	 * @param resetAtNanos when the key is full again per Redis, {@code Long.MAX_VALUE} for never
	 * @param generation the store's count of ended outages when taken
	 */
	record Lease(int granted, long takenNanos, long endNanos, long epoch, long remainingAtLease, long resetAtNanos,
			int generation, AtomicInteger left) {

		Lease(int granted, long takenNanos, long endNanos, long epoch, long remainingAtLease, long resetAtNanos,
				int generation) {
			this(granted, takenNanos, endNanos, epoch, remainingAtLease, resetAtNanos, generation,
					new AtomicInteger(granted));
		}

	}

}
