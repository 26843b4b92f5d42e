package dev.limiter.boot.autoconfigure.aop;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.limiter.annotation.CircuitBreaker;
import dev.limiter.annotation.LoadShed;
import dev.limiter.annotation.RateLimitExceededException;
import dev.limiter.annotation.RateLimited;
import dev.limiter.boot.aop.InvalidFallbackMethodException;
import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.testing.BlockHoundInstalled;
import dev.limiter.boot.testing.CountingStore;
import dev.limiter.boot.testing.FakeBreaker;
import dev.limiter.boot.testing.FakeShedder;
import dev.limiter.boot.testing.ThreadTrackingStore;
import dev.limiter.core.breaker.BreakerOpenException;
import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.RateLimitStore;
import dev.limiter.core.shedding.OverloadException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The annotations on methods returning {@code Mono} or {@code Flux}: decided at each subscription, a breaker's
 * outcome taken at completion, error or cancel, a shedder's slot given back once however the subscription ends.
 */
@ExtendWith(BlockHoundInstalled.class)
class LimiterAspectReactiveTests {

	private final FakeBreaker breaker = new FakeBreaker("backend");

	private final FakeShedder shedder = new FakeShedder("cpu");

	private final List<String> storeThreads = new CopyOnWriteArrayList<>();

	/**
	 * A remote store: it answers asynchronously, on a thread of its own, as the Redis store does, and tells how it was
	 * asked.
	 */
	private final RateLimitStore remoteStore = new RateLimitStore() {

		private final CountingStore counts = new CountingStore();

		@Override
		public Decision acquire(String key, LimitSpec spec, int permits) {
			LimiterAspectReactiveTests.this.storeThreads.add("blocking acquire on " + Thread.currentThread().getName());
			return this.counts.acquire(key, spec, permits);
		}

		@Override
		public CompletionStage<Decision> acquireAsync(String key, LimitSpec spec, int permits) {
			LimiterAspectReactiveTests.this.storeThreads.add("acquireAsync");
			return CompletableFuture.supplyAsync(() -> this.counts.acquire(key, spec, permits),
					CompletableFuture.delayedExecutor(1, TimeUnit.MILLISECONDS));
		}

	};

	private final ApplicationContextRunner runner = runner(this.remoteStore);

	private ApplicationContextRunner runner(RateLimitStore store) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, LimiterAutoConfiguration.class,
					LimiterAspectAutoConfiguration.class))
			.withBean(RateLimitStore.class, () -> store)
			.withBean(CircuitBreakerRegistry.class,
					() -> new CircuitBreakerRegistry(Map.of("backend", this.breaker), Set.of()))
			.withBean(LoadShedderRegistry.class,
					() -> new LoadShedderRegistry(Map.of("cpu", this.shedder), Set.of()))
			.withBean(Service.class)
			.withPropertyValues("limiter.rate-limiters.api.limit=1", "limiter.rate-limiters.api.period=1h");
	}

	@Test
	void aRateLimitIsDecidedAtSubscriptionAndEachSubscriptionDecidesAgain() {
		this.runner.run((context) -> {
			Service service = context.getBean(Service.class);
			Mono<String> first = service.limited("a");
			Mono<String> second = service.limited("a");
			assertThat(service.calls()).as("calling the method takes no permit and runs nothing").isZero();
			StepVerifier.create(second).expectNext("a").verifyComplete();
			StepVerifier.create(first).verifyError(RateLimitExceededException.class);
			StepVerifier.create(second).as("a new subscription decides again")
				.verifyError(RateLimitExceededException.class);
			StepVerifier.create(service.limited("b")).as("per key").expectNext("b").verifyComplete();
			assertThat(service.calls()).as("a refused subscription does not run the method").isEqualTo(2);
		});
	}

	@Test
	void aRemoteStoreIsAskedAsynchronouslyNeverBlockingTheThreadThatSubscribes() {
		this.runner.run((context) -> {
			Service service = context.getBean(Service.class);
			StepVerifier.create(service.limited("a").subscribeOn(Schedulers.parallel())).expectNext("a")
				.verifyComplete();
			StepVerifier.create(service.limitedFlux().subscribeOn(Schedulers.parallel())).expectNext(1, 2)
				.verifyComplete();
			assertThat(this.storeThreads).containsExactly("acquireAsync", "acquireAsync");
		});
	}

	@Test
	void aStoreThatMayBlockIsAskedOnBoundedElastic() {
		ThreadTrackingStore blocking = ThreadTrackingStore.mayBlock();
		runner(blocking).run((context) -> {
			Service service = context.getBean(Service.class);
			StepVerifier.create(service.limited("a").subscribeOn(Schedulers.parallel())).expectNext("a")
				.verifyComplete();
			StepVerifier.create(service.limitedFlux().subscribeOn(Schedulers.parallel())).expectNext(1, 2)
				.verifyComplete();
			assertThat(blocking.askedOn()).hasSize(2).allSatisfy((thread) -> assertThat(thread)
				.startsWith("boundedElastic-"));
		});
	}

	@Test
	void afterALaterAnswerTheMethodRunsOnParallelNotOnTheStoresThread() {
		ThreadTrackingStore remote = ThreadTrackingStore.answeringOn("store-io");
		runner(remote).run((context) -> {
			Service service = context.getBean(Service.class);
			StepVerifier.create(service.threadOfBody("a"))
				.assertNext((thread) -> assertThat(thread).startsWith("parallel-"))
				.verifyComplete();
			assertThat(remote.answeredOn()).containsExactly("store-io");
		});
	}

	@Test
	void aRateLimitedFluxIsRefusedWithTheSameException() {
		this.runner.run((context) -> {
			Service service = context.getBean(Service.class);
			StepVerifier.create(service.limitedFlux()).expectNext(1, 2).verifyComplete();
			StepVerifier.create(service.limitedFlux())
				.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(RateLimitExceededException.class)
					.hasMessage("Rate limiter 'api' refused the call"))
				.verify();
		});
	}

	@Test
	void aBreakerRecordsCompletionAndErrorAtTheEndOfTheSubscription() {
		this.runner.run((context) -> {
			Service service = context.getBean(Service.class);
			Mono<String> ok = service.breaker(Mono.just("ok"));
			assertThat(this.breaker.outcomes()).isEmpty();
			StepVerifier.create(ok).expectNext("ok").verifyComplete();
			StepVerifier.create(service.breaker(Mono.error(new IllegalStateException("down"))))
				.verifyError(IllegalStateException.class);
			StepVerifier.create(service.breakerFlux(Flux.just(1, 2, 3))).expectNext(1, 2, 3).verifyComplete();
			StepVerifier.create(service.breakerFlux(Flux.concat(Flux.just(1), Flux.error(new IllegalStateException()))))
				.expectNext(1)
				.verifyError(IllegalStateException.class);
			assertThat(this.breaker.outcomes()).containsExactly("accept", "reject: java.lang.IllegalStateException",
					"accept", "reject: java.lang.IllegalStateException");
		});
	}

	@Test
	void aCancelledSubscriptionIsNeitherSuccessNorFailureOfTheBreaker() {
		this.runner.run((context) -> {
			Service service = context.getBean(Service.class);
			StepVerifier.create(service.breaker(Mono.never())).thenCancel().verify();
			StepVerifier.create(service.breakerFlux(Flux.range(1, 10)).take(2)).expectNext(1, 2).verifyComplete();
			StepVerifier.create(service.breaker(Mono.error(new RateLimitExceededException("inner",
					new Decision(false, 1, 0, java.time.Duration.ofSeconds(1),
							java.time.Duration.ofSeconds(1))))))
				.as("an inner limiter's refusal says nothing about the backend")
				.verifyError(RateLimitExceededException.class);
			assertThat(this.breaker.outcomes()).containsExactly("ignore", "ignore", "ignore");
		});
	}

	@Test
	void anOpenBreakerIsAnErrorOrTheFallbacksPublisher() {
		this.runner.run((context) -> {
			Service service = context.getBean(Service.class);
			Mono<String> call = service.breaker(Mono.just("ok"));
			this.breaker.open(true);
			StepVerifier.create(call).as("decided at subscription").verifyError(BreakerOpenException.class);
			StepVerifier.create(service.withFallback("x")).expectNext("fallback x: BreakerOpenException")
				.verifyComplete();
			StepVerifier.create(service.fluxWithFallback()).expectNext("cached").verifyComplete();
			this.breaker.open(false);
			StepVerifier.create(call).expectNext("ok").verifyComplete();
			assertThat(this.breaker.outcomes()).containsExactly("accept");
		});
	}

	@Test
	void aShedderGivesItsSlotBackExactlyOnceHoweverTheSubscriptionEnds() {
		this.runner.run((context) -> {
			Service service = context.getBean(Service.class);
			StepVerifier.create(service.shed(Mono.just("ok"))).expectNext("ok").verifyComplete();
			StepVerifier.create(service.shed(Mono.error(new IllegalStateException())))
				.verifyError(IllegalStateException.class);
			StepVerifier.create(service.shed(Mono.never())).thenCancel().verify();
			assertThat(this.shedder.outcomes()).containsExactly("accept", "accept", "ignore");
			this.shedder.overloaded(true);
			StepVerifier.create(service.shed(Mono.just("ok"))).verifyError(OverloadException.class);
			assertThat(this.shedder.outcomes()).hasSize(3);
		});
	}

	@Test
	void aReactiveFallbackOfTheWrongTypeFailsStartup() {
		this.runner.withBean(WrongFallback.class)
			.run((context) -> assertThat(context.getStartupFailure()).isInstanceOf(InvalidFallbackMethodException.class)
				.hasMessageContaining("it returns String, which is not assignable to Mono"));
		this.runner.withBean(FluxForMonoFallback.class)
			.run((context) -> assertThat(context.getStartupFailure()).isInstanceOf(InvalidFallbackMethodException.class)
				.hasMessageContaining("it returns Flux, which is not assignable to Mono"));
	}

	static class Service {

		private final AtomicInteger calls = new AtomicInteger();

		int calls() {
			return this.calls.get();
		}

		@RateLimited(name = "api", key = "#key")
		Mono<String> limited(String key) {
			this.calls.incrementAndGet();
			return Mono.just(key);
		}

		@RateLimited(name = "api", key = "#key")
		Mono<String> threadOfBody(String key) {
			return Mono.just(Thread.currentThread().getName());
		}

		@RateLimited(name = "api")
		Flux<Integer> limitedFlux() {
			return Flux.just(1, 2);
		}

		@CircuitBreaker(name = "backend")
		Mono<String> breaker(Mono<String> result) {
			return result;
		}

		@CircuitBreaker(name = "backend")
		Flux<Integer> breakerFlux(Flux<Integer> result) {
			return result;
		}

		@CircuitBreaker(name = "backend", fallbackMethod = "fallback")
		Mono<String> withFallback(String id) {
			return Mono.just(id);
		}

		Mono<String> fallback(String id, Throwable ex) {
			return Mono.just("fallback " + id + ": " + ex.getClass().getSimpleName());
		}

		@CircuitBreaker(name = "backend", fallbackMethod = "cached")
		Flux<String> fluxWithFallback() {
			return Flux.just("live");
		}

		Flux<String> cached() {
			return Flux.just("cached");
		}

		@LoadShed(name = "cpu")
		Mono<String> shed(Mono<String> result) {
			return result;
		}

	}

	static class WrongFallback {

		@CircuitBreaker(name = "backend", fallbackMethod = "fallback")
		Mono<String> call() {
			return Mono.just("live");
		}

		String fallback() {
			return "cached";
		}

	}

	static class FluxForMonoFallback {

		@CircuitBreaker(name = "backend", fallbackMethod = "fallback")
		Mono<String> call() {
			return Mono.just("live");
		}

		Flux<String> fallback() {
			return Flux.just("cached");
		}

	}

}
