package dev.limiter.core.ratelimit;

/**
 * The mutable state of one key: the algorithm that last decided for it and three longs whose meaning that algorithm
 * defines (see {@link TokenBucketAlgorithm}, {@link FixedWindowAlgorithm} and {@link SlidingWindowAlgorithm}).
 *
 * <p>A state whose {@link #algorithm} is {@code null} behaves like a key seen for the first time (the in-memory store
 * also sets it to {@code null} when it evicts the state). Not thread-safe: the in-memory store updates a state only
 * while holding its monitor.
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

	@Override
	public String toString() {
		return "KeyState[" + this.algorithm + ", a=" + this.a + ", b=" + this.b + ", c=" + this.c + "]";
	}

}
