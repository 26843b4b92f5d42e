package dev.limiter.boot.metrics;

import java.time.Duration;
import java.util.Map;

import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LimiterKind;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.boot.testing.CountingStore;
import dev.limiter.core.ManualClock;
import dev.limiter.core.breaker.SreBreaker;
import dev.limiter.core.breaker.ThresholdBreaker;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore;
import dev.limiter.core.shedding.AdaptiveConcurrencyLimiter;
import dev.limiter.core.shedding.AdaptiveShedder;
import dev.limiter.core.shedding.CappedShedder;
import dev.limiter.core.shedding.ConcurrencyLimiter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LimiterMetricsTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final ManualClock clock = new ManualClock();

	private final SreBreaker adaptive = SreBreaker.builder("backend").clock(this.clock).build();

	private final ThresholdBreaker threshold = ThresholdBreaker.builder("legacy").clock(this.clock).build();

	private final AdaptiveShedder shedder = AdaptiveShedder.builder()
		.name("cpu")
		.cpuUsage(() -> 0.25)
		.clock(this.clock)
		.build();

	private final LimiterMetrics metrics = new LimiterMetrics(this.registry,
			new RateLimiterRegistry(Map.of("api",
					new RateLimiter("api", TokenBucketSpec.of(1, Duration.ofSeconds(1)), new CountingStore()))),
			new CircuitBreakerRegistry(Map.of("backend", this.adaptive, "legacy", this.threshold)),
			new LoadShedderRegistry(Map.of("cpu", this.shedder, "capped",
					new CappedShedder(ConcurrencyLimiter.of("capped", 2), this.shedder))));

	@Test
	void countersOfConfiguredInstancesExistBeforeAnyCall() {
		assertThat(count("api", "rate-limiter", "permitted")).isZero();
		assertThat(count("backend", "circuit-breaker", "fallback")).isZero();
		assertThat(count("capped", "load-shedder", "rejected")).isZero();
		assertThat(this.registry.find("limiter.calls").counters()).hasSize(4 * (1 + 2 + 2));
	}

	@Test
	void callsAreCountedByNameKindAndOutcome() {
		this.metrics.onCall(LimiterKind.RATE_LIMITER, "api", LimiterCallListener.Outcome.PERMITTED);
		this.metrics.onCall(LimiterKind.RATE_LIMITER, "api", LimiterCallListener.Outcome.PERMITTED);
		this.metrics.onCall(LimiterKind.RATE_LIMITER, "api", LimiterCallListener.Outcome.SHADOW_REJECTED);
		this.metrics.onCall(LimiterKind.CIRCUIT_BREAKER, "other", LimiterCallListener.Outcome.FALLBACK);
		assertThat(count("api", "rate-limiter", "permitted")).isEqualTo(2);
		assertThat(count("api", "rate-limiter", "shadow-rejected")).isEqualTo(1);
		assertThat(count("api", "rate-limiter", "rejected")).isZero();
		assertThat(count("other", "circuit-breaker", "fallback")).isEqualTo(1);
	}

	@Test
	void breakerGaugesFollowTheBreaker() {
		assertThat(gauge("limiter.breaker.state", "backend", "state", "closed")).isEqualTo(1);
		assertThat(gauge("limiter.breaker.state", "backend", "state", "open")).isZero();
		assertThat(gauge("limiter.breaker.drop.ratio", "backend", null, null)).isZero();
		assertThat(gauge("limiter.breaker.failure.rate", "legacy", null, null)).isEqualTo(-1);
		this.threshold.forceOpen();
		assertThat(gauge("limiter.breaker.state", "legacy", "state", "forced-open")).isEqualTo(1);
		assertThat(gauge("limiter.breaker.state", "legacy", "state", "closed")).isZero();
	}

	@Test
	void shedderGaugesFollowTheShedder() {
		assertThat(gauge("limiter.shedder.cpu", "cpu", null, null)).isEqualTo(0.25);
		assertThat(gauge("limiter.shedder.in.flight", "cpu", null, null)).isZero();
		this.shedder.allow();
		assertThat(gauge("limiter.shedder.in.flight", "cpu", null, null)).isEqualTo(1);
		assertThat(gauge("limiter.shedder.cpu", "capped", null, null)).isEqualTo(0.25);
		assertThat(gauge("limiter.shedder.in.flight", "capped", null, null)).isZero();
	}

	@Test
	void adaptiveConcurrencyGaugesShowTheLimitAndInFlight() {
		AdaptiveConcurrencyLimiter limiter = AdaptiveConcurrencyLimiter.builder()
			.name("api")
			.initialLimit(7)
			.clock(this.clock)
			.build();
		new LimiterMetrics(this.registry, new RateLimiterRegistry(Map.of()), new CircuitBreakerRegistry(Map.of()),
				new LoadShedderRegistry(Map.of("api", limiter, "capped-api",
						new CappedShedder(ConcurrencyLimiter.of("capped-api", 3), limiter))));
		assertThat(gauge("limiter.shedder.limit", "api", null, null)).isEqualTo(7);
		assertThat(gauge("limiter.shedder.limit", "capped-api", null, null)).isEqualTo(7);
		assertThat(gauge("limiter.shedder.in.flight", "api", null, null)).isZero();
		limiter.allow();
		assertThat(gauge("limiter.shedder.in.flight", "api", null, null)).isEqualTo(1);
		assertThat(gauge("limiter.shedder.in.flight", "capped-api", null, null)).isZero();
	}

	@Test
	void redisStoreMetricsTimeDecisionsBySourceAndCountFailures() {
		RedisStoreMetrics redis = new RedisStoreMetrics(this.registry);
		redis.onDecision(RedisRateLimitStore.DecisionSource.REDIS, 2_000_000);
		redis.onDecision(RedisRateLimitStore.DecisionSource.FALLBACK, 10_000);
		redis.onFailure(new IllegalStateException("down"));
		assertThat(this.registry.get("limiter.redis.decisions").tag("source", "redis").timer().count()).isEqualTo(1);
		assertThat(this.registry.get("limiter.redis.decisions").tag("source", "fallback").timer().count())
			.isEqualTo(1);
		assertThat(this.registry.get("limiter.redis.failures").counter().count()).isEqualTo(1);
	}

	private double count(String name, String kind, String outcome) {
		return this.registry.get("limiter.calls")
			.tag("name", name)
			.tag("kind", kind)
			.tag("outcome", outcome)
			.counter()
			.count();
	}

	private double gauge(String meter, String name, String tag, String value) {
		var search = this.registry.get(meter).tag("name", name);
		if (tag != null) {
			search = search.tag(tag, value);
		}
		return search.gauge().value();
	}

}
