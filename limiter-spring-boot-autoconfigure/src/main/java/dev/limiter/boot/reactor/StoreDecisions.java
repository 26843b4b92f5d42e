package dev.limiter.boot.reactor;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import dev.limiter.core.ratelimit.RateLimitStore;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A rate limit store's asynchronous decision as a {@link Mono}, for callers that must not block a Reactor thread: the
 * decision is asked at each subscription; a store that may block
 * ({@link RateLimitStore#decidesAsyncWithoutBlocking()} false: Redis over Jedis, a store of the application's) is
 * asked on {@code boundedElastic}; and whenever the answer comes later than the asking, the subscriber goes on on
 * Reactor's {@code parallel} scheduler, never on the thread that completed the store's stage (Lettuce's I/O thread,
 * the store's timeout thread) nor on {@code boundedElastic}.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class StoreDecisions {

	private StoreDecisions() {
	}

	/**
	 * Returns the decision of a store, asked anew at each subscription.
	 * @param <T> the type of the answer
	 * @param store the store that decides, for whether it may block
	 * @param ask asks the store; its stage completes with the answer
	 * @return the answer
	 */
	public static <T> Mono<T> decide(RateLimitStore store, Supplier<? extends CompletionStage<? extends T>> ask) {
		Mono<T> decision = Mono.defer(() -> {
			CompletionStage<? extends T> stage = ask.get();
			Mono<T> answer = Mono.fromCompletionStage(stage);
			return (stage instanceof CompletableFuture<?> future && future.isDone()) ? answer
					: answer.publishOn(Schedulers.parallel());
		});
		return store.decidesAsyncWithoutBlocking() ? decision
				: decision.subscribeOn(Schedulers.boundedElastic()).publishOn(Schedulers.parallel());
	}

}
