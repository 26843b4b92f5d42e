package dev.limiter.boot.metrics;

import java.util.Objects;
import java.util.concurrent.TimeUnit;

import dev.limiter.core.ratelimit.redis.RedisRateLimitStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The Redis store's meters: {@code limiter.redis.decisions} (timer; tag {@code source} = redis | cache | fallback:
 * who decided) and {@code limiter.redis.failures} (counter of outages). Records without allocating. Thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class RedisStoreMetrics implements RedisRateLimitStore.Listener {

	private final Timer[] decisions;

	private final Counter failures;

	/**
	 * Creates the meters.
	 * @param registry where to register them
	 */
	public RedisStoreMetrics(MeterRegistry registry) {
		Objects.requireNonNull(registry, "registry must not be null");
		RedisRateLimitStore.DecisionSource[] sources = RedisRateLimitStore.DecisionSource.values();
		this.decisions = new Timer[sources.length];
		for (RedisRateLimitStore.DecisionSource source : sources) {
			this.decisions[source.ordinal()] = Timer.builder("limiter.redis.decisions")
				.description("Rate-limit decisions of the Redis store, by who decided")
				.tag("source", source.name().toLowerCase())
				.register(registry);
		}
		this.failures = Counter.builder("limiter.redis.failures")
			.description("Times Redis became unavailable to the rate-limit store")
			.register(registry);
	}

	@Override
	public void onDecision(RedisRateLimitStore.DecisionSource source, long latencyNanos) {
		this.decisions[source.ordinal()].record(latencyNanos, TimeUnit.NANOSECONDS);
	}

	@Override
	public void onFailure(Throwable cause) {
		this.failures.increment();
	}

}
