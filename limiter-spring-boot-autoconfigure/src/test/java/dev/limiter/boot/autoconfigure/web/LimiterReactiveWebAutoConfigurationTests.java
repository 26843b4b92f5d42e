package dev.limiter.boot.autoconfigure.web;

import java.time.Duration;

import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.autoconfigure.metrics.LimiterMetricsAutoConfiguration;
import dev.limiter.boot.testing.CountingStore;
import dev.limiter.boot.web.LimiterWebRules;
import dev.limiter.boot.web.reactive.ReactiveCircuitBreakerFilter;
import dev.limiter.boot.web.reactive.ReactiveLimiterExceptionHandler;
import dev.limiter.boot.web.reactive.ReactiveLimiterResponseWriter;
import dev.limiter.boot.web.reactive.ReactiveLoadSheddingFilter;
import dev.limiter.boot.web.reactive.ReactiveProblemDetailsResponseWriter;
import dev.limiter.boot.web.reactive.ReactiveRateLimitFilter;
import dev.limiter.core.ratelimit.RateLimitStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.WebFilter;

import static org.assertj.core.api.Assertions.assertThat;

class LimiterReactiveWebAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LimiterAutoConfiguration.class, LimiterWebAutoConfiguration.class,
				LimiterReactiveWebAutoConfiguration.class))
		.withBean(RateLimitStore.class, CountingStore::new);

	@Test
	void aReactiveApplicationGetsTheWebFiltersAndNoServletConfiguration() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed()
				.doesNotHaveBean(LimiterWebAutoConfiguration.class)
				.hasSingleBean(LimiterWebRules.class)
				.hasSingleBean(ReactiveLoadSheddingFilter.class)
				.hasSingleBean(ReactiveCircuitBreakerFilter.class)
				.hasSingleBean(ReactiveLimiterResponseWriter.class)
				.hasSingleBean(ReactiveLimiterExceptionHandler.class);
			assertThat(context.getBeansOfType(ReactiveRateLimitFilter.class)).hasSize(2);
			assertThat(context.getBean(ReactiveLimiterExceptionHandler.class).getOrder()).isLessThan(-1);
		});
	}

	@Test
	void aServletApplicationGetsNoReactiveConfiguration() {
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LimiterAutoConfiguration.class,
					LimiterWebAutoConfiguration.class, LimiterReactiveWebAutoConfiguration.class))
			.withBean(RateLimitStore.class, CountingStore::new)
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(LimiterWebAutoConfiguration.class)
				.doesNotHaveBean(LimiterReactiveWebAutoConfiguration.class)
				.doesNotHaveBean(WebFilter.class));
	}

	@Test
	void theFiltersRunInTheServletOrderAroundSpringSecurity() {
		this.runner
			.withPropertyValues("limiter.rate-limiters.api.limit=10", "limiter.web.rules[0].rate-limiter=api",
					"limiter.web.rules[0].key=ip", "limiter.web.rules[1].rate-limiter=api",
					"limiter.web.rules[1].key=principal", "limiter.circuit-breakers.backend.type=adaptive",
					"limiter.web.rules[2].circuit-breaker=backend", "limiter.load-shedders.cpu.cpu-threshold=0.9",
					"limiter.web.rules[3].load-shedder=cpu")
			.run((context) -> {
				ReactiveRateLimitFilter early = context.getBean("limiterEarlyRateLimitFilter",
						ReactiveRateLimitFilter.class);
				ReactiveRateLimitFilter late = context.getBean("limiterRateLimitFilter",
						ReactiveRateLimitFilter.class);
				ReactiveLoadSheddingFilter shedding = context.getBean(ReactiveLoadSheddingFilter.class);
				ReactiveCircuitBreakerFilter breaking = context.getBean(ReactiveCircuitBreakerFilter.class);
				assertThat(early.hasRules()).isTrue();
				assertThat(late.hasRules()).isTrue();
				assertThat(shedding.hasRules()).isTrue();
				assertThat(breaking.hasRules()).isTrue();
				// Spring Security's WebFilterChainProxy runs at -100
				assertThat(shedding.getOrder()).isLessThan(early.getOrder());
				assertThat(early.getOrder()).isLessThan(-100);
				assertThat(late.getOrder()).isGreaterThan(-100).isLessThan(breaking.getOrder());
			});
	}

	@Test
	void theFiltersDecisionsAreCountedInTheSameMetrics() {
		this.runner.withConfiguration(AutoConfigurations.of(LimiterMetricsAutoConfiguration.class))
			.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withPropertyValues("limiter.rate-limiters.api.limit=1", "limiter.web.rules[0].rate-limiter=api")
			.run((context) -> {
				ReactiveRateLimitFilter filter = context.getBean("limiterEarlyRateLimitFilter",
						ReactiveRateLimitFilter.class);
				for (int i = 0; i < 3; i++) {
					MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/x"));
					filter.filter(exchange, (filtered) -> Mono.empty()).block(Duration.ofSeconds(5));
				}
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.get("limiter.calls").tag("name", "api").tag("outcome", "permitted").counter()
					.count()).isEqualTo(1);
				assertThat(registry.get("limiter.calls").tag("name", "api").tag("outcome", "rejected").counter()
					.count()).isEqualTo(2);
			});
	}

	@Test
	void aUserResponseWriterReplacesTheDefault() {
		ReactiveLimiterResponseWriter writer = (exchange, rejection) -> exchange.getResponse().setComplete();
		this.runner.withBean(ReactiveLimiterResponseWriter.class, () -> writer).run((context) -> {
			assertThat(context).hasSingleBean(ReactiveLimiterResponseWriter.class)
				.doesNotHaveBean(ReactiveProblemDetailsResponseWriter.class);
			assertThat(context.getBean(ReactiveLimiterResponseWriter.class)).isSameAs(writer);
		});
	}

	@Test
	void wrongRuleValuesFailStartUpNamingTheProperty() {
		this.runner.withPropertyValues("limiter.rate-limiters.api.limit=10", "limiter.web.rules[0].rate-limiter=api",
				"limiter.web.rules[0].key=header:")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.satisfies((ex) -> assertThat(((InvalidConfigurationPropertyValueException) ex).getName())
					.isEqualTo("limiter.web.rules[0].key")));
	}

	@Test
	void withoutReactorNoReactiveConfiguration() {
		this.runner.withClassLoader(new FilteredClassLoader("reactor.core"))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(LimiterReactiveWebAutoConfiguration.class));
	}

}
