package dev.limiter.boot.autoconfigure.actuate;

import dev.limiter.boot.actuate.LimiterEndpoint;
import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.autoconfigure.LimiterProperties;
import dev.limiter.boot.autoconfigure.redis.LimiterRedisAutoConfiguration;
import dev.limiter.boot.health.RedisStoreHealthIndicator;
import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.core.ratelimit.RateLimitStore;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} of the {@code limiter}
 * actuator endpoint and, with the Redis store, of its health indicator ({@code management.health.limiter.enabled}).
 *
 * @author limiter
 * @since 0.1.0
 */
@AutoConfiguration(after = { LimiterAutoConfiguration.class, LimiterRedisAutoConfiguration.class })
public final class LimiterEndpointAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(ConditionalOnAvailableEndpoint.class)
	@ConditionalOnAvailableEndpoint(LimiterEndpoint.class)
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		LimiterEndpoint limiterEndpoint(RateLimiterRegistry rateLimiters, CircuitBreakerRegistry breakers,
				LoadShedderRegistry shedders, LimiterProperties properties, ObjectProvider<RateLimitStore> store) {
			return new LimiterEndpoint(rateLimiters, breakers, shedders, (name) -> {
				LimiterProperties.RateLimiter limiter = properties.getRateLimiters().get(name);
				return limiter != null && limiter.getMode() == LimiterProperties.Mode.SHADOW;
			}, store.getIfUnique());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class,
			RedisConnectionFactory.class })
	@ConditionalOnBean(RedisRateLimitStore.class)
	@ConditionalOnEnabledHealthIndicator("limiter")
	static class HealthConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "limiterHealthIndicator")
		RedisStoreHealthIndicator limiterHealthIndicator(RedisRateLimitStore store) {
			return new RedisStoreHealthIndicator(store);
		}

	}

}
