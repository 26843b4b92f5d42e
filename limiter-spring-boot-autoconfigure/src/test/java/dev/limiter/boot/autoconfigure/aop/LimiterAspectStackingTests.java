package dev.limiter.boot.autoconfigure.aop;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.limiter.annotation.CircuitBreaker;
import dev.limiter.annotation.LoadShed;
import dev.limiter.annotation.RateLimitExceededException;
import dev.limiter.annotation.RateLimited;
import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.testing.CountingStore;
import dev.limiter.boot.testing.FakeBreaker;
import dev.limiter.boot.testing.FakeShedder;
import dev.limiter.core.breaker.BreakerOpenException;
import dev.limiter.core.ratelimit.RateLimitStore;
import dev.limiter.core.shedding.OverloadException;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Annotations stacked across beans: an inner protection's refusal is never an outcome of an outer one; breakers and
 * shedders in shadow mode let the call run.
 */
class LimiterAspectStackingTests {

	private final FakeBreaker outer = new FakeBreaker("outer");

	private final FakeBreaker inner = new FakeBreaker("inner");

	private final FakeBreaker shadowed = new FakeBreaker("shadowed");

	private final FakeShedder shedder = new FakeShedder("cpu");

	private final FakeShedder shadowShedder = new FakeShedder("trial-cpu");

	private final List<String> calls = new CopyOnWriteArrayList<>();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, LimiterAutoConfiguration.class,
				LimiterAspectAutoConfiguration.class))
		.withBean(RateLimitStore.class, CountingStore::new)
		.withBean(CircuitBreakerRegistry.class,
				() -> new CircuitBreakerRegistry(
						Map.of("outer", this.outer, "inner", this.inner, "shadowed", this.shadowed),
						Set.of("shadowed")))
		.withBean(LoadShedderRegistry.class,
				() -> new LoadShedderRegistry(Map.of("cpu", this.shedder, "trial-cpu", this.shadowShedder),
						Set.of("trial-cpu")))
		.withBean(LimiterCallListener.class,
				() -> (kind, name, outcome) -> this.calls.add(name + " " + outcome.tag()))
		.withBean(Inner.class)
		.withBean(Outer.class)
		.withPropertyValues("limiter.rate-limiters.api.limit=0");

	@Test
	void anInnerBreakerDroppingIsNoOutcomeOfTheOuterBreaker() {
		this.runner.run((context) -> {
			this.inner.open(true);
			Outer outer = context.getBean(Outer.class);
			for (int i = 0; i < 3; i++) {
				assertThatExceptionOfType(BreakerOpenException.class).isThrownBy(outer::callsInnerBreaker);
			}
			assertThat(this.outer.outcomes()).containsExactly("ignore", "ignore", "ignore");
		});
	}

	@Test
	void anInnerRateLimitIsNoOutcomeOfTheOuterBreakerNorAPassOfTheShedder() {
		this.runner.run((context) -> {
			Outer outer = context.getBean(Outer.class);
			assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(outer::callsInnerRateLimit);
			assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(outer::shedsThenCallsInnerRateLimit);
			assertThat(this.outer.outcomes()).containsExactly("ignore");
			assertThat(this.shedder.outcomes()).containsExactly("ignore");
		});
	}

	@Test
	void theOwnFailuresOfTheCallStillCount() {
		this.runner.run((context) -> {
			Outer outer = context.getBean(Outer.class);
			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(outer::fails);
			assertThat(this.outer.outcomes()).containsExactly("reject: java.lang.IllegalStateException");
		});
	}

	@Test
	void aBreakerInShadowModeLetsTheDroppedCallRunAndCountsIt() {
		this.runner.run((context) -> {
			this.shadowed.open(true);
			Inner inner = context.getBean(Inner.class);
			assertThat(inner.shadowed()).isEqualTo("ran");
			assertThat(this.shadowed.outcomes()).as("a call it would have dropped is not recorded").isEmpty();
			assertThat(this.calls).containsExactly("shadowed shadow-rejected");
			this.shadowed.open(false);
			assertThat(inner.shadowed()).isEqualTo("ran");
			assertThat(this.shadowed.outcomes()).as("a permitted call is recorded").containsExactly("accept");
		});
	}

	@Test
	void aShedderInShadowModeLetsTheShedCallRunAndCountsIt() {
		this.runner.run((context) -> {
			this.shadowShedder.overloaded(true);
			this.shedder.overloaded(true);
			Inner inner = context.getBean(Inner.class);
			assertThat(inner.shadowShed()).isEqualTo("ran");
			assertThat(this.calls).containsExactly("trial-cpu shadow-rejected");
			assertThatExceptionOfType(OverloadException.class).as("an enforcing shedder still refuses")
				.isThrownBy(context.getBean(Outer.class)::shedsThenCallsInnerRateLimit);
		});
	}

	static class Inner {

		@CircuitBreaker(name = "inner")
		String breaker() {
			return "inner";
		}

		@RateLimited(name = "api")
		String rateLimited() {
			return "inner";
		}

		@CircuitBreaker(name = "shadowed")
		String shadowed() {
			return "ran";
		}

		@LoadShed(name = "trial-cpu")
		String shadowShed() {
			return "ran";
		}

	}

	static class Outer {

		private final Inner inner;

		Outer(Inner inner) {
			this.inner = inner;
		}

		@CircuitBreaker(name = "outer")
		String callsInnerBreaker() {
			return this.inner.breaker();
		}

		@CircuitBreaker(name = "outer")
		String callsInnerRateLimit() {
			return this.inner.rateLimited();
		}

		@LoadShed(name = "cpu")
		String shedsThenCallsInnerRateLimit() {
			return this.inner.rateLimited();
		}

		@CircuitBreaker(name = "outer")
		String fails() {
			throw new IllegalStateException("down");
		}

	}

}
