package dev.limiter.boot.aop;

import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.limiter.boot.reactor.StoreDecisions;
import dev.limiter.core.ratelimit.RateLimitStore;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * The Reactor side of {@link LimiterAspect}: methods returning {@link Mono} or {@link Flux} are decided at
 * subscription, and their outcome taken when the subscription ends. The only class of the aspect that refers to
 * Reactor, used only when Reactor is on the class path, so a servlet application without it loads no Reactor class.
 */
final class ReactorCalls {

	private ReactorCalls() {
	}

	/**
	 * Returns whether a method's return type is one the aspect decides at subscription.
	 * @param returnType the declared return type
	 * @return whether it is {@code Mono} or {@code Flux}
	 */
	static boolean decidesAtSubscription(Class<?> returnType) {
		return returnType == Mono.class || returnType == Flux.class;
	}

	/**
	 * Defers a call to each subscription: the body (the decision, then the call) runs anew for every subscriber, and
	 * what it throws is the publisher's error.
	 * @param returnType {@code Mono} or {@code Flux}
	 * @param body gives the publisher to subscribe to
	 * @return the deferred publisher, of the return type
	 */
	static Object defer(Class<?> returnType, LimiterAspect.Call body) {
		if (returnType == Mono.class) {
			return Mono.defer(() -> (Mono<?>) publisher(body, Mono::error));
		}
		return Flux.defer(() -> publisher(body, Flux::error));
	}

	/**
	 * Defers a call to each subscription, after an asynchronous decision: the call goes on once the decision's stage
	 * completes, on the thread {@link StoreDecisions} says, and the stage's failure is the publisher's error.
	 * @param returnType {@code Mono} or {@code Flux}
	 * @param store the store that decides
	 * @param decision starts the decision; its stage fails to refuse the call
	 * @param body gives the publisher to subscribe to
	 * @return the deferred publisher, of the return type
	 */
	static Object deferAfter(Class<?> returnType, RateLimitStore store, Supplier<CompletionStage<?>> decision,
			LimiterAspect.Call body) {
		Mono<Void> decided = StoreDecisions.<Object>decide(store, decision)
			.onErrorMap(CompletionException.class, (ex) -> (ex.getCause() != null) ? ex.getCause() : ex)
			.then();
		if (returnType == Mono.class) {
			return decided.then(Mono.defer(() -> (Mono<?>) publisher(body, Mono::error)));
		}
		return decided.thenMany(Flux.defer(() -> publisher(body, Flux::error)));
	}

	private static Publisher<?> publisher(LimiterAspect.Call body, Function<Throwable, Publisher<?>> error) {
		try {
			Object publisher = body.run();
			return (publisher != null) ? (Publisher<?>) publisher
					: error.apply(new NullPointerException("The method returned null instead of a publisher"));
		}
		catch (Throwable ex) {
			return error.apply(ex);
		}
	}

	/**
	 * Tells once how a subscription to a method's publisher ended: completed (or, for a {@code Mono}, emitted its
	 * value), failed, or cancelled before either.
	 * @param publisher the method's {@code Mono} or {@code Flux}
	 * @param terminated told {@code null} on completion or the error on failure
	 * @param cancelled told when the subscriber cancelled before the end
	 * @return the publisher, with the outcome attached
	 */
	static Object onEnd(Object publisher, Consumer<@Nullable Throwable> terminated, Runnable cancelled) {
		End end = new End(terminated, cancelled);
		if (publisher instanceof Mono<?> mono) {
			return mono.doOnNext(end::value).doOnError(end::error).doFinally(end);
		}
		return ((Flux<?>) publisher).doOnError(end::error).doFinally(end);
	}

	/** The end of one subscription; {@code doFinally} calls it once, after the value or error, if any. */
	private static final class End implements Consumer<SignalType> {

		private final Consumer<@Nullable Throwable> terminated;

		private final Runnable cancelled;

		private volatile boolean valued;

		private volatile @Nullable Throwable error;

		End(Consumer<@Nullable Throwable> terminated, Runnable cancelled) {
			this.terminated = terminated;
			this.cancelled = cancelled;
		}

		void value(Object value) {
			this.valued = true;
		}

		void error(Throwable error) {
			this.error = error;
		}

		@Override
		public void accept(SignalType signal) {
			if (signal == SignalType.CANCEL && !this.valued) {
				this.cancelled.run();
			}
			else {
				this.terminated.accept((signal == SignalType.ON_ERROR) ? this.error : null);
			}
		}

	}

}
