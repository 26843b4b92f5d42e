package dev.limiter.boot.autoconfigure.redis;

import dev.limiter.boot.autoconfigure.LimiterProperties;
import dev.limiter.boot.autoconfigure.LimiterPropertiesMapper;
import dev.limiter.core.Clock;
import dev.limiter.core.ratelimit.RateLimitStore;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} of the Redis store
 * ({@code limiter.store=redis}): a {@link RedisRateLimitStore} over the application's own
 * {@link RedisConnectionFactory}, with {@code limiter.redis.key-prefix}, {@code timeout} and {@code on-failure}; the
 * local fallback store is bounded by {@code limiter.memory.maximum-keys}. Needs Spring Data Redis
 * ({@code spring-boot-starter-data-redis}).
 *
 * @author limiter
 * @since 0.1.0
 */
@AutoConfiguration(afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnClass(RedisConnectionFactory.class)
@ConditionalOnProperty(name = "limiter.store", havingValue = "redis")
public final class LimiterRedisAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(RateLimitStore.class)
	@ConditionalOnSingleCandidate(RedisConnectionFactory.class)
	RedisRateLimitStore limiterRateLimitStore(LimiterProperties properties, RedisConnectionFactory connectionFactory,
			Clock clock, ObjectProvider<RedisRateLimitStore.Listener> listener) {
		LimiterPropertiesMapper.checkStore(properties);
		LimiterProperties.Redis redis = properties.getRedis();
		try {
			RedisRateLimitStore.Builder builder = RedisRateLimitStore.builder(connectionFactory);
			RedisRateLimitStore.Listener unique = listener.getIfUnique();
			if (unique != null) {
				builder.listener(unique);
			}
			return builder
				.keyPrefix(redis.getKeyPrefix())
				.timeout(redis.getTimeout())
				.failurePolicy(RedisRateLimitStore.FailurePolicy.valueOf(redis.getOnFailure().name()))
				.localMaximumKeys(properties.getMemory().getMaximumKeys())
				.clock(clock)
				.build();
		}
		catch (IllegalArgumentException ex) {
			throw LimiterPropertiesMapper.refused("limiter.redis", ex);
		}
	}

}
