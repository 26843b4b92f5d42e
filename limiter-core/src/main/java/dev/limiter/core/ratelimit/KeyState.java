package dev.limiter.core.ratelimit;

/**
 * The mutable state of one key: the algorithm that last decided for it and three longs whose meaning that algorithm
 * defines (see {@link TokenBucketAlgorithm}, {@link FixedWindowAlgorithm} and {@link SlidingWindowAlgorithm}).
 *
 * <p>A state whose {@link #algorithm} is {@code null} has never admitted anything and behaves like a key seen for
 * the first time. Not thread-safe: the in-memory store updates a state only while holding its monitor.
 */
final class KeyState {

	/** The algorithm the longs belong to, or {@code null} for a fresh key. */
	KeyedAlgorithm algorithm;

	long a;

	long b;

	long c;

	KeyState() {
	}

	KeyState(KeyedAlgorithm algorithm) {
		this.algorithm = algorithm;
	}

	/** Forgets everything: the key behaves as if it had never been seen. */
	void clear() {
		this.algorithm = null;
		this.a = 0;
		this.b = 0;
		this.c = 0;
	}

	@Override
	public String toString() {
		return "KeyState[" + this.algorithm + ", a=" + this.a + ", b=" + this.b + ", c=" + this.c + "]";
	}

}
