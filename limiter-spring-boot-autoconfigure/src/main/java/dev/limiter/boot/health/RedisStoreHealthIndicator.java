package dev.limiter.boot.health;

import java.util.Objects;

import dev.limiter.core.ratelimit.redis.RedisRateLimitStore;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The health of the Redis rate-limit store: UP while Redis answers, DOWN during an outage, when decisions follow the
 * failure policy (shown as the {@code failurePolicy} detail). Does not call Redis itself: it reports what the store's
 * last decisions saw.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class RedisStoreHealthIndicator extends AbstractHealthIndicator {

	private final RedisRateLimitStore store;

	/**
	 * Creates the indicator.
	 * @param store the store
	 */
	public RedisStoreHealthIndicator(RedisRateLimitStore store) {
		super("Limiter Redis store health check failed");
		this.store = Objects.requireNonNull(store, "store must not be null");
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		String policy = this.store.failurePolicy().name().toLowerCase();
		if (this.store.isAvailable()) {
			builder.up().withDetail("failurePolicy", policy);
		}
		else {
			builder.down().withDetail("failurePolicy", policy);
		}
	}

}
