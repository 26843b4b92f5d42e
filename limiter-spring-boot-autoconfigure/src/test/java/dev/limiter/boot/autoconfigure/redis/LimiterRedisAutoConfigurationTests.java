package dev.limiter.boot.autoconfigure.redis;

import java.time.Duration;

import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.boot.testing.CountingStore;
import dev.limiter.core.ratelimit.InMemoryRateLimitStore;
import dev.limiter.core.ratelimit.RateLimitStore;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

class LimiterRedisAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LimiterAutoConfiguration.class, LimiterRedisAutoConfiguration.class))
		.withBean(RedisConnectionFactory.class, () -> mock(RedisConnectionFactory.class));

	@Test
	void runWithRedisStoreShouldUseTheApplicationsConnectionFactory() {
		this.runner
			.withPropertyValues("limiter.store=redis", "limiter.redis.on-failure=deny",
					"limiter.rate-limiters.api.limit=5")
			.run((context) -> {
				assertThat(context).hasSingleBean(RedisRateLimitStore.class)
					.doesNotHaveBean(InMemoryRateLimitStore.class);
				RedisRateLimitStore store = context.getBean(RedisRateLimitStore.class);
				assertThat(store.failurePolicy()).isEqualTo(RedisRateLimitStore.FailurePolicy.DENY);
				assertThat(context.getBean(RateLimiterRegistry.class).get("api", "test").store()).isSameAs(store);
			});
	}

	@Test
	void runWithLeasePermitsShouldBindTheLimiterToTheRedisStoreWithThem() {
		this.runner
			.withPropertyValues("limiter.store=redis", "limiter.rate-limiters.api.limit=1000",
					"limiter.rate-limiters.api.lease-permits=20")
			.run((context) -> {
				RedisRateLimitStore store = context.getBean(RedisRateLimitStore.class);
				assertThat(context.getBean(RateLimiterRegistry.class).get("api", "test"))
					.satisfies((limiter) -> assertThat(limiter.store()).isSameAs(store))
					.satisfies((limiter) -> assertThat(limiter.leasePermits()).isEqualTo(20));
			});
	}

	@Test
	void runWithDefaultStoreShouldNotCreateTheRedisStore() {
		this.runner.run((context) -> assertThat(context).doesNotHaveBean(RedisRateLimitStore.class)
			.hasSingleBean(InMemoryRateLimitStore.class));
	}

	@Test
	void runWithUserStoreShouldBackOff() {
		this.runner.withBean(RateLimitStore.class, CountingStore::new)
			.withPropertyValues("limiter.store=redis")
			.run((context) -> assertThat(context).hasSingleBean(RateLimitStore.class)
				.doesNotHaveBean(RedisRateLimitStore.class));
	}

	@Test
	void runWithoutConnectionFactoryShouldFailNamingTheStore() {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(LimiterAutoConfiguration.class, LimiterRedisAutoConfiguration.class))
			.withPropertyValues("limiter.store=redis", "limiter.rate-limiters.api.limit=5")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("limiter.store"));
	}

	@Test
	void runWithoutSpringDataRedisShouldNotConfigureTheStore() {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(LimiterAutoConfiguration.class, LimiterRedisAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader(RedisConnectionFactory.class))
			.withPropertyValues("limiter.store=redis")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RateLimitStore.class));
	}

	@Test
	void runWithInvalidKeyPrefixShouldFailNamingTheProperty() {
		this.runner.withPropertyValues("limiter.store=redis", "limiter.redis.key-prefix=app{1}:")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(IllegalArgumentException.class)
				.satisfies((ex) -> assertThat(context.getStartupFailure()).hasStackTraceContaining(
						"Property limiter.redis.key-prefix")));
	}

	@Test
	void runWithRedisStoreShouldCapLettucesReconnectDelay() {
		this.runner.withPropertyValues("limiter.store=redis", "limiter.redis.reconnect-delay=250ms")
			.run((context) -> {
				assertThat(context).hasSingleBean(ClientResourcesBuilderCustomizer.class);
				ClientResources.Builder builder = ClientResources.builder();
				context.getBean(ClientResourcesBuilderCustomizer.class).customize(builder);
				ClientResources resources = builder.build();
				try {
					Delay delay = resources.reconnectDelay();
					assertThat(delay.createDelay(1)).isLessThanOrEqualTo(Duration.ofMillis(250));
					assertThat(delay.createDelay(30)).isEqualTo(Duration.ofMillis(250));
				}
				finally {
					resources.shutdown();
				}
			});
	}

	@Test
	void runWithoutLettuceShouldNotCustomizeClientResources() {
		this.runner.withClassLoader(new FilteredClassLoader(ClientResources.class))
			.withPropertyValues("limiter.store=redis")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(ClientResourcesBuilderCustomizer.class));
	}

	@Test
	void runWithInvalidReconnectDelayShouldFailNamingTheProperty() {
		this.runner.withPropertyValues("limiter.store=redis", "limiter.redis.reconnect-delay=0s")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("limiter.redis.reconnect-delay"));
	}

	@Test
	void runWithInvalidProbeIntervalOrKeyTtlShouldFailNamingTheProperty() {
		this.runner.withPropertyValues("limiter.store=redis", "limiter.redis.timeout=0s")
			.run((context) -> assertThat(context.getStartupFailure())
				.hasStackTraceContaining(InvalidConfigurationPropertyValueException.class.getSimpleName())
				.hasStackTraceContaining("limiter.redis.timeout"));
		this.runner.withPropertyValues("limiter.store=redis", "limiter.memory.maximum-keys=0")
			.run((context) -> assertThat(context.getStartupFailure())
				.hasStackTraceContaining(InvalidConfigurationPropertyValueException.class.getSimpleName())
				.hasStackTraceContaining("limiter.memory.maximum-keys"));
		this.runner.withPropertyValues("limiter.store=redis", "limiter.redis.probe-interval=0s")
			.run((context) -> assertThat(context.getStartupFailure())
				.hasStackTraceContaining(InvalidConfigurationPropertyValueException.class.getSimpleName())
				.hasStackTraceContaining("limiter.redis.probe-interval"));
		this.runner.withPropertyValues("limiter.store=redis", "limiter.redis.maximum-key-ttl=0s")
			.run((context) -> assertThat(context.getStartupFailure())
				.hasStackTraceContaining(InvalidConfigurationPropertyValueException.class.getSimpleName())
				.hasStackTraceContaining("limiter.redis.maximum-key-ttl"));
	}

}
