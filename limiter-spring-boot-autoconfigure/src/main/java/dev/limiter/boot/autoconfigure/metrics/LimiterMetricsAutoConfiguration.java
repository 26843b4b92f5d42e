package dev.limiter.boot.autoconfigure.metrics;

import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.metrics.LimiterMetrics;
import dev.limiter.boot.metrics.RedisStoreMetrics;
import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} of limiter's Micrometer
 * meters ({@link LimiterMetrics}, and {@link RedisStoreMetrics} for the Redis store) when a {@link MeterRegistry}
 * exists. The filters and the aspect report their decisions to the {@link LimiterMetrics} bean.
 *
 * @author limiter
 * @since 0.1.0
 */
@AutoConfiguration(after = LimiterAutoConfiguration.class,
		afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(MeterRegistry.class)
public final class LimiterMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	LimiterMetrics limiterMetrics(MeterRegistry registry, RateLimiterRegistry rateLimiters,
			CircuitBreakerRegistry breakers, LoadShedderRegistry shedders) {
		return new LimiterMetrics(registry, rateLimiters, breakers, shedders);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(RedisConnectionFactory.class)
	static class RedisStoreMetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		RedisStoreMetrics limiterRedisStoreMetrics(MeterRegistry registry) {
			return new RedisStoreMetrics(registry);
		}

	}

}
