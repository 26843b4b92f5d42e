package dev.limiter.core.ratelimit;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Keeps the per-key state of keyed rate limits and decides requests against it: in memory
 * ({@link InMemoryRateLimitStore}) or in Redis ({@code RedisRateLimitStore}).
 *
 * <p>A decision reads a key's state, applies the spec's algorithm at the store's current time and writes the new
 * state back, atomically per key; a refused request takes nothing. The stores of this project share the
 * algorithms, so they answer alike.
 *
 * <p>Each decision has an asynchronous form for callers that must not wait, such as reactive web filters: a store
 * that calls a server (Redis) completes it when the server answers; the others complete it at once.
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

	/**
	 * Takes {@code permits} from {@code key} as {@link #acquire(String, LimitSpec, int)} does, without waiting for a
	 * server. The default decides on the caller's thread and returns a completed stage: right for a store that never
	 * waits (the in-memory one); a store that talks to a server overrides it, since WebFlux applications call it from
	 * event-loop threads.
	 * @param key the key, such as a client address or an API key
	 * @param spec the limit that applies to the key
	 * @param permits how many permits to take, at least 1
	 * @return the decision, when made
	 */
	default CompletionStage<Decision> acquireAsync(String key, LimitSpec spec, int permits) {
		return CompletableFuture.completedFuture(acquire(key, spec, permits));
	}

	/**
	 * Whether {@link #acquireAsync} never waits on the caller's thread: {@code true} for a store that decides at once
	 * in memory, or that answers from a server without a thread waiting for it. WebFlux callers ask a store that says
	 * {@code false} (the default) on a thread that may block.
	 * @return whether asynchronous decisions never block the calling thread
	 */
	default boolean decidesAsyncWithoutBlocking() {
		return false;
	}

	/**
	 * Binds one limiter to this store: its keys are {@code namespace + ':' + key} and its spec is fixed, so that a
	 * store can decide for them without rebuilding anything per call. The default concatenates and calls
	 * {@link #acquire(String, LimitSpec, int)} (or {@link #acquireAsync}); stores override it to do better, and a
	 * store that can lease permits (the Redis store) takes {@code leasePermits} as the most one lease may hold.
	 * Stores that cannot lease ignore it.
	 * @param namespace the limiter's name
	 * @param spec the limit that applies to every key of the limiter
	 * @param leasePermits the most permits a lease may hold, 0 for none
	 * @return the bound limit
	 */
	default BoundLimit bind(String namespace, LimitSpec spec, int leasePermits) {
		String prefix = namespace + ':';
		return new BoundLimit() {

			@Override
			public Decision acquire(String key, int permits) {
				return RateLimitStore.this.acquire(prefix + key, spec, permits);
			}

			@Override
			public CompletionStage<Decision> acquireAsync(String key, int permits) {
				return RateLimitStore.this.acquireAsync(prefix + key, spec, permits);
			}

		};
	}

	/** One limiter's spec and namespace bound to a store (see {@link RateLimitStore#bind}). Thread-safe. */
	@FunctionalInterface
	interface BoundLimit {

		/**
		 * Takes {@code permits} from the limiter's {@code key}, or refuses taking anything.
		 * @param key the key within the limiter's namespace
		 * @param permits how many permits to take, at least 1
		 * @return the decision
		 */
		Decision acquire(String key, int permits);

		/**
		 * Takes {@code permits} from the limiter's {@code key} as {@link #acquire(String, int)} does, without waiting
		 * for a server. The default decides on the caller's thread and returns a completed stage.
		 * @param key the key within the limiter's namespace
		 * @param permits how many permits to take, at least 1
		 * @return the decision, when made
		 */
		default CompletionStage<Decision> acquireAsync(String key, int permits) {
			return CompletableFuture.completedFuture(acquire(key, permits));
		}

	}

}
