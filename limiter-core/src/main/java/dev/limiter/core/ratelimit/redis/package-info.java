/**
 * The Redis rate limit store ({@link dev.limiter.core.ratelimit.redis.RedisRateLimitStore}): one {@code EVALSHA}
 * per decision over Spring Data Redis, exact, cluster-safe, and alive when Redis is not. Needs
 * {@code spring-data-redis} (an optional dependency of limiter-core) on the class path.
 */
package dev.limiter.core.ratelimit.redis;
