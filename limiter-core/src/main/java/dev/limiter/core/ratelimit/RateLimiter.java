package dev.limiter.core.ratelimit;

import java.util.Objects;
import java.util.concurrent.CompletionStage;

import dev.limiter.core.InvalidSettingException;

/**
 * A named keyed rate limit: one {@link LimitSpec} applied to each key separately, with the keys' state kept in a
 * {@link RateLimitStore}.
 *
 * <p>Each key (a client address, an API key) has its own bucket or window under the same spec; a request takes
 * permits from its key and gets a {@link Decision}: allowed or not, what remains and when to retry. Keys are
 * namespaced by the limiter's name in the store ({@code name:key}), so limiters may share a store.
 *
 * <p>A limiter over a store that can lease permits (the Redis store) may take them {@code leasePermits} at a time and
 * spend them locally: see {@code RedisRateLimitStore}. Other stores ignore the setting.
 *
 * <p>{@link #acquireAsync} decides without waiting for the store's server (see
 * {@link RateLimitStore#acquireAsync}), for callers that must not block, such as reactive applications.
 *
 * <p>Thread-safe; a decision is as atomic as the store makes it.
 */
public final class RateLimiter {

	private final String name;

	private final LimitSpec spec;

	private final RateLimitStore store;

	private final int leasePermits;

	private final RateLimitStore.BoundLimit bound;

	/**
	 * Creates a rate limiter that decides every request in its store (no lease).
	 * @param name the limiter's name, also the namespace of its keys in the store
	 * @param spec the limit applied to every key
	 * @param store where per-key state lives
	 */
	public RateLimiter(String name, LimitSpec spec, RateLimitStore store) {
		this(name, spec, store, 0);
	}

	/**
	 * Creates a rate limiter.
	 * @param name the limiter's name, also the namespace of its keys in the store
	 * @param spec the limit applied to every key
	 * @param store where per-key state lives
	 * @param leasePermits the most permits this instance may lease from the store at once for a key and spend
	 * locally; 0 decides every request in the store (see {@link RateLimitStore#bind})
	 */
	public RateLimiter(String name, LimitSpec spec, RateLimitStore store, int leasePermits) {
		this.name = Objects.requireNonNull(name, "name must not be null");
		this.spec = Objects.requireNonNull(spec, "spec must not be null");
		this.store = Objects.requireNonNull(store, "store must not be null");
		if (leasePermits < 0) {
			throw InvalidSettingException.of("leasePermits", leasePermits, "must be >= 0");
		}
		this.leasePermits = leasePermits;
		this.bound = store.bind(name, spec, leasePermits);
	}

	/**
	 * Takes one permit for the key.
	 * @param key the key
	 * @return the decision
	 */
	public Decision acquire(String key) {
		return acquire(key, 1);
	}

	/**
	 * Takes permits for the key.
	 * @param key the key
	 * @param permits how many permits, at least 1
	 * @return the decision
	 */
	public Decision acquire(String key, int permits) {
		checkPermits(permits);
		return this.bound.acquire(key, permits);
	}

	/**
	 * Takes one permit for the key without waiting for the store's server.
	 * @param key the key
	 * @return the decision, when made; never completed exceptionally because of the store's server
	 */
	public CompletionStage<Decision> acquireAsync(String key) {
		return acquireAsync(key, 1);
	}

	/**
	 * Takes permits for the key without waiting for the store's server.
	 * @param key the key
	 * @param permits how many permits, at least 1
	 * @return the decision, when made; never completed exceptionally because of the store's server
	 */
	public CompletionStage<Decision> acquireAsync(String key, int permits) {
		checkPermits(permits);
		return this.bound.acquireAsync(key, permits);
	}

	private static void checkPermits(int permits) {
		if (permits < 1) {
			throw new IllegalArgumentException("permits must be >= 1 (was " + permits + ")");
		}
	}

	/**
	 * Returns the limiter's name.
	 * @return the name
	 */
	public String name() {
		return this.name;
	}

	/**
	 * Returns the limit applied to every key.
	 * @return the spec
	 */
	public LimitSpec spec() {
		return this.spec;
	}

	/**
	 * Returns the most permits a lease may hold (0: none).
	 * @return the lease size
	 */
	public int leasePermits() {
		return this.leasePermits;
	}

	/**
	 * Returns the store holding per-key state.
	 * @return the store
	 */
	public RateLimitStore store() {
		return this.store;
	}

}
