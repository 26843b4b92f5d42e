package dev.limiter.boot.autoconfigure.metrics;

import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.autoconfigure.redis.LimiterRedisAutoConfiguration;
import dev.limiter.boot.autoconfigure.web.LimiterWebAutoConfiguration;
import dev.limiter.boot.metrics.LimiterMetrics;
import dev.limiter.boot.metrics.RedisStoreMetrics;
import dev.limiter.boot.web.RateLimitFilter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

class LimiterMetricsAutoConfigurationTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LimiterAutoConfiguration.class, LimiterRedisAutoConfiguration.class,
				LimiterWebAutoConfiguration.class, LimiterMetricsAutoConfiguration.class));

	@Test
	void runWithMeterRegistryShouldCountFilterDecisions() {
		this.runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withPropertyValues("limiter.rate-limiters.api.limit=1", "limiter.web.rules[0].rate-limiter=api")
			.run((context) -> {
				assertThat(context).hasSingleBean(LimiterMetrics.class).hasSingleBean(RedisStoreMetrics.class);
				RateLimitFilter filter = (RateLimitFilter) context
					.getBean("limiterEarlyRateLimitFilter", FilterRegistrationBean.class)
					.getFilter();
				for (int i = 0; i < 3; i++) {
					filter.doFilter(new MockHttpServletRequest("GET", "/x"), new MockHttpServletResponse(),
							new MockFilterChain());
				}
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.get("limiter.calls").tag("name", "api").tag("outcome", "permitted").counter()
					.count()).isEqualTo(1);
				assertThat(registry.get("limiter.calls").tag("name", "api").tag("outcome", "rejected").counter()
					.count()).isEqualTo(2);
			});
	}

	@Test
	void runWithRedisStoreShouldTimeItsDecisions() {
		this.runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withBean(RedisConnectionFactory.class, () -> mock(RedisConnectionFactory.class))
			.withPropertyValues("limiter.store=redis")
			.run((context) -> assertThat(context).hasSingleBean(RedisStoreMetrics.class));
	}

	@Test
	void runWithoutMeterRegistryShouldNotCreateMeters() {
		this.runner.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(LimiterMetrics.class));
	}

	@Test
	void runWithoutMicrometerShouldNotCreateMeters() {
		this.runner.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(LimiterMetrics.class));
	}

	@Test
	void runWithoutSpringDataRedisShouldNotCreateRedisMeters() {
		this.runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withClassLoader(new FilteredClassLoader(RedisConnectionFactory.class))
			.run((context) -> assertThat(context).hasSingleBean(LimiterMetrics.class)
				.doesNotHaveBean(RedisStoreMetrics.class));
	}

}
