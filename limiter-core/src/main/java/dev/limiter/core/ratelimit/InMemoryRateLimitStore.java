package dev.limiter.core.ratelimit;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

import dev.limiter.core.Clock;

/**
 * A {@link RateLimitStore} keeping per-key state in this JVM, bounded in the number of keys.
 *
 * <p>Every algorithm is computed exactly in integer microseconds, identically to {@code RedisRateLimitStore}: token
 * buckets, sliding windows and unaligned fixed windows on the clock's monotonic {@link Clock#nanoTime()}, aligned
 * fixed windows on its wall clock {@link Clock#currentTimeMillis()} (calendar boundaries need it). See
 * {@link TokenBucketSpec}, {@link FixedWindowSpec} and {@link SlidingWindowSpec} for the models.
 *
 * <p>Memory: at most {@code maximumKeys} keys are kept (least recently and frequently used keys go first, Caffeine's
 * W-TinyLFU); only that bound can change an answer, by forgetting a key in use. Besides, a key idle for long enough
 * that its state equals a fresh key's (a full bucket, a window that is over) is dropped, which never changes an
 * answer. About 200 bytes per key are retained, key included.
 *
 * <p>A key's spec may change from one call to the next: a state of the same kind of algorithm carries over as each
 * spec documents, any other state is dropped.
 *
 * <p>Thread-safe without a global lock: each key's state is updated under its own monitor, held for a few dozen
 * nanoseconds. A decision on a known key allocates only the {@link Decision} and its durations.
 */
public final class InMemoryRateLimitStore implements RateLimitStore {

	/** The default bound on the number of keys. */
	public static final long DEFAULT_MAXIMUM_KEYS = 100_000;

	private static final int MAXIMUM_SPECS = 1024;

	private final Clock clock;

	private final long maximumKeys;

	private final Cache<String, KeyState> states;

	private final Cache<LimitSpec, KeyedAlgorithm> algorithms;

	private InMemoryRateLimitStore(Builder builder) {
		this.clock = builder.clock;
		this.maximumKeys = builder.maximumKeys;
		Clock ticker = this.clock;
		this.states = Caffeine.newBuilder()
			.maximumSize(builder.maximumKeys)
			.ticker(ticker::nanoTime)
			.expireAfter(new IdleExpiry(ticker))
			.build();
		this.algorithms = Caffeine.newBuilder().maximumSize(MAXIMUM_SPECS).build();
	}

	/**
	 * Returns a builder: the system clock and {@value #DEFAULT_MAXIMUM_KEYS} keys unless told otherwise.
	 * @return a new builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * {@inheritDoc}
	 * @throws IllegalArgumentException if {@code permits < 1}, or if the spec cannot be computed exactly (see its
	 * javadoc)
	 */
	@Override
	public Decision acquire(String key, LimitSpec spec, int permits) {
		Objects.requireNonNull(key, "key must not be null");
		Objects.requireNonNull(spec, "spec must not be null");
		if (permits < 1) {
			throw new IllegalArgumentException("permits must be >= 1 (was " + permits + ")");
		}
		// read before the cache renews the entry's expiry, so the expiry is never earlier than the state needs
		long nowNanos = this.clock.nanoTime();
		KeyState state = this.states.getIfPresent(key);
		if (state == null) {
			Creation creation = new Creation(algorithmFor(spec), nowNanos, permits);
			state = this.states.get(key, creation);
			if (creation.decision != null) {
				return creation.decision;
			}
		}
		boolean specChanged;
		Decision decision;
		synchronized (state) {
			KeyedAlgorithm algorithm = state.algorithm;
			specChanged = algorithm.spec != spec && !algorithm.spec.equals(spec);
			if (specChanged) {
				algorithm = algorithmFor(spec);
			}
			decision = algorithm.acquire(state, nowMicros(algorithm, nowNanos), permits);
		}
		if (specChanged) {
			// the entry's expiry was computed for the previous algorithm
			this.states.asMap().replace(key, state, state);
		}
		return decision;
	}

	/**
	 * Returns the approximate number of keys held.
	 * @return the number of keys, at most {@code maximumKeys} once pending evictions are done
	 */
	public long estimatedKeyCount() {
		return this.states.estimatedSize();
	}

	/**
	 * Returns the bound on the number of keys.
	 * @return the maximum number of keys
	 */
	public long maximumKeys() {
		return this.maximumKeys;
	}

	/** Performs pending evictions now (for tests). */
	void cleanUp() {
		this.states.cleanUp();
	}

	/** Returns how long a key's state will be kept if the key stays idle, or empty when there is none (for tests). */
	Optional<Duration> timeToLive(String key) {
		return this.states.policy().expireVariably().orElseThrow().getExpiresAfter(key);
	}

	/** Returns a key's state, or {@code null} (for tests). */
	KeyState state(String key) {
		return this.states.getIfPresent(key);
	}

	private KeyedAlgorithm algorithmFor(LimitSpec spec) {
		return this.algorithms.get(spec, KeyedAlgorithm::of);
	}

	private long nowMicros(KeyedAlgorithm algorithm, long nowNanos) {
		return algorithm.usesWallClock() ? this.clock.currentTimeMillis() * 1000 : Math.floorDiv(nowNanos, 1000);
	}

	@Override
	public String toString() {
		return "InMemoryRateLimitStore[maximumKeys=" + this.maximumKeys + ", keys=" + this.states.estimatedSize()
				+ "]";
	}

	/** Creates the state of a new key and decides its first request, before any other thread can see it. */
	private final class Creation implements Function<String, KeyState> {

		private final KeyedAlgorithm algorithm;

		private final long nowNanos;

		private final int permits;

		Decision decision;

		Creation(KeyedAlgorithm algorithm, long nowNanos, int permits) {
			this.algorithm = algorithm;
			this.nowNanos = nowNanos;
			this.permits = permits;
		}

		@Override
		public KeyState apply(String key) {
			KeyState state = new KeyState();
			this.decision = this.algorithm.acquire(state, nowMicros(this.algorithm, this.nowNanos), this.permits);
			return state;
		}

	}

	/** Keeps a key until its state is certainly equivalent to a fresh one, counted from its last decision. */
	private static final class IdleExpiry implements Expiry<String, KeyState> {

		private final Clock clock;

		IdleExpiry(Clock clock) {
			this.clock = clock;
		}

		private long expiry(KeyState state) {
			KeyedAlgorithm algorithm = state.algorithm;
			return (algorithm != null) ? algorithm.idleExpiryNanos(this.clock) : Long.MAX_VALUE;
		}

		@Override
		public long expireAfterCreate(String key, KeyState state, long currentTime) {
			return expiry(state);
		}

		@Override
		public long expireAfterUpdate(String key, KeyState state, long currentTime, long currentDuration) {
			return expiry(state);
		}

		@Override
		public long expireAfterRead(String key, KeyState state, long currentTime, long currentDuration) {
			return expiry(state);
		}

	}

	/** Builds an {@link InMemoryRateLimitStore}. Not thread-safe. */
	public static final class Builder {

		private Clock clock = Clock.system();

		private long maximumKeys = DEFAULT_MAXIMUM_KEYS;

		private Builder() {
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
		 * Sets the maximum number of keys kept (default {@value InMemoryRateLimitStore#DEFAULT_MAXIMUM_KEYS}).
		 * @param maximumKeys the bound, at least 1
		 * @return this builder
		 * @throws IllegalArgumentException if {@code maximumKeys < 1}
		 */
		public Builder maximumKeys(long maximumKeys) {
			if (maximumKeys < 1) {
				throw new IllegalArgumentException("maximumKeys must be >= 1 (was " + maximumKeys + ")");
			}
			this.maximumKeys = maximumKeys;
			return this;
		}

		/**
		 * Builds the store.
		 * @return a new, empty store
		 */
		public InMemoryRateLimitStore build() {
			return new InMemoryRateLimitStore(this);
		}

	}

}
