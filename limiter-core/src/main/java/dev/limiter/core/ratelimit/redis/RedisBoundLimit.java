package dev.limiter.core.ratelimit.redis;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.RateLimitStore;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore.DecisionSource;

/**
 * One limiter bound to a {@link RedisRateLimitStore}: its Redis keys are built from a prefix encoded once, its
 * refusals are remembered under the plain key, and, when it leases, each key's lease lives here (see the store's
 * javadoc for what a lease guarantees).
 */
final class RedisBoundLimit implements RateLimitStore.BoundLimit {

	private final RedisRateLimitStore store;

	private final String namespace;

	private final PreparedSpec prepared;

	/** {@code prefix + "{" + namespace + ":"} in UTF-8. */
	private final byte[] head;

	private final RefusalCache refusals;

	private final Cache<String, LeasedKey> leases;

	private final Function<String, LeasedKey> newLease = (key) -> new LeasedKey();

	/** This limiter's id as a lease holder in Redis (token buckets keep one lease per holder). */
	private final byte[] holder;

	private final int maximumLease;

	RedisBoundLimit(RedisRateLimitStore store, String keyPrefix, String namespace, PreparedSpec prepared,
			long refusalCacheSize, long leasedKeys, int leasePermits) {
		this.store = store;
		this.namespace = namespace;
		this.prepared = prepared;
		this.head = (keyPrefix + '{' + namespace + ':').getBytes(StandardCharsets.UTF_8);
		this.refusals = (refusalCacheSize > 0) ? new RefusalCache(refusalCacheSize) : null;
		// a lease never holds more than a quarter of the limit
		this.maximumLease = (int) Math.min(leasePermits, Math.max(1, prepared.limit / 4));
		this.leases = (leasePermits > 0 && prepared.limit > 0)
				? Caffeine.newBuilder()
					.executor(Runnable::run)
					.maximumSize(leasedKeys)
					.<String, LeasedKey>build() : null;
		this.holder = Long.toHexString(ThreadLocalRandom.current().nextLong()).getBytes(StandardCharsets.US_ASCII);
	}

	@Override
	public Decision acquire(String key, int permits) {
		check(key, permits);
		long startNanos = this.store.clock.nanoTime();
		LeasedKey leased = (this.leases != null) ? this.leases.get(key, this.newLease) : null;
		Decision local = answerLocally(key, leased, permits, startNanos);
		if (local != null) {
			return local;
		}
		byte[] redisKey = redisKey(this.head, key);
		if (leased == null || leased.isExact(startNanos)) {
			return exact(key, redisKey, permits, startNanos);
		}
		// waiting for the caller renewing the lease counts in this decision's timeout
		long deadline = System.nanoTime() + this.store.timeoutNanos;
		try {
			if (!leased.lock.tryAcquire(this.store.timeoutNanos, TimeUnit.NANOSECONDS)) {
				// the caller renewing the lease is stuck on Redis: this one would be too
				return this.store.fallback(this.namespace, key, this.prepared, permits, startNanos);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return this.store.fallback(this.namespace, key, this.prepared, permits, startNanos);
		}
		try {
			Decision spent = spend(leased, permits, startNanos);
			if (spent != null) {
				return spent;
			}
			if (!leased.isExact(this.store.clock.nanoTime())) {
				LeaseCall call = leaseCall(leased, permits);
				List<Object> reply;
				try {
					reply = this.store.run(this.prepared, redisKey, call.arguments,
							Math.max(1, deadline - System.nanoTime()));
				}
				catch (Exception ex) {
					return failed(key, permits, startNanos, ex);
				}
				return leased(key, leased, call, permits, startNanos, reply);
			}
		}
		finally {
			leased.lock.release();
		}
		return exact(key, redisKey, permits, startNanos);
	}

	/**
	 * {@inheritDoc}
	 * <p>As {@link #acquire} but no thread waits: a caller finding the key's lease being renewed asynchronously
	 * continues when that renewal completes (once; then it renews itself or is decided exactly), one finding a
	 * blocking caller renewing it is decided exactly, and the renewal lets the key go when its reply (or its timeout)
	 * completes it. The whole decision keeps to the store's timeout, as a blocking one does.
	 */
	@Override
	public CompletionStage<Decision> acquireAsync(String key, int permits) {
		check(key, permits);
		long startNanos = this.store.clock.nanoTime();
		LeasedKey leased = (this.leases != null) ? this.leases.get(key, this.newLease) : null;
		Decision local = answerLocally(key, leased, permits, startNanos);
		if (local != null) {
			return CompletableFuture.completedFuture(local);
		}
		byte[] redisKey = redisKey(this.head, key);
		if (leased == null || leased.isExact(startNanos)) {
			return exactAsync(key, redisKey, permits, startNanos, this.store.timeoutNanos);
		}
		return leasedAsync(key, redisKey, leased, permits, startNanos, System.nanoTime() + this.store.timeoutNanos,
				true);
	}

	/** Spends or renews the key's lease, waits for its renewal in flight (when {@code mayWait}), or decides exactly. */
	private CompletionStage<Decision> leasedAsync(String key, byte[] redisKey, LeasedKey leased, int permits,
			long startNanos, long deadline, boolean mayWait) {
		long left = deadline - System.nanoTime();
		if (left <= 0) {
			// a renewal took the whole timeout: Redis is stuck, as a blocking caller would find
			return CompletableFuture
				.completedFuture(this.store.fallback(this.namespace, key, this.prepared, permits, startNanos));
		}
		if (!leased.lock.tryAcquire()) {
			CompletableFuture<Decision> renewal = leased.renewal;
			if (renewal == null || !mayWait) {
				return exactAsync(key, redisKey, permits, startNanos, left);
			}
			return renewal.handle((decision, ex) -> leased).thenCompose((ignored) -> {
				Decision spent = spend(leased, permits, startNanos);
				return (spent != null) ? CompletableFuture.completedFuture(spent)
						: leasedAsync(key, redisKey, leased, permits, startNanos, deadline, false);
			});
		}
		Decision spent;
		try {
			spent = spend(leased, permits, startNanos);
			if (spent == null && !leased.isExact(this.store.clock.nanoTime())) {
				return renewAsync(key, redisKey, leased, permits, startNanos, left);
			}
		}
		catch (RuntimeException ex) {
			leased.lock.release();
			throw ex;
		}
		leased.lock.release();
		return (spent != null) ? CompletableFuture.completedFuture(spent)
				: exactAsync(key, redisKey, permits, startNanos, left);
	}

	/** Renews the key's lease without waiting; call holding the key's lock, which the renewal's end releases. */
	private CompletableFuture<Decision> renewAsync(String key, byte[] redisKey, LeasedKey leased, int permits,
			long startNanos, long timeoutNanos) {
		LeaseCall call = leaseCall(leased, permits);
		CompletableFuture<Decision> renewal = new CompletableFuture<>();
		leased.renewal = renewal;
		this.store.runAsync(this.prepared, redisKey, call.arguments, timeoutNanos).whenComplete((reply, ex) -> {
			Decision decision = null;
			Throwable error = null;
			try {
				decision = (ex != null) ? failed(key, permits, startNanos, ex)
						: leased(key, leased, call, permits, startNanos, reply);
			}
			catch (RuntimeException failure) {
				error = failure;
			}
			finally {
				// let the key go before the waiters continue
				leased.renewal = null;
				leased.lock.release();
			}
			if (error != null) {
				renewal.completeExceptionally(error);
			}
			else {
				renewal.complete(decision);
			}
		});
		// a copy: a caller that cancels (a WebFlux client gone) must not cancel the renewal others wait for
		return renewal.copy();
	}

	private static void check(String key, int permits) {
		Objects.requireNonNull(key, "key must not be null");
		if (permits < 1) {
			throw new IllegalArgumentException("permits must be >= 1 (was " + permits + ")");
		}
	}

	/** Returns the answer that needs no Redis call (see the store's), or a lease's; {@code null} otherwise. */
	private Decision answerLocally(String key, LeasedKey leased, int permits, long startNanos) {
		if (leased != null) {
			Decision spent = spend(leased, permits, startNanos);
			if (spent != null) {
				return spent;
			}
		}
		return this.store.answerLocally(this.refusals, this.namespace, key, this.prepared, permits, startNanos);
	}

	private Decision spend(LeasedKey leased, int permits, long startNanos) {
		Decision spent = leased.spend(permits, this.prepared.limit, this.store.clock,
				this.store.availability.generation());
		if (spent != null) {
			this.store.decided(DecisionSource.LEASE, startNanos);
		}
		return spent;
	}

	private Decision exact(String key, byte[] redisKey, int permits, long startNanos) {
		List<Object> reply;
		try {
			reply = this.store.run(this.prepared, redisKey, exactArguments(permits, startNanos));
		}
		catch (Exception ex) {
			return failed(key, permits, startNanos, ex);
		}
		return this.store.fromRedis(this.refusals, key, this.prepared, permits, startNanos, reply, 0);
	}

	private CompletionStage<Decision> exactAsync(String key, byte[] redisKey, int permits, long startNanos,
			long timeoutNanos) {
		return this.store.runAsync(this.prepared, redisKey, exactArguments(permits, startNanos), timeoutNanos)
			.handle((reply, ex) -> (ex != null) ? failed(key, permits, startNanos, ex)
					: this.store.fromRedis(this.refusals, key, this.prepared, permits, startNanos, reply, 0));
	}

	private byte[][] exactArguments(int permits, long startNanos) {
		return this.prepared.arguments(this.store.nowMicros(this.prepared, startNanos), permits);
	}

	/**
	 * Closes the key's lease, to give back what it has left in the call that decides the request and takes a new
	 * lease; call holding the key's lock.
	 */
	private LeaseCall leaseCall(LeasedKey leased, int permits) {
		long sentNanos = this.store.clock.nanoTime();
		LeasedKey.Lease previous = leased.current();
		int unspent = leased.close();
		int wanted = leased.wanted(permits, previous, unspent, sentNanos, this.maximumLease);
		byte[][] arguments = this.prepared.leaseArguments(this.store.nowMicros(this.prepared, sentNanos), permits,
				this.holder, wanted, unspent, (previous != null) ? previous.epoch() : 0);
		return new LeaseCall(sentNanos, wanted, arguments);
	}

	/** Installs the lease Redis granted and returns the request's decision; call holding the key's lock. */
	private Decision leased(String key, LeasedKey leased, LeaseCall call, int permits, long startNanos,
			List<Object> reply) {
		this.store.availability.succeeded();
		int generation = this.store.availability.generation();
		int granted = (int) (long) (Long) reply.get(4);
		long sentNanos = call.sentNanos;
		// ends here no later than in Redis: the call was sent before Redis ran it, and a wall clock read in whole
		// milliseconds may lag the true time by up to one
		long endNanos = sentNanos + (Long) reply.get(5) * 1000 - this.store.clockSlackNanos(this.prepared);
		long reset = (Long) reply.get(3);
		LeasedKey.Lease lease = null;
		if (granted > 0) {
			lease = new LeasedKey.Lease(granted, sentNanos, endNanos, (Long) reply.get(6), (Long) reply.get(1),
					(reset < 0) ? Long.MAX_VALUE : sentNanos + reset * 1000, generation);
		}
		leased.granted(lease, call.wanted, granted, endNanos);
		return this.store.fromRedis(this.refusals, key, this.prepared, permits, startNanos, reply, granted);
	}

	/** A lease call about to be sent: when, what it asks for, and its arguments. */
	private record LeaseCall(long sentNanos, int wanted, byte[][] arguments) {
	}

	/**
	 * Gives back what this instance's leases have left, one call per key (a request of no permit that closes the
	 * lease), until the deadline; a lease being renewed at the time is left to end.
	 * @param deadline the {@code System.nanoTime()} to stop at
	 * @return whether Redis took every call (false: the deadline passed or Redis failed)
	 */
	boolean giveBack(long deadline) {
		if (this.leases == null) {
			return true;
		}
		for (Map.Entry<String, LeasedKey> entry : this.leases.asMap().entrySet()) {
			LeasedKey leased = entry.getValue();
			long left = deadline - System.nanoTime();
			if (left <= 0) {
				return false;
			}
			if (leased.current() == null || !leased.lock.tryAcquire()) {
				continue;
			}
			try {
				LeasedKey.Lease lease = leased.current();
				int unspent = leased.close();
				if (lease != null && unspent > 0) {
					long nowNanos = this.store.clock.nanoTime();
					this.store.run(this.prepared, redisKey(this.head, entry.getKey()),
							this.prepared.leaseArguments(this.store.nowMicros(this.prepared, nowNanos), 0, this.holder,
									0, unspent, lease.epoch()),
							left);
				}
			}
			catch (Exception ex) {
				if (ex instanceof InterruptedException) {
					Thread.currentThread().interrupt();
				}
				return false;
			}
			finally {
				leased.lock.release();
			}
		}
		return true;
	}

	private Decision failed(String key, int permits, long startNanos, Throwable ex) {
		return this.store.failed(this.namespace, key, this.prepared, permits, startNanos, ex);
	}

	/** Returns {@code head + key + "}"} in UTF-8, without an intermediate string for ASCII keys. */
	static byte[] redisKey(byte[] head, String key) {
		int length = key.length();
		byte[] bytes = new byte[head.length + length + 1];
		System.arraycopy(head, 0, bytes, 0, head.length);
		for (int i = 0; i < length; i++) {
			char c = key.charAt(i);
			if (c >= 0x80) {
				byte[] encoded = key.getBytes(StandardCharsets.UTF_8);
				bytes = new byte[head.length + encoded.length + 1];
				System.arraycopy(head, 0, bytes, 0, head.length);
				System.arraycopy(encoded, 0, bytes, head.length, encoded.length);
				break;
			}
			bytes[head.length + i] = (byte) c;
		}
		bytes[bytes.length - 1] = '}';
		return bytes;
	}

}
