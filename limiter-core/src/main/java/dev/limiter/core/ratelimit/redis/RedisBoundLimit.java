package dev.limiter.core.ratelimit.redis;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
		Objects.requireNonNull(key, "key must not be null");
		if (permits < 1) {
			throw new IllegalArgumentException("permits must be >= 1 (was " + permits + ")");
		}
		long startNanos = this.store.clock.nanoTime();
		LeasedKey leased = null;
		if (this.leases != null) {
			leased = this.leases.get(key, this.newLease);
			Decision spent = leased.spend(permits, this.prepared.limit, this.store.clock,
					this.store.availability.generation());
			if (spent != null) {
				this.store.decided(DecisionSource.LEASE, startNanos);
				return spent;
			}
		}
		if (this.refusals != null) {
			Decision cached = this.refusals.answer(key, this.prepared.spec, permits, startNanos);
			if (cached != null) {
				this.store.decided(DecisionSource.CACHE, startNanos);
				return cached;
			}
		}
		if (!this.store.availability.shouldTry(startNanos)) {
			return this.store.fallback(this.namespace + ':' + key, this.prepared, permits, startNanos);
		}
		byte[] redisKey = redisKey(this.head, key);
		if (leased == null || leased.isExact(startNanos)) {
			return exact(key, redisKey, permits, startNanos);
		}
		// waiting for the caller renewing the lease counts in this decision's timeout
		long deadline = System.nanoTime() + this.store.timeoutNanos;
		try {
			if (!leased.lock.tryLock(this.store.timeoutNanos, TimeUnit.NANOSECONDS)) {
				// the caller renewing the lease is stuck on Redis: this one would be too
				return this.store.fallback(this.namespace + ':' + key, this.prepared, permits, startNanos);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return this.store.fallback(this.namespace + ':' + key, this.prepared, permits, startNanos);
		}
		try {
			Decision spent = leased.spend(permits, this.prepared.limit, this.store.clock,
					this.store.availability.generation());
			if (spent != null) {
				this.store.decided(DecisionSource.LEASE, startNanos);
				return spent;
			}
			if (!leased.isExact(this.store.clock.nanoTime())) {
				return lease(key, redisKey, leased, permits, startNanos, deadline);
			}
		}
		finally {
			leased.lock.unlock();
		}
		return exact(key, redisKey, permits, startNanos);
	}

	private Decision exact(String key, byte[] redisKey, int permits, long startNanos) {
		List<Object> reply;
		try {
			reply = this.store.run(this.prepared, redisKey,
					this.prepared.arguments(this.store.nowMicros(this.prepared, startNanos), permits));
		}
		catch (Exception ex) {
			return failed(key, permits, startNanos, ex);
		}
		Decision decision = this.store.decision(this.prepared, reply, 0);
		remember(key, permits, startNanos, decision);
		return decision;
	}

	/** Closes the key's lease, giving back what it has left, decides the request and takes a new lease. */
	private Decision lease(String key, byte[] redisKey, LeasedKey leased, int permits, long startNanos,
			long deadline) {
		long sentNanos = this.store.clock.nanoTime();
		LeasedKey.Lease previous = leased.current();
		int unspent = leased.close();
		int wanted = leased.wanted(permits, previous, unspent, sentNanos, this.maximumLease);
		List<Object> reply;
		try {
			reply = this.store.run(this.prepared, redisKey,
					this.prepared.leaseArguments(this.store.nowMicros(this.prepared, sentNanos), permits, this.holder,
							wanted, unspent, (previous != null) ? previous.epoch() : 0),
					Math.max(1, deadline - System.nanoTime()));
		}
		catch (Exception ex) {
			return failed(key, permits, startNanos, ex);
		}
		this.store.availability.succeeded();
		int generation = this.store.availability.generation();
		int granted = (int) (long) (Long) reply.get(4);
		// ends here no later than in Redis: the call was sent before Redis ran it, and a wall clock read in whole
		// milliseconds may lag the true time by up to one
		long endNanos = sentNanos + (Long) reply.get(5) * 1000 - this.store.clockSlackNanos(this.prepared);
		long reset = (Long) reply.get(3);
		LeasedKey.Lease lease = null;
		if (granted > 0) {
			lease = new LeasedKey.Lease(granted, sentNanos, endNanos, (Long) reply.get(6), (Long) reply.get(1),
					(reset < 0) ? Long.MAX_VALUE : sentNanos + reset * 1000, generation);
		}
		leased.granted(lease, wanted, granted, endNanos);
		Decision decision = this.store.decision(this.prepared, reply, granted);
		remember(key, permits, startNanos, decision);
		return decision;
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
			if (leased.current() == null || !leased.lock.tryLock()) {
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
				leased.lock.unlock();
			}
		}
		return true;
	}

	private Decision failed(String key, int permits, long startNanos, Exception ex) {
		if (ex instanceof InterruptedException) {
			// the caller was interrupted, Redis did not fail: keep the flag, decide by the policy this once
			Thread.currentThread().interrupt();
		}
		else {
			this.store.availability.failed(startNanos, this.store.clock.nanoTime(), ex);
		}
		return this.store.fallback(this.namespace + ':' + key, this.prepared, permits, startNanos);
	}

	private void remember(String key, int permits, long startNanos, Decision decision) {
		this.store.availability.succeeded();
		if (this.refusals != null && RefusalCache.isRememberable(decision)) {
			this.refusals.remember(key, this.prepared.spec, permits, startNanos,
					this.store.clockSlackNanos(this.prepared), decision);
		}
		this.store.decided(DecisionSource.REDIS, startNanos);
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
