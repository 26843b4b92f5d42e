/**
 * Private {@code redis-server} processes for tests and benchmarks: a standalone server and a three-master cluster on
 * free loopback ports, a JUnit extension that hands them to tests ({@link dev.limiter.core.redis.testing.RedisServerTest}),
 * and a driver-free RESP client for administration. Published in limiter-core's test jar.
 */
package dev.limiter.core.redis.testing;
