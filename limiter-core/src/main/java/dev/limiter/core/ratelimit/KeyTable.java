package dev.limiter.core.ratelimit;

/**
 * The hash table of {@link InMemoryRateLimitStore}: segments of open addressing (linear probing) holding each key's
 * {@link KeyState} as primitives, bounded in size, evicting by sampling.
 */
final class KeyTable {

	/** The most keys one segment holds. */
	static final int MAXIMUM_SEGMENT_KEYS = 1 << 24;

	/** How many keys an eviction compares when none of those it scans is fresh. */
	static final int EVICTION_SAMPLES = 5;

	/** How many keys an eviction looks through for one whose state is fresh. */
	static final int EVICTION_SCAN = 64;

	private KeyTable() {
	}

	/** Spreads a {@link String#hashCode()} over all bits (MurmurHash3's finalizer). */
	static int mix(int hash) {
		int h = hash;
		h ^= h >>> 16;
		h *= 0x85ebca6b;
		h ^= h >>> 13;
		h *= 0xc2b2ae35;
		h ^= h >>> 16;
		return h;
	}

	/** Returns whether {@code prefix1 + key1} equals {@code prefix2 + key2}, without concatenating. */
	static boolean sameKey(String prefix1, String key1, String prefix2, String key2) {
		if (prefix1 == prefix2) {
			return key1.equals(key2);
		}
		int length = prefix1.length() + key1.length();
		if (length != prefix2.length() + key2.length()) {
			return false;
		}
		for (int i = 0; i < length; i++) {
			if (charAt(prefix1, key1, i) != charAt(prefix2, key2, i)) {
				return false;
			}
		}
		return true;
	}

	private static char charAt(String prefix, String key, int index) {
		return (index < prefix.length()) ? prefix.charAt(index) : key.charAt(index - prefix.length());
	}

	/**
	 * One segment: at most {@code maximumSize} keys in a linear-probing table that grows by doubling up to a load of
	 * 0.7 at its maximum size. Slot {@code i} is {@code words[5i .. 5i+4]} (the key's tag, the state's three longs, the
	 * nanosecond its state is fresh again) and {@code refs[3i .. 3i+2]} (the key, its prefix, the algorithm). Not
	 * thread-safe: its owner holds its monitor.
	 */
	static final class Segment {

		private static final int WORDS = 5;

		private static final int REFS = 3;

		private static final int TAG = 0;

		private static final int FRESH_AT = 4;

		private static final int INITIAL_CAPACITY = 16;

		/** Set in every tag, so that 0 marks an empty slot. */
		private static final long OCCUPIED = 1L << 32;

		/** A state reused by every decision of this segment, under its monitor. */
		final KeyState scratch = new KeyState();

		private final int maximumSize;

		private final int maximumCapacity;

		private int capacity;

		private int size;

		private long[] words;

		private Object[] refs;

		private int random;

		Segment(int maximumSize, int seed) {
			this.maximumSize = maximumSize;
			this.maximumCapacity = (int) Math.max(INITIAL_CAPACITY, (long) maximumSize * 10 / 7 + 1);
			this.capacity = Math.min(INITIAL_CAPACITY, this.maximumCapacity);
			this.words = new long[this.capacity * WORDS];
			this.refs = new Object[this.capacity * REFS];
			this.random = mix(seed + 1) | 1;
		}

		int size() {
			return this.size;
		}

		/**
		 * Finds a key.
		 * @param hash the key's mixed hash
		 * @return its slot, or a negative value when absent
		 */
		int find(int hash, String prefix, String key) {
			long tag = tag(hash);
			long[] words = this.words;
			Object[] refs = this.refs;
			int slot = home(hash, this.capacity);
			for (;;) {
				long word = words[slot * WORDS + TAG];
				if (word == 0) {
					return -1;
				}
				if (word == tag && sameKey((String) refs[slot * REFS + 1], (String) refs[slot * REFS], prefix, key)) {
					return slot;
				}
				slot = next(slot);
			}
		}

		/**
		 * Adds an absent key, first evicting one when the segment is full.
		 * @return the key's slot, whose state the caller then stores
		 */
		int insert(int hash, String prefix, String key, long nowNanos) {
			if (this.size >= this.maximumSize) {
				evict(nowNanos);
			}
			if (this.capacity < this.maximumCapacity && (long) (this.size + 1) * 4 > (long) this.capacity * 3) {
				resize((int) Math.min((long) this.capacity * 2, this.maximumCapacity));
			}
			int slot = home(hash, this.capacity);
			while (this.words[slot * WORDS + TAG] != 0) {
				slot = next(slot);
			}
			this.words[slot * WORDS + TAG] = tag(hash);
			this.refs[slot * REFS] = key;
			this.refs[slot * REFS + 1] = prefix;
			this.size++;
			return slot;
		}

		/** Copies a slot's state into {@code state}. */
		void load(int slot, KeyState state) {
			int base = slot * WORDS;
			state.algorithm = (KeyedAlgorithm) this.refs[slot * REFS + 2];
			state.referenceMicros = this.words[base + 1];
			state.count = this.words[base + 2];
			state.previousCount = this.words[base + 3];
		}

		/** Copies {@code state} into a slot, with the nanosecond from which it is equivalent to a fresh one. */
		void store(int slot, KeyState state, long freshAtNanos) {
			int base = slot * WORDS;
			this.refs[slot * REFS + 2] = state.algorithm;
			this.words[base + 1] = state.referenceMicros;
			this.words[base + 2] = state.count;
			this.words[base + 3] = state.previousCount;
			this.words[base + FRESH_AT] = freshAtNanos;
		}

		long freshAtNanos(int slot) {
			return this.words[slot * WORDS + FRESH_AT];
		}

		/** Removes every key whose state is fresh at {@code nowNanos}. */
		void removeFresh(long nowNanos) {
			int slot = 0;
			while (slot < this.capacity) {
				if (this.words[slot * WORDS + TAG] != 0 && this.words[slot * WORDS + FRESH_AT] <= nowNanos) {
					// the slot may now hold a key moved back from further on: look at it again
					remove(slot);
				}
				else {
					slot++;
				}
			}
		}

		/**
		 * Evicts a key: the first whose state is fresh among up to {@link #EVICTION_SCAN} keys at or after a random
		 * slot, else the one fresh soonest among the first {@link #EVICTION_SAMPLES} of them.
		 */
		private void evict(long nowNanos) {
			int slot = occupiedFrom(home(nextRandom(), this.capacity));
			int victim = slot;
			long victimFreshAt = this.words[slot * WORDS + FRESH_AT];
			for (int i = 1; i < EVICTION_SCAN && i < this.size && victimFreshAt > nowNanos; i++) {
				slot = occupiedFrom(next(slot));
				long freshAt = this.words[slot * WORDS + FRESH_AT];
				if (freshAt <= nowNanos || (i < EVICTION_SAMPLES && freshAt < victimFreshAt)) {
					victim = slot;
					victimFreshAt = freshAt;
				}
			}
			remove(victim);
		}

		private int occupiedFrom(int start) {
			int slot = start;
			while (this.words[slot * WORDS + TAG] == 0) {
				slot = next(slot);
			}
			return slot;
		}

		private int nextRandom() {
			int x = this.random;
			x ^= x << 13;
			x ^= x >>> 17;
			x ^= x << 5;
			this.random = x;
			return x;
		}

		/** Empties a slot, moving back the keys after it that probed past it (no tombstones). */
		private void remove(int slot) {
			int hole = slot;
			int current = slot;
			for (;;) {
				current = next(current);
				long word = this.words[current * WORDS + TAG];
				if (word == 0) {
					break;
				}
				int home = home((int) word, this.capacity);
				// the key at current stays if its home lies cyclically in (hole, current]
				boolean stays = (hole <= current) ? (hole < home && home <= current) : (hole < home || home <= current);
				if (!stays) {
					System.arraycopy(this.words, current * WORDS, this.words, hole * WORDS, WORDS);
					System.arraycopy(this.refs, current * REFS, this.refs, hole * REFS, REFS);
					hole = current;
				}
			}
			for (int i = 0; i < WORDS; i++) {
				this.words[hole * WORDS + i] = 0;
			}
			for (int i = 0; i < REFS; i++) {
				this.refs[hole * REFS + i] = null;
			}
			this.size--;
		}

		private void resize(int newCapacity) {
			long[] oldWords = this.words;
			Object[] oldRefs = this.refs;
			int oldCapacity = this.capacity;
			this.capacity = newCapacity;
			this.words = new long[newCapacity * WORDS];
			this.refs = new Object[newCapacity * REFS];
			for (int old = 0; old < oldCapacity; old++) {
				long word = oldWords[old * WORDS + TAG];
				if (word != 0) {
					int slot = home((int) word, newCapacity);
					while (this.words[slot * WORDS + TAG] != 0) {
						slot = next(slot);
					}
					System.arraycopy(oldWords, old * WORDS, this.words, slot * WORDS, WORDS);
					System.arraycopy(oldRefs, old * REFS, this.refs, slot * REFS, REFS);
				}
			}
		}

		private int next(int slot) {
			int next = slot + 1;
			return (next == this.capacity) ? 0 : next;
		}

		private static long tag(int hash) {
			return OCCUPIED | (hash & 0xFFFF_FFFFL);
		}

		/** The first slot probed for a hash: its high bits scaled to the capacity (the low bits chose the segment). */
		private static int home(int hash, int capacity) {
			return (int) (((hash * 0x9E3779B9) & 0xFFFF_FFFFL) * capacity >>> 32);
		}

	}

}
