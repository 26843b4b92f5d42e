package dev.limiter.core.ratelimit;

import java.util.concurrent.Executor;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;

import dev.limiter.core.Clock;

/**
 * Benchmark-only: the in-memory store as it was before issue 12 (a Caffeine cache of per-key monitors, its maintenance
 * on the common pool), kept so that one JMH run compares it with {@link InMemoryRateLimitStore}. Not for production.
 *
 * <p>Memory: at most {@code maximumKeys} keys are kept (least recently and frequently used keys go first, Caffeine's
 * W-TinyLFU); only that bound can change an answer, by forgetting a key in use. Besides, a key idle for long enough
 * that its state equals a fresh key's (a full bucket, a window that is over) is dropped, which never changes an
 * answer (the key is kept one second longer than that, so that a thread waiting for a key's monitor never finds
 * it gone). The heap retained per key is measured in BENCHMARKS.md.
 */
public final class CaffeineRateLimitStore implements RateLimitStore {

	private static final int MAXIMUM_SPECS = 1024;

	/** How long a thread may wait for a key's monitor without the key's expiry falling short: 1 s. */
	static final long LOCK_WAIT_ALLOWANCE_NANOS = 1_000_000_000L;

	private final Clock clock;

	private final long maximumKeys;

	private final Cache<String, KeyState> states;

	private final Cache<LimitSpec, KeyedAlgorithm> algorithms;

	/**
	 * Creates a store.
	 * @param clock the clock
	 * @param maximumKeys the bound on the number of keys
	 * @param executor where Caffeine's maintenance runs: {@code ForkJoinPool.commonPool()} as before issue 12, or
	 * {@code Runnable::run} for the calling thread
	 */
	public CaffeineRateLimitStore(Clock clock, long maximumKeys, Executor executor) {
		this.clock = clock;
		this.maximumKeys = maximumKeys;
		Clock ticker = this.clock;
		this.states = Caffeine.newBuilder()
			.executor(executor)
			.maximumSize(maximumKeys)
			.ticker(ticker::nanoTime)
			.expireAfter(new IdleExpiry(ticker))
			.evictionListener(CaffeineRateLimitStore::retire)
			.build();
		this.algorithms = Caffeine.newBuilder().maximumSize(MAXIMUM_SPECS).build();
	}

	/** {@inheritDoc} Arguments are not checked: the benchmark passes valid ones. */
	@Override
	public Decision acquire(String key, LimitSpec spec, int permits) {
		for (;;) {
			KeyState state = this.states.getIfPresent(key);
			if (state == null) {
				Creation creation = new Creation(algorithmFor(spec), permits);
				state = this.states.get(key, creation);
				if (creation.decision != null) {
					return creation.decision;
				}
			}
			boolean specChanged;
			Decision decision;
			synchronized (state) {
				KeyedAlgorithm algorithm = state.algorithm;
				if (algorithm == null) {
					// evicted while this thread waited for it: start over with the key's current state
					continue;
				}
				specChanged = algorithm.spec != spec && !algorithm.spec.equals(spec);
				if (specChanged) {
					algorithm = algorithmFor(spec);
				}
				// read under the key's monitor, so that the key's time never runs backwards between threads
				decision = algorithm.acquire(state, nowMicros(algorithm), permits);
			}
			if (specChanged) {
				// the entry's expiry was computed for the previous algorithm
				this.states.asMap().replace(key, state, state);
			}
			return decision;
		}
	}

	/** Marks an evicted state, so that a thread that fetched it before the eviction starts over. */
	private static void retire(String key, KeyState state, RemovalCause cause) {
		if (state != null) {
			synchronized (state) {
				state.algorithm = null;
			}
		}
	}

	private KeyedAlgorithm algorithmFor(LimitSpec spec) {
		return this.algorithms.get(spec, KeyedAlgorithm::of);
	}

	private long nowMicros(KeyedAlgorithm algorithm) {
		return algorithm.usesWallClock() ? this.clock.currentTimeMillis() * 1000
				: Math.floorDiv(this.clock.nanoTime(), 1000);
	}

	@Override
	public String toString() {
		return "CaffeineRateLimitStore[maximumKeys=" + this.maximumKeys + ", keys=" + this.states.estimatedSize()
				+ "]";
	}

	/** Creates the state of a new key and decides its first request, before any other thread can see it. */
	private final class Creation implements Function<String, KeyState> {

		private final KeyedAlgorithm algorithm;

		private final int permits;

		Decision decision;

		Creation(KeyedAlgorithm algorithm, int permits) {
			this.algorithm = algorithm;
			this.permits = permits;
		}

		@Override
		public KeyState apply(String key) {
			KeyState state = new KeyState();
			this.decision = this.algorithm.acquire(state, nowMicros(this.algorithm), this.permits);
			return state;
		}

	}

	/**
	 * Keeps a key until its state is certainly equivalent to a fresh one, counted from its last decision, plus
	 * {@link #LOCK_WAIT_ALLOWANCE_NANOS}: the expiry is renewed when a thread finds the key, its state is updated once
	 * that thread holds the key's monitor.
	 */
	private static final class IdleExpiry implements Expiry<String, KeyState> {

		private final Clock clock;

		IdleExpiry(Clock clock) {
			this.clock = clock;
		}

		private long expiry(KeyState state) {
			KeyedAlgorithm algorithm = state.algorithm;
			if (algorithm == null) {
				return 0;
			}
			long nanos = algorithm.idleExpiryNanos(this.clock);
			return (nanos >= Long.MAX_VALUE - LOCK_WAIT_ALLOWANCE_NANOS) ? Long.MAX_VALUE
					: nanos + LOCK_WAIT_ALLOWANCE_NANOS;
		}

		@Override
		public long expireAfterCreate(String key, KeyState state, long currentTime) {
			return expiry(state);
		}

		@Override
		public long expireAfterUpdate(String key, KeyState state, long currentTime, long currentDuration) {
			return expiry(state);
		}

		/**
		 * Keeps the expiry while it is still far enough, and otherwise extends it to twice what is needed: an entry's
		 * expiry then moves about once per idle-expiry period rather than at every decision, which spares the cache's
		 * timer wheel a reschedule per read.
		 */
		@Override
		public long expireAfterRead(String key, KeyState state, long currentTime, long currentDuration) {
			long needed = expiry(state);
			if (currentDuration >= needed) {
				return currentDuration;
			}
			return (needed >= Long.MAX_VALUE / 2) ? Long.MAX_VALUE : 2 * needed;
		}

	}

}
