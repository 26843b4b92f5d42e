package dev.limiter.core.ratelimit;

/**
 * Keeps the per-key state of keyed rate limits and decides requests against it: in memory
 * ({@link InMemoryRateLimitStore}) or in Redis ({@code RedisRateLimitStore}).
 *
 * <p>A decision reads a key's state, applies the spec's algorithm at the store's current time and writes the new
 * state back, atomically per key; a refused request takes nothing. The stores of this project share the
 * algorithms, so they answer alike.
 */
public interface RateLimitStore {

	/**
	 * Takes {@code permits} from {@code key} under {@code spec}, or refuses taking anything.
	 * @param key the key, such as a client address or an API key
	 * @param spec the limit that applies to the key
	 * @param permits how many permits to take, at least 1
	 * @return the decision
	 */
	Decision acquire(String key, LimitSpec spec, int permits);

}
