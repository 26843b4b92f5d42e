package dev.limiter.core.ratelimit;

/**
 * The mutable state of one key: the algorithm that last decided for it, the key's reference time and one or two
 * counts, whose exact meaning that algorithm defines (see {@link TokenBucketAlgorithm}, {@link FixedWindowAlgorithm}
 * and {@link SlidingWindowAlgorithm}).
 *
 * <p>A state whose {@link #algorithm} is {@code null} behaves like a key seen for the first time (as an evicted key
 * does). Not thread-safe: the in-memory store updates a state only while holding its segment's monitor.
 */
final class KeyState {

	/** The algorithm the longs belong to, or {@code null} for a fresh key. */
	KeyedAlgorithm algorithm;

	/**
	 * The microsecond the counts are measured from: when the token bucket's tokens were counted (x/time's
	 * {@code last}); the first microsecond of a window.
	 */
	long referenceMicros;

	/** The token bucket's tokens, in its units; the permits taken in the current window. */
	long count;

	/** The sliding window's permits taken in the window before the current one; 0 for the other algorithms. */
	long previousCount;

	KeyState() {
	}

	KeyState(KeyedAlgorithm algorithm) {
		this.algorithm = algorithm;
	}

	@Override
	public String toString() {
		return "KeyState[" + this.algorithm + ", referenceMicros=" + this.referenceMicros + ", count=" + this.count
				+ ", previousCount=" + this.previousCount + "]";
	}

}
