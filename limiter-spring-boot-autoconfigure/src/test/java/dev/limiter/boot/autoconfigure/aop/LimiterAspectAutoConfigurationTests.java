package dev.limiter.boot.autoconfigure.aop;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.limiter.annotation.CircuitBreaker;
import dev.limiter.annotation.LoadShed;
import dev.limiter.annotation.RateLimitExceededException;
import dev.limiter.annotation.RateLimited;
import dev.limiter.boot.aop.InvalidFallbackMethodException;
import dev.limiter.boot.aop.InvalidKeyExpressionException;
import dev.limiter.boot.aop.LimiterAnnotationValidator;
import dev.limiter.boot.aop.LimiterAspect;
import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.UnknownLimiterException;
import dev.limiter.boot.testing.CountingStore;
import dev.limiter.boot.testing.FakeBreaker;
import dev.limiter.boot.testing.FakeShedder;
import dev.limiter.core.Promise;
import dev.limiter.core.breaker.BreakerOpenException;
import dev.limiter.core.ratelimit.RateLimitStore;
import dev.limiter.core.shedding.ConcurrencyLimiter;
import dev.limiter.core.shedding.OverloadException;
import dev.limiter.core.shedding.Priority;
import org.aspectj.lang.annotation.Aspect;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class LimiterAspectAutoConfigurationTests {

	private final FakeBreaker breaker = new FakeBreaker("backend");

	private final FakeShedder shedder = new FakeShedder("cpu");

	private final CountingStore store = new CountingStore();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, LimiterAutoConfiguration.class,
				LimiterAspectAutoConfiguration.class))
		.withBean(RateLimitStore.class, () -> this.store)
		.withBean(CircuitBreakerRegistry.class, () -> new CircuitBreakerRegistry(Map.of("backend", this.breaker)))
		.withBean(LoadShedderRegistry.class, () -> new LoadShedderRegistry(Map.of("cpu", this.shedder)))
		.withPropertyValues("limiter.rate-limiters.api.limit=2", "limiter.rate-limiters.trial.limit=1",
				"limiter.rate-limiters.trial.mode=shadow");

	@Test
	void aSheddableMethodIsRefusedWhereACriticalOnePassesAtTheSameInFlightCount() {
		ConcurrencyLimiter pool = ConcurrencyLimiter.of("pool", 2);
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, LimiterAutoConfiguration.class,
					LimiterAspectAutoConfiguration.class))
			.withBean(RateLimitStore.class, () -> this.store)
			.withBean(LoadShedderRegistry.class, () -> new LoadShedderRegistry(Map.of("pool", pool)))
			.withBean(PrioritizedService.class)
			.run((context) -> {
				PrioritizedService service = context.getBean(PrioritizedService.class);
				// one call of two in flight: the sheddable share of a cap of 2 is taken
				Promise held = pool.allow();
				assertThatExceptionOfType(OverloadException.class).isThrownBy(service::batch);
				assertThatExceptionOfType(OverloadException.class)
					.isThrownBy(() -> service.batchLater().block(Duration.ofSeconds(5)));
				assertThat(service.checkout()).isEqualTo("checkout");
				assertThat(service.checkoutLater().block(Duration.ofSeconds(5))).isEqualTo("checkout later");
				assertThat(pool.inFlight()).isEqualTo(1);
				held.accept();
				assertThat(service.batch()).isEqualTo("batch");
				assertThat(service.batchLater().block(Duration.ofSeconds(5))).isEqualTo("batch later");
				assertThat(pool.inFlight()).isZero();
			});
	}

	@Test
	void rateLimitedMethodsAreLimitedPerKey() {
		this.runner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			assertThat(service.perUser("alice")).isEqualTo("alice");
			assertThat(service.perUser("alice")).isEqualTo("alice");
			assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(() -> service.perUser("alice"))
				.satisfies((ex) -> {
					assertThat(ex.getName()).isEqualTo("api");
					assertThat(ex.getDecision().retryAfter()).isEqualTo(CountingStore.RETRY_AFTER);
				});
			assertThat(service.perUser("bob")).isEqualTo("bob");
			assertThat(this.store.used("api:user-alice")).isEqualTo(2);
			assertThat(service.calls()).isEqualTo(3);
		});
	}

	@Test
	void emptyKeySharesOneBudgetAndPermitsAreTaken() {
		this.runner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			service.expensive();
			assertThat(this.store.used("api:*")).isEqualTo(2);
			assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(service::expensive);
		});
	}

	@Test
	void shadowModeRunsTheMethodAndCounts() {
		this.runner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			service.trial();
			service.trial();
			service.trial();
			assertThat(service.calls()).isEqualTo(3);
			assertThat(context.getBean(LimiterAspect.class).shadowRejections()).isEqualTo(2);
		});
	}

	@Test
	void breakerReportsOutcomesAndFallsBackWhenOpen() {
		this.runner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			assertThat(service.remote("x", false)).isEqualTo("remote x");
			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> service.remote("x", true));
			assertThat(this.breaker.outcomes()).containsExactly("accept",
					"reject: java.lang.IllegalStateException");
			this.breaker.open(true);
			assertThat(service.remote("y", false)).isEqualTo("fallback y BreakerOpenException");
			assertThat(service.plain()).isEqualTo("plain fallback");
			assertThatExceptionOfType(BreakerOpenException.class).isThrownBy(service::noFallback);
		});
	}

	@Test
	void decisionsAreReportedToTheCallListener() {
		List<String> calls = new CopyOnWriteArrayList<>();
		LimiterCallListener listener = (kind, name, outcome) -> calls.add(kind + " " + name + " " + outcome);
		this.runner.withBean(Service.class).withBean(LimiterCallListener.class, () -> listener).run((context) -> {
			Service service = context.getBean(Service.class);
			service.trial();
			service.trial();
			this.breaker.open(true);
			service.plain();
			this.shedder.overloaded(true);
			assertThatExceptionOfType(OverloadException.class).isThrownBy(service::shed);
			assertThat(calls).containsExactly("RATE_LIMITER trial PERMITTED", "RATE_LIMITER trial SHADOW_REJECTED",
					"CIRCUIT_BREAKER backend FALLBACK", "LOAD_SHEDDER cpu REJECTED");
		});
	}

	@Test
	void asynchronousMethodsAreJudgedWhenTheyComplete() {
		this.runner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			CompletableFuture<String> ok = new CompletableFuture<>();
			CompletableFuture<String> failing = new CompletableFuture<>();
			assertThat(service.async(ok)).isSameAs(ok);
			service.async(failing);
			assertThat(this.breaker.outcomes()).isEmpty();
			failing.completeExceptionally(new IllegalStateException("late"));
			ok.complete("done");
			assertThat(this.breaker.outcomes()).containsExactly("reject: java.lang.IllegalStateException", "accept");
		});
	}

	@Test
	void severalAnnotationsApplyShedderThenRateLimiterThenBreaker() {
		this.runner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			service.layered();
			service.layered();
			this.breaker.open(true);
			assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(service::layered);
			assertThat(this.breaker.outcomes()).containsExactly("accept", "accept");
			this.shedder.overloaded(true);
			assertThatExceptionOfType(OverloadException.class).isThrownBy(service::layered);
			assertThat(this.store.used("api:layered")).isEqualTo(2);
			assertThat(service.calls()).isEqualTo(2);
		});
	}

	@Test
	void loadShedMethodsThrowWhenOverloaded() {
		this.runner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			service.shed();
			this.shedder.overloaded(true);
			assertThatExceptionOfType(OverloadException.class).isThrownBy(service::shed);
			assertThat(this.shedder.outcomes()).containsExactly("accept");
		});
	}

	@Test
	void unknownLimiterFailsStartupNamingTheMethod() {
		this.runner.withBean(UnknownLimiter.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).isInstanceOf(UnknownLimiterException.class)
				.hasMessage("Rate limiter 'nope' named by @RateLimited on method '" + UnknownLimiter.class.getName()
						+ ".call()' is not configured");
		});
	}

	@Test
	void unknownBreakerFailsStartup() {
		this.runner.withBean(UnknownBreaker.class)
			.run((context) -> assertThat(context.getStartupFailure()).isInstanceOf(UnknownLimiterException.class)
				.hasMessageContaining("@CircuitBreaker on method"));
	}

	@Test
	void keyThatDoesNotParseFailsStartup() {
		this.runner.withBean(BadKey.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).isInstanceOf(InvalidKeyExpressionException.class)
				.hasMessageStartingWith("Key expression '#id +' of @RateLimited on method '");
		});
	}

	@Test
	void fallbackThatDoesNotFitFailsStartup() {
		this.runner.withBean(BadFallback.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).isInstanceOf(InvalidFallbackMethodException.class)
				.hasMessageContaining("no method 'recover' with parameters (String) or (String, Throwable)");
		});
		this.runner.withBean(WrongFallbackType.class)
			.run((context) -> assertThat(context.getStartupFailure()).isInstanceOf(InvalidFallbackMethodException.class)
				.hasMessageContaining("it returns Integer, which is not assignable to String"));
		this.runner.withBean(MissingFallback.class)
			.run((context) -> assertThat(context.getStartupFailure()).isInstanceOf(InvalidFallbackMethodException.class)
				.hasMessageContaining("there is no method named 'nowhere'"));
	}

	@Test
	void beansInheritingOneAnnotatedMethodEachCallTheirOwnFallback() {
		this.runner.withBean(FirstInheritor.class).withBean(SecondInheritor.class).run((context) -> {
			assertThat(context).hasNotFailed();
			this.breaker.open(true);
			assertThat(context.getBean(FirstInheritor.class).call("x")).isEqualTo("first fallback x");
			assertThat(context.getBean(SecondInheritor.class).call("y")).isEqualTo("second fallback y");
			assertThat(context.getBean(FirstInheritor.class).call("z")).isEqualTo("first fallback z");
		});
	}

	@Test
	void beanWhoseClassLacksTheInheritedMethodsFallbackFailsStartupNamingItsClass() {
		this.runner.withBean(FirstInheritor.class).withBean(InheritorWithoutFallback.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).isInstanceOf(InvalidFallbackMethodException.class)
				.hasMessageContaining("of method '" + InheritedBreaker.class.getName() + ".call(String)'")
				.hasMessageContaining("there is no method named 'fb' in " + InheritorWithoutFallback.class.getName());
		});
	}

	@Test
	void withoutAspectjTheAnnotationsAreNotConfigured() {
		this.runner.withClassLoader(new FilteredClassLoader(Aspect.class)).withBean(UnknownLimiter.class)
			.run((context) -> {
				assertThat(context).hasNotFailed()
					.doesNotHaveBean(LimiterAspect.class)
					.doesNotHaveBean(LimiterAnnotationValidator.class);
			});
	}

	@Test
	void userAspectBacksOff() {
		this.runner.withBean("myAspect", LimiterAspect.class, () -> new LimiterAspect(
				new dev.limiter.boot.aop.LimiterMethodPlans(new dev.limiter.boot.registry.RateLimiterRegistry(Map.of()),
						new CircuitBreakerRegistry(Map.of()), new LoadShedderRegistry(Map.of()), (name) -> false)))
			.run((context) -> assertThat(context).hasSingleBean(LimiterAspect.class).hasBean("myAspect"));
	}

	static class Service {

		@LoadShed(name = "cpu")
		@RateLimited(name = "api", key = "'layered'")
		@CircuitBreaker(name = "backend", fallbackMethod = "recoverLayered")
		String layered() {
			this.calls++;
			return "layered";
		}

		String recoverLayered(Throwable ex) {
			return "layered fallback";
		}

		private int calls;

		int calls() {
			return this.calls;
		}

		@RateLimited(name = "api", key = "'user-' + #user")
		String perUser(String user) {
			this.calls++;
			return user;
		}

		@RateLimited(name = "api", permits = 2)
		void expensive() {
		}

		@RateLimited(name = "trial")
		void trial() {
			this.calls++;
		}

		@CircuitBreaker(name = "backend", fallbackMethod = "recover")
		String remote(String id, boolean fail) {
			if (fail) {
				throw new IllegalStateException("down");
			}
			return "remote " + id;
		}

		String recover(String id, boolean fail, Throwable ex) {
			return "fallback " + id + " " + ex.getClass().getSimpleName();
		}

		@CircuitBreaker(name = "backend", fallbackMethod = "plainFallback")
		String plain() {
			return "plain";
		}

		private String plainFallback() {
			return "plain fallback";
		}

		@CircuitBreaker(name = "backend")
		String noFallback() {
			return "never";
		}

		@LoadShed(name = "cpu")
		void shed() {
		}

		@CircuitBreaker(name = "backend")
		CompletableFuture<String> async(CompletableFuture<String> future) {
			return future;
		}

	}

	static class UnknownLimiter {

		@RateLimited(name = "nope")
		void call() {
		}

	}

	static class UnknownBreaker {

		@CircuitBreaker(name = "nope")
		void call() {
		}

	}

	static class BadKey {

		@RateLimited(name = "api", key = "#id +")
		void call(String id) {
		}

	}

	static class BadFallback {

		@CircuitBreaker(name = "backend", fallbackMethod = "recover")
		String call(String id) {
			return id;
		}

		String recover(int id) {
			return "x";
		}

	}

	static class WrongFallbackType {

		@CircuitBreaker(name = "backend", fallbackMethod = "recover")
		String call(String id) {
			return id;
		}

		Integer recover(String id) {
			return 1;
		}

	}

	abstract static class InheritedBreaker {

		@CircuitBreaker(name = "backend", fallbackMethod = "fb")
		String call(String id) {
			return "called " + id;
		}

	}

	static class FirstInheritor extends InheritedBreaker {

		String fb(String id) {
			return "first fallback " + id;
		}

	}

	static class SecondInheritor extends InheritedBreaker {

		private String fb(String id, Throwable ex) {
			return "second fallback " + id;
		}

	}

	static class InheritorWithoutFallback extends InheritedBreaker {

	}

	static class PrioritizedService {

		@LoadShed(name = "pool", priority = Priority.SHEDDABLE)
		String batch() {
			return "batch";
		}

		@LoadShed(name = "pool", priority = Priority.SHEDDABLE)
		Mono<String> batchLater() {
			return Mono.just("batch later");
		}

		@LoadShed(name = "pool")
		String checkout() {
			return "checkout";
		}

		@LoadShed(name = "pool", priority = Priority.CRITICAL)
		Mono<String> checkoutLater() {
			return Mono.just("checkout later");
		}

	}

	static class MissingFallback {

		@CircuitBreaker(name = "backend", fallbackMethod = "nowhere")
		String call(String id) {
			return id;
		}

	}

}
