package dev.limiter.core.ratelimit;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.TestInstance;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.limiter.core.ManualClock;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore.TimeSource;
import dev.limiter.core.redis.testing.RedisClusterProcess;
import dev.limiter.core.redis.testing.RedisConnectionFactories;
import dev.limiter.core.redis.testing.RedisServerProcess;
import dev.limiter.core.redis.testing.RedisServerTest;
import dev.limiter.core.redis.testing.RespConnection.RedisErrorReply;

/**
 * The store contract ({@link RateLimitStoreContractTest}: the same tables as the in-memory store) against the Redis
 * store on a standalone server and on a three-master cluster, with the time passed from the test's
 * {@link ManualClock} ({@link TimeSource#CLIENT}).
 */
class RedisRateLimitStoreContractTest {

	@Nested
	@RedisServerTest
	@TestInstance(TestInstance.Lifecycle.PER_CLASS)
	class Standalone extends RateLimitStoreContractTest {

		private final RedisServerProcess server;

		private final LettuceConnectionFactory factory;

		Standalone(RedisServerProcess server) {
			this.server = server;
			this.factory = RedisConnectionFactories.standalone(server);
		}

		@AfterAll
		void closeFactory() {
			this.factory.destroy();
		}

		@Override
		protected RateLimitStore createStore(ManualClock clock) {
			return new Timed(RedisRateLimitStore.builder(this.factory).clock(clock).timeSource(TimeSource.CLIENT)
				.timeout(Duration.ofSeconds(2))
				.build());
		}

		@Override
		protected Optional<Duration> timeToLive(RateLimitStore store, String key) {
			return ttl(store, (Long) this.server.command("PTTL", "limiter:{" + key + "}"));
		}

	}

	@Nested
	@RedisServerTest
	@TestInstance(TestInstance.Lifecycle.PER_CLASS)
	class Cluster extends RateLimitStoreContractTest {

		private final RedisClusterProcess cluster;

		private final LettuceConnectionFactory factory;

		Cluster(RedisClusterProcess cluster) {
			this.cluster = cluster;
			this.factory = RedisConnectionFactories.cluster(cluster);
		}

		@AfterAll
		void closeFactory() {
			this.factory.destroy();
		}

		@Override
		protected RateLimitStore createStore(ManualClock clock) {
			return new Timed(RedisRateLimitStore.builder(this.factory).clock(clock).timeSource(TimeSource.CLIENT)
				.timeout(Duration.ofSeconds(2))
				.build());
		}

		@Override
		protected Optional<Duration> timeToLive(RateLimitStore store, String key) {
			for (RedisServerProcess node : this.cluster.nodes()) {
				try {
					return ttl(store, (Long) node.command("PTTL", "limiter:{" + key + "}"));
				}
				catch (RedisErrorReply movedElsewhere) {
					// the key lives on another node
				}
			}
			throw new IllegalStateException("no node owns " + key);
		}

	}

	/**
	 * Returns the time to live on the test's clock: Redis counts a key's TTL down in real time while the manual clock
	 * stands still, so the real time since the last decision is added back.
	 */
	static Optional<Duration> ttl(RateLimitStore store, long pttl) {
		if (pttl == -2) {
			return Optional.empty();
		}
		if (pttl == -1) {
			return Optional.of(KeyedAlgorithm.FOREVER);
		}
		long sinceDecision = System.nanoTime() - ((Timed) store).lastDecisionNanos;
		return Optional.of(Duration.ofMillis(pttl).plusNanos(sinceDecision));
	}

	/** A store that notes the real time at which its last decision started. */
	static final class Timed implements RateLimitStore {

		private final RateLimitStore store;

		private volatile long lastDecisionNanos;

		Timed(RateLimitStore store) {
			this.store = store;
		}

		@Override
		public Decision acquire(String key, LimitSpec spec, int permits) {
			this.lastDecisionNanos = System.nanoTime();
			return this.store.acquire(key, spec, permits);
		}

	}

}
