package dev.limiter.boot.autoconfigure.actuate;

import dev.limiter.boot.actuate.LimiterEndpoint;
import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.autoconfigure.redis.LimiterRedisAutoConfiguration;
import dev.limiter.boot.health.RedisStoreHealthIndicator;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

class LimiterEndpointAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LimiterAutoConfiguration.class, LimiterRedisAutoConfiguration.class,
				LimiterEndpointAutoConfiguration.class));

	@Test
	void runWhenExposedShouldCreateTheEndpoint() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=limiter",
				"limiter.rate-limiters.api.limit=3")
			.run((context) -> {
				assertThat(context).hasSingleBean(LimiterEndpoint.class);
				assertThat(context.getBean(LimiterEndpoint.class).limiters().rateLimiters()).containsOnlyKeys("api");
				assertThat(context.getBean(LimiterEndpoint.class).limiters().store())
					.isEqualTo("InMemoryRateLimitStore");
			});
	}

	@Test
	void runWhenNotExposedShouldNotCreateTheEndpoint() {
		this.runner.run((context) -> assertThat(context).doesNotHaveBean(LimiterEndpoint.class));
	}

	@Test
	void runWithoutActuatorShouldNotCreateTheEndpoint() {
		this.runner.withClassLoader(new FilteredClassLoader(ConditionalOnAvailableEndpoint.class))
			.withPropertyValues("management.endpoints.web.exposure.include=limiter")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(LimiterEndpoint.class));
	}

	@Test
	void runWithRedisStoreShouldReportItsHealth() {
		this.runner.withBean(RedisConnectionFactory.class, () -> mock(RedisConnectionFactory.class))
			.withPropertyValues("limiter.store=redis")
			.run((context) -> {
				assertThat(context).hasSingleBean(RedisStoreHealthIndicator.class).hasBean("limiterHealthIndicator");
				assertThat(context.getBean(RedisStoreHealthIndicator.class).health(true).getStatus())
					.isEqualTo(Status.UP);
				assertThat(context.getBean(RedisStoreHealthIndicator.class).health(true).getDetails())
					.containsEntry("failurePolicy", "local");
			});
	}

	@Test
	void runWithHealthIndicatorDisabledShouldNotReportHealth() {
		this.runner.withBean(RedisConnectionFactory.class, () -> mock(RedisConnectionFactory.class))
			.withPropertyValues("limiter.store=redis", "management.health.limiter.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(RedisStoreHealthIndicator.class));
	}

	@Test
	void runWithMemoryStoreOrWithoutHealthShouldNotReportHealth() {
		this.runner.run((context) -> assertThat(context).doesNotHaveBean(RedisStoreHealthIndicator.class));
		this.runner.withBean(RedisConnectionFactory.class, () -> mock(RedisConnectionFactory.class))
			.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
			.withPropertyValues("limiter.store=redis")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RedisStoreHealthIndicator.class));
	}

}
