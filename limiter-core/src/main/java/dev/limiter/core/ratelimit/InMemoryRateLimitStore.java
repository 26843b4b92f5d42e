package dev.limiter.core.ratelimit;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.limiter.core.Clock;
import dev.limiter.core.InvalidSettingException;

/**
 * A {@link RateLimitStore} keeping per-key state in this JVM, bounded in the number of keys.
 *
 * <p>Every algorithm is computed exactly in integer microseconds, identically to {@code RedisRateLimitStore}: token
 * buckets, sliding windows and unaligned fixed windows on the clock's monotonic {@link Clock#nanoTime()}, aligned
 * fixed windows on its wall clock {@link Clock#currentTimeMillis()} (calendar boundaries need it). See
 * {@link TokenBucketSpec}, {@link FixedWindowSpec} and {@link SlidingWindowSpec} for the models.
 *
 * <p>Memory: never more than {@code maximumKeys} keys are held. The keys are spread over up to 64 segments by hash,
 * each holding at most its share of {@code maximumKeys}; a new key in a full segment evicts one of a few keys of that
 * segment sampled at random: a key whose state is already equivalent to a fresh key's (a full bucket, a window that
 * is over) if there is one, which changes no answer, and otherwise the key that would get there soonest (for keys
 * under the same spec, the least recently used). An evicted key starts afresh (a full bucket, an empty window), so
 * only a full store can change an answer, by forgetting a key in use; a segment fills up slightly before the store
 * does. Keys whose state is fresh again are not removed before their room is needed. The heap retained per key is
 * measured in BENCHMARKS.md.
 *
 * <p>A key's spec may change from one call to the next: a state of the same kind of algorithm carries over as each
 * spec documents, any other state is dropped. {@link #bind bound limiters} key their state by
 * {@code namespace + ':' + key} like {@link #acquire(String, LimitSpec, int)}, without building that string.
 *
 * <p>Thread-safe: a decision holds its segment's monitor only for one table lookup and the arithmetic of one
 * decision, so decisions on one key are serialized and exact. A decision allocates at most the {@link Decision} and
 * its durations.
 */
public final class InMemoryRateLimitStore implements RateLimitStore {

	/** The default bound on the number of keys. */
	public static final long DEFAULT_MAXIMUM_KEYS = 100_000;

	private static final int MAXIMUM_SPECS = 1024;

	private static final int MAXIMUM_SEGMENTS = 64;

	/** Keys per segment below which the store has fewer segments. */
	private static final int MINIMUM_SEGMENT_KEYS = 1024;

	/** Powers of 31 (mod 2^32) for the hash of a concatenation: the hash of a string of up to this many chars. */
	private static final int[] POWERS_OF_31 = powersOf31(256);

	private final Clock clock;

	private final long maximumKeys;

	private final KeyTable.Segment[] segments;

	private final int segmentMask;

	private final Cache<LimitSpec, KeyedAlgorithm> algorithms;

	/** The interned {@code namespace + ':'} of each bound namespace, so that equal prefixes are the same object. */
	private final ConcurrentHashMap<String, String> prefixes = new ConcurrentHashMap<>();

	/** The algorithm of the spec last asked for, which saves a cache lookup while one spec is in use. */
	private volatile KeyedAlgorithm lastAlgorithm;

	private InMemoryRateLimitStore(Builder builder) {
		this.clock = builder.clock;
		this.maximumKeys = builder.maximumKeys;
		int count = segmentCount(builder.maximumKeys);
		this.segments = new KeyTable.Segment[count];
		for (int i = 0; i < count; i++) {
			long share = builder.maximumKeys / count + ((i < builder.maximumKeys % count) ? 1 : 0);
			this.segments[i] = new KeyTable.Segment((int) Math.min(share, KeyTable.MAXIMUM_SEGMENT_KEYS), i);
		}
		this.segmentMask = count - 1;
		// maintenance on the calling thread: a spec is added rarely, and never on the common pool
		this.algorithms = Caffeine.newBuilder().maximumSize(MAXIMUM_SPECS).executor(Runnable::run).build();
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
		checkPermits(permits);
		KeyedAlgorithm algorithm = this.lastAlgorithm;
		if (algorithm == null || algorithm.spec != spec) {
			algorithm = algorithmFor(spec);
			this.lastAlgorithm = algorithm;
		}
		return decide("", key, key.hashCode(), algorithm, permits);
	}

	/**
	 * {@inheritDoc}
	 * <p>Always {@code true}: the in-memory store decides at once, on the caller's thread.
	 */
	@Override
	public boolean decidesAsyncWithoutBlocking() {
		return true;
	}

	/**
	 * {@inheritDoc}
	 * <p>The bound limit shares the keys of {@link #acquire(String, LimitSpec, int)}: its key {@code k} is the
	 * store's key {@code namespace + ':' + k}, which it neither builds nor keeps.
	 * @throws IllegalArgumentException if the spec cannot be computed exactly (see its javadoc)
	 */
	@Override
	public BoundLimit bind(String namespace, LimitSpec spec, int leasePermits) {
		Objects.requireNonNull(namespace, "namespace must not be null");
		Objects.requireNonNull(spec, "spec must not be null");
		String prefix = this.prefixes.computeIfAbsent(namespace, (name) -> name + ':');
		return new InMemoryBoundLimit(prefix, algorithmFor(spec));
	}

	/**
	 * Returns the number of keys held.
	 * @return the number of keys, at most {@code maximumKeys}
	 */
	public long estimatedKeyCount() {
		long count = 0;
		for (KeyTable.Segment segment : this.segments) {
			synchronized (segment) {
				count += segment.size();
			}
		}
		return count;
	}

	/**
	 * Returns the bound on the number of keys.
	 * @return the maximum number of keys
	 */
	public long maximumKeys() {
		return this.maximumKeys;
	}

	/** Removes every key whose state is equivalent to a fresh key's (for tests). */
	void cleanUp() {
		long nowNanos = this.clock.nanoTime();
		for (KeyTable.Segment segment : this.segments) {
			synchronized (segment) {
				segment.removeFresh(nowNanos);
			}
		}
	}

	/**
	 * Returns how long until a key's state is equivalent to a fresh key's if the key stays idle, or empty when the key
	 * is not held (for tests).
	 */
	Optional<Duration> timeToLive(String key) {
		KeyTable.Segment segment = segmentOf(key.hashCode());
		synchronized (segment) {
			int slot = segment.find(KeyTable.mix(key.hashCode()), "", key);
			if (slot < 0) {
				return Optional.empty();
			}
			long deadline = segment.freshAtNanos(slot);
			return Optional.of(Duration.ofNanos(
					(deadline == Long.MAX_VALUE) ? Long.MAX_VALUE : Math.max(0, deadline - this.clock.nanoTime())));
		}
	}

	/** Returns a copy of a key's state, or {@code null} when the key is not held (for tests). */
	KeyState state(String key) {
		KeyTable.Segment segment = segmentOf(key.hashCode());
		synchronized (segment) {
			int slot = segment.find(KeyTable.mix(key.hashCode()), "", key);
			if (slot < 0) {
				return null;
			}
			KeyState state = new KeyState();
			segment.load(slot, state);
			return state;
		}
	}

	private static void checkPermits(int permits) {
		if (permits < 1) {
			throw new IllegalArgumentException("permits must be >= 1 (was " + permits + ")");
		}
	}

	private KeyTable.Segment segmentOf(int hash) {
		return this.segments[KeyTable.mix(hash) & this.segmentMask];
	}

	/**
	 * Decides for the key {@code prefix + key}, whose {@link String#hashCode()} is {@code hash}, under the monitor of
	 * its segment.
	 */
	private Decision decide(String prefix, String key, int hash, KeyedAlgorithm algorithm, int permits) {
		int mixed = KeyTable.mix(hash);
		KeyTable.Segment segment = this.segments[mixed & this.segmentMask];
		synchronized (segment) {
			int slot = segment.find(mixed, prefix, key);
			KeyState state = segment.scratch;
			if (slot >= 0) {
				segment.load(slot, state);
			}
			else {
				state.algorithm = null;
				state.referenceMicros = 0;
				state.count = 0;
				state.previousCount = 0;
			}
			// read under the segment's monitor, so that the key's time never runs backwards between threads
			long nowNanos = this.clock.nanoTime();
			long nowMicros = algorithm.usesWallClock() ? this.clock.currentTimeMillis() * 1000
					: Math.floorDiv(nowNanos, 1000);
			Decision decision = algorithm.acquire(state, nowMicros, permits);
			long idle = algorithm.idleExpiryNanos(this.clock);
			long freshAt = (idle >= Long.MAX_VALUE - Math.max(0, nowNanos)) ? Long.MAX_VALUE : nowNanos + idle;
			if (slot < 0) {
				slot = segment.insert(mixed, prefix, key, nowNanos);
			}
			segment.store(slot, state, freshAt);
			return decision;
		}
	}

	private KeyedAlgorithm algorithmFor(LimitSpec spec) {
		return this.algorithms.get(spec, KeyedAlgorithm::of);
	}

	/** Returns the hash of {@code prefix + key} from the hashes of both, as {@link String#hashCode()} defines it. */
	static int concatenatedHash(int prefixHash, String key) {
		return prefixHash * powerOf31(key.length()) + key.hashCode();
	}

	private static int powerOf31(int exponent) {
		if (exponent < POWERS_OF_31.length) {
			return POWERS_OF_31[exponent];
		}
		int result = 1;
		int base = 31;
		for (int e = exponent; e != 0; e >>>= 1) {
			if ((e & 1) != 0) {
				result *= base;
			}
			base *= base;
		}
		return result;
	}

	private static int[] powersOf31(int count) {
		int[] powers = new int[count];
		int power = 1;
		for (int i = 0; i < count; i++) {
			powers[i] = power;
			power *= 31;
		}
		return powers;
	}

	private static int segmentCount(long maximumKeys) {
		return (int) Math.min(Long.highestOneBit(Math.max(1, maximumKeys / MINIMUM_SEGMENT_KEYS)), MAXIMUM_SEGMENTS);
	}

	@Override
	public String toString() {
		return "InMemoryRateLimitStore[maximumKeys=" + this.maximumKeys + ", keys=" + estimatedKeyCount() + "]";
	}

	/** One limiter bound to this store: its keys are {@code prefix + key}. */
	private final class InMemoryBoundLimit implements BoundLimit {

		private final String prefix;

		private final int prefixHash;

		private final KeyedAlgorithm algorithm;

		InMemoryBoundLimit(String prefix, KeyedAlgorithm algorithm) {
			this.prefix = prefix;
			this.prefixHash = prefix.hashCode();
			this.algorithm = algorithm;
		}

		@Override
		public Decision acquire(String key, int permits) {
			Objects.requireNonNull(key, "key must not be null");
			checkPermits(permits);
			return decide(this.prefix, key, concatenatedHash(this.prefixHash, key), this.algorithm, permits);
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
		 * Sets the maximum number of keys kept (default {@value InMemoryRateLimitStore#DEFAULT_MAXIMUM_KEYS}). A store
		 * holds at most 2<sup>30</sup> keys, whatever the bound.
		 * @param maximumKeys the bound, at least 1
		 * @return this builder
		 * @throws IllegalArgumentException if {@code maximumKeys < 1}
		 */
		public Builder maximumKeys(long maximumKeys) {
			if (maximumKeys < 1) {
				throw InvalidSettingException.of("maximumKeys", maximumKeys, "must be >= 1");
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
