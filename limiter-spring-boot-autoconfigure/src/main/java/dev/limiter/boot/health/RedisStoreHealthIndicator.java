package dev.limiter.boot.health;

import java.util.Locale;
import java.util.Objects;

import dev.limiter.core.ratelimit.redis.RedisRateLimitStore;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * The health of the Redis rate-limit store. UP while Redis answers. During an outage it stays UP, with the details
 * {@code redis: unavailable} and the failure policy, when the policy keeps the application serving ({@code local}
 * or {@code allow}), so that readiness probes do not take every instance out because of the limiter's Redis; it is
 * DOWN when the policy is {@code deny}, because every rate-limited request is then refused. Does not call Redis
 * itself: it reports what the store last saw, and during an outage the store's background probe tries Redis once per
 * probe interval, so the status recovers with no request.
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
		String policy = this.store.failurePolicy().name().toLowerCase(Locale.ROOT);
		boolean available = this.store.isAvailable();
		boolean serving = available || this.store.failurePolicy() != RedisRateLimitStore.FailurePolicy.DENY;
		builder.status(serving ? Status.UP : Status.DOWN)
			.withDetail("redis", available ? "available" : "unavailable")
			.withDetail("failurePolicy", policy);
	}

}
