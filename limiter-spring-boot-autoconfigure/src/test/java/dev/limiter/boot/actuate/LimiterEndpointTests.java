package dev.limiter.boot.actuate;

import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;

import dev.limiter.boot.registry.CappedShedder;
import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.boot.testing.CountingStore;
import dev.limiter.core.ManualClock;
import dev.limiter.core.breaker.SreBreaker;
import dev.limiter.core.breaker.ThresholdBreaker;
import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.ratelimit.SlidingWindowSpec;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import dev.limiter.core.shedding.AdaptiveConcurrencyLimiter;
import dev.limiter.core.shedding.AdaptiveShedder;
import dev.limiter.core.shedding.ConcurrencyLimiter;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class LimiterEndpointTests {

	private final ManualClock clock = new ManualClock();

	private final CountingStore store = new CountingStore();

	private final ThresholdBreaker legacy = ThresholdBreaker.builder("legacy").clock(this.clock).build();

	private final RateLimiterRegistry rateLimiters = new RateLimiterRegistry(Map.of("api",
					new RateLimiter("api", new TokenBucketSpec(100, Duration.ofMinutes(1), 200), this.store), "daily",
					new RateLimiter("daily",
							new FixedWindowSpec(1000, Duration.ofDays(1), true, ZoneId.of("Europe/Paris")), this.store),
					"sliding",
					new RateLimiter("sliding", new SlidingWindowSpec(5, Duration.ofSeconds(10)), this.store)));

	private final LimiterEndpoint endpoint = new LimiterEndpoint(this.rateLimiters,
			new CircuitBreakerRegistry(Map.of("api", SreBreaker.builder("api").clock(this.clock).build(), "legacy",
					this.legacy)),
			new LoadShedderRegistry(Map.of("cpu",
					AdaptiveShedder.builder().name("cpu").cpuUsage(() -> 0.5).clock(this.clock).build(), "capped",
					new CappedShedder(ConcurrencyLimiter.of("capped", 8),
							AdaptiveShedder.builder().name("capped").cpuUsage(() -> 0.5).clock(this.clock).build()))),
			"daily"::equals, this.store);

	@Test
	void readAllDescribesEveryInstance() {
		LimiterEndpoint.LimitersDescriptor all = this.endpoint.limiters();
		assertThat(all.store()).isEqualTo("CountingStore");
		assertThat(all.rateLimiters()).containsOnlyKeys("api", "daily", "sliding");
		assertThat(all.rateLimiters().get("api")).isEqualTo(
				new LimiterEndpoint.RateLimiterDescriptor("token-bucket", 100, "PT1M", 200L, null, null, "enforce"));
		assertThat(all.rateLimiters().get("daily")).isEqualTo(new LimiterEndpoint.RateLimiterDescriptor(
				"fixed-window", 1000, "PT24H", null, true, "Europe/Paris", "shadow"));
		assertThat(all.rateLimiters().get("sliding").algorithm()).isEqualTo("sliding-window");
		assertThat(all.circuitBreakers().get("api"))
			.isEqualTo(new LimiterEndpoint.BreakerDescriptor("adaptive", "closed", 0.0, null, null));
		assertThat(all.circuitBreakers().get("legacy"))
			.isEqualTo(new LimiterEndpoint.BreakerDescriptor("threshold", "closed", null, -1.0, -1.0));
		assertThat(all.loadShedders().get("cpu"))
			.isEqualTo(new LimiterEndpoint.ShedderDescriptor("adaptive", 0.9, 0.5, 0L, null, null));
		assertThat(all.loadShedders().get("capped"))
			.isEqualTo(new LimiterEndpoint.ShedderDescriptor("adaptive", 0.9, 0.5, 0L, 8, null));
	}

	@Test
	void readShowsTheLimitOfAnAdaptiveConcurrencyShedder() {
		AdaptiveConcurrencyLimiter limiter = AdaptiveConcurrencyLimiter.builder()
			.name("api")
			.initialLimit(12)
			.clock(this.clock)
			.build();
		limiter.allow();
		LimiterEndpoint endpoint = new LimiterEndpoint(new RateLimiterRegistry(Map.of()),
				new CircuitBreakerRegistry(Map.of()),
				new LoadShedderRegistry(Map.of("api", limiter, "capped",
						new CappedShedder(ConcurrencyLimiter.of("capped", 8), limiter))),
				(name) -> false, null);
		assertThat(endpoint.limiters().loadShedders().get("api"))
			.isEqualTo(new LimiterEndpoint.ShedderDescriptor("adaptive-concurrency", null, null, 1L, null, 12));
		assertThat(endpoint.limiters().loadShedders().get("capped"))
			.isEqualTo(new LimiterEndpoint.ShedderDescriptor("adaptive-concurrency", null, null, 0L, 8, 12));
	}

	@Test
	void readOneReturnsEveryInstanceOfThatName() {
		LimiterEndpoint.LimitersDescriptor api = this.endpoint.limiter("api");
		assertThat(api.rateLimiters()).containsOnlyKeys("api");
		assertThat(api.circuitBreakers()).containsOnlyKeys("api");
		assertThat(api.loadShedders()).isEmpty();
		assertThat(this.endpoint.limiter("nope")).isNull();
	}

	@Test
	void writeActsOnThresholdBreakers() {
		assertThat(this.endpoint.updateCircuitBreaker("legacy", LimiterEndpoint.BreakerAction.FORCE_OPEN).state())
			.isEqualTo("forced-open");
		assertThat(this.legacy.state()).isEqualTo(dev.limiter.core.breaker.BreakerState.FORCED_OPEN);
		assertThat(this.endpoint.updateCircuitBreaker("legacy", LimiterEndpoint.BreakerAction.FORCE_CLOSED).state())
			.isEqualTo("forced-closed");
		assertThat(this.endpoint.updateCircuitBreaker("legacy", LimiterEndpoint.BreakerAction.DISABLE).state())
			.isEqualTo("disabled");
		assertThat(this.endpoint.updateCircuitBreaker("legacy", LimiterEndpoint.BreakerAction.RESET).state())
			.isEqualTo("closed");
	}

	@Test
	void adaptiveBreakersTakeEveryAction() {
		assertThat(this.endpoint.updateCircuitBreaker("api", LimiterEndpoint.BreakerAction.FORCE_OPEN).state())
			.isEqualTo("forced-open");
		assertThat(this.endpoint.updateCircuitBreaker("api", LimiterEndpoint.BreakerAction.FORCE_CLOSED).state())
			.isEqualTo("forced-closed");
		assertThat(this.endpoint.updateCircuitBreaker("api", LimiterEndpoint.BreakerAction.DISABLE).state())
			.isEqualTo("disabled");
		assertThat(this.endpoint.updateCircuitBreaker("api", LimiterEndpoint.BreakerAction.RESET).state())
			.isEqualTo("closed");
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.updateCircuitBreaker("nope", LimiterEndpoint.BreakerAction.RESET))
			.withMessage("There is no circuit breaker 'nope'");
	}

	@Test
	void writeChangesARateLimitersSpecKeepingItsStore() {
		LimiterEndpoint.LimitersDescriptor api = this.endpoint.update("api", 50L, Duration.ofSeconds(10), null, null);
		assertThat(api.rateLimiters().get("api")).isEqualTo(
				new LimiterEndpoint.RateLimiterDescriptor("token-bucket", 50, "PT10S", 200L, null, null, "enforce"));
		assertThat(this.rateLimiters.find("api").spec())
			.isEqualTo(new TokenBucketSpec(50, Duration.ofSeconds(10), 200));
		assertThat(this.rateLimiters.find("api").store()).isSameAs(this.store);
		this.endpoint.update("daily", 10L, null, null, null);
		assertThat(this.rateLimiters.find("daily").spec())
			.isEqualTo(new FixedWindowSpec(10, Duration.ofDays(1), true, ZoneId.of("Europe/Paris")));
		this.endpoint.update("sliding", null, Duration.ofSeconds(1), null, null);
		assertThat(this.rateLimiters.find("sliding").spec())
			.isEqualTo(new SlidingWindowSpec(5, Duration.ofSeconds(1)));
	}

	@Test
	void writeCombinesARateChangeAndABreakerAction() {
		LimiterEndpoint.LimitersDescriptor api = this.endpoint.update("api", 1L, null, 1L,
				LimiterEndpoint.BreakerAction.RESET);
		assertThat(api.rateLimiters().get("api").burst()).isEqualTo(1);
		assertThat(api.circuitBreakers().get("api").state()).isEqualTo("closed");
	}

	@Test
	void writeRejectsValuesThatDoNotFit() {
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.update("api", -1L, null, null, null))
			.withMessage("Invalid change of rate limiter 'api': limit must be >= 0 (was -1)");
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.update("daily", null, null, 5L, null))
			.withMessage("Rate limiter 'daily' is not a token bucket: it has no burst");
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.update("cpu", 5L, null, null, null))
			.withMessage("There is no rate limiter 'cpu'");
		assertThat(this.endpoint.update("nope", null, null, null, null)).isNull();
	}

}
