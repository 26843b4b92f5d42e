package dev.limiter.boot.actuate;

import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.ToLongFunction;

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
import dev.limiter.core.shedding.CappedShedder;
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
					new RateLimiter("sliding", new SlidingWindowSpec(5, Duration.ofSeconds(10)), this.store, 50)));

	private final LimiterEndpoint endpoint = new LimiterEndpoint(this.rateLimiters,
			new CircuitBreakerRegistry(Map.of("api", SreBreaker.builder("api").clock(this.clock).build(), "legacy",
					this.legacy), Set.of("legacy")),
			new LoadShedderRegistry(Map.of("cpu",
					AdaptiveShedder.builder().name("cpu").cpuUsage(() -> 0.5).clock(this.clock).build(), "capped",
					new CappedShedder(ConcurrencyLimiter.of("capped", 8),
							AdaptiveShedder.builder().name("capped").cpuUsage(() -> 0.5).clock(this.clock).build())),
					Set.of("capped")),
			"daily"::equals, this.store);

	@Test
	void readAllDescribesEveryInstance() {
		LimiterEndpoint.LimitersDescriptor all = this.endpoint.limiters();
		assertThat(all.store()).isEqualTo("CountingStore");
		assertThat(all.rateLimiters()).containsOnlyKeys("api", "daily", "sliding");
		assertThat(all.rateLimiters().get("api")).isEqualTo(new LimiterEndpoint.RateLimiterDescriptor("token-bucket",
				100, "PT1M", 200L, null, null, null, "enforce"));
		assertThat(all.rateLimiters().get("daily")).isEqualTo(new LimiterEndpoint.RateLimiterDescriptor(
				"fixed-window", 1000, "PT24H", null, true, "Europe/Paris", null, "shadow"));
		assertThat(all.rateLimiters().get("sliding")).isEqualTo(new LimiterEndpoint.RateLimiterDescriptor(
				"sliding-window", 5, "PT10S", null, null, null, 50, "enforce"));
		assertThat(all.circuitBreakers().get("api"))
			.isEqualTo(new LimiterEndpoint.BreakerDescriptor("adaptive", "closed", 0.0, null, null, "enforce"));
		assertThat(all.circuitBreakers().get("legacy"))
			.isEqualTo(new LimiterEndpoint.BreakerDescriptor("threshold", "closed", null, -1.0, -1.0, "shadow"));
		assertThat(all.loadShedders().get("cpu"))
			.isEqualTo(new LimiterEndpoint.ShedderDescriptor("adaptive", 0.9, 0.5, 0L, null, null, "enforce"));
		assertThat(all.loadShedders().get("capped"))
			.isEqualTo(new LimiterEndpoint.ShedderDescriptor("adaptive", 0.9, 0.5, 0L, 8, null, "shadow"));
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
			.isEqualTo(new LimiterEndpoint.ShedderDescriptor("adaptive-concurrency", null, null,
					1L, null, 12, "enforce"));
		assertThat(endpoint.limiters().loadShedders().get("capped"))
			.isEqualTo(new LimiterEndpoint.ShedderDescriptor("adaptive-concurrency", null, null, 0L, 8, 12, "enforce"));
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
		LimiterEndpoint.LimitersDescriptor api = this.endpoint.update("api", 50L, Duration.ofSeconds(10), null, null)
			.getBody();
		assertThat(api.rateLimiters().get("api")).isEqualTo(new LimiterEndpoint.RateLimiterDescriptor("token-bucket",
				50, "PT10S", 200L, null, null, null, "enforce"));
		assertThat(this.rateLimiters.find("api").spec())
			.isEqualTo(new TokenBucketSpec(50, Duration.ofSeconds(10), 200));
		assertThat(this.rateLimiters.find("api").store()).isSameAs(this.store);
		this.endpoint.update("daily", 10L, null, null, null);
		assertThat(this.rateLimiters.find("daily").spec())
			.isEqualTo(new FixedWindowSpec(10, Duration.ofDays(1), true, ZoneId.of("Europe/Paris")));
		this.endpoint.update("sliding", null, Duration.ofSeconds(1), null, null);
		assertThat(this.rateLimiters.find("sliding").spec())
			.isEqualTo(new SlidingWindowSpec(5, Duration.ofSeconds(1)));
		assertThat(this.rateLimiters.find("sliding").leasePermits()).as("a new rate keeps the lease size")
			.isEqualTo(50);
	}

	@Test
	void writeCombinesARateChangeAndABreakerAction() {
		LimiterEndpoint.LimitersDescriptor api = this.endpoint
			.update("api", 1L, null, 1L, LimiterEndpoint.BreakerAction.RESET)
			.getBody();
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
	}

	@Test
	void writeIsCheckedWholeBeforeAnythingChanges() {
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.update("sliding", 7L, null, null, LimiterEndpoint.BreakerAction.RESET))
			.withMessage("There is no circuit breaker 'sliding'");
		assertThat(this.rateLimiters.find("sliding").spec())
				.isEqualTo(new SlidingWindowSpec(5, Duration.ofSeconds(10)));
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.update("api", 1L, null, -1L, null))
			.withMessage("Invalid change of rate limiter 'api': burst must be >= 0 (was -1)");
		assertThat(this.rateLimiters.find("api").spec())
				.isEqualTo(new TokenBucketSpec(100, Duration.ofMinutes(1), 200));
		this.endpoint.updateCircuitBreaker("legacy", LimiterEndpoint.BreakerAction.FORCE_OPEN);
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.update("legacy", 5L, null, null, LimiterEndpoint.BreakerAction.RESET))
			.withMessage("There is no rate limiter 'legacy'");
		assertThat(this.legacy.state()).isEqualTo(dev.limiter.core.breaker.BreakerState.FORCED_OPEN);
	}

	@Test
	void writeToAnUnknownNameIsNotFound() {
		assertThat(this.endpoint.update("nope", 5L, null, null, null).getStatus()).isEqualTo(404);
		assertThat(this.endpoint.update("nope", null, null, null, LimiterEndpoint.BreakerAction.RESET).getStatus())
			.isEqualTo(404);
		assertThat(this.endpoint.update("nope", null, null, null, null).getStatus()).isEqualTo(404);
		assertThat(this.endpoint.update("api", null, null, null, null).getStatus()).isEqualTo(200);
	}

	@Test
	void concurrentWritesOfDifferentFieldsAllTakeEffect() throws Exception {
		// three writers, one field each, each writing ever larger values: a write that lost another's change would
		// put that field back to an older value, which its writer sees before its next write
		int writes = 3000;
		CountDownLatch start = new CountDownLatch(1);
		ExecutorService executor = Executors.newFixedThreadPool(3);
		try {
			List<Future<?>> writers = List.of(
					executor.submit(() -> writeIncreasing(start, writes, (value) -> this.endpoint.update("api", value,
							null, null, null), (spec) -> spec.limit())),
					executor.submit(() -> writeIncreasing(start, writes, (value) -> this.endpoint.update("api", null,
							Duration.ofSeconds(value), null, null), (spec) -> spec.period().toSeconds())),
					executor.submit(() -> writeIncreasing(start, writes, (value) -> this.endpoint.update("api", null,
							null, value, null), (spec) -> spec.burst())));
			start.countDown();
			for (Future<?> writer : writers) {
				writer.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
		}
		assertThat(this.rateLimiters.find("api").spec())
			.isEqualTo(new TokenBucketSpec(writes, Duration.ofSeconds(writes), writes));
	}

	private Void writeIncreasing(CountDownLatch start, int writes, LongConsumer write,
			ToLongFunction<TokenBucketSpec> field) throws InterruptedException {
		start.await();
		for (long value = 1; value <= writes; value++) {
			long current = field.applyAsLong((TokenBucketSpec) this.rateLimiters.find("api").spec());
			if (value > 1) {
				assertThat(current).as("the field written last as %d", value - 1).isEqualTo(value - 1);
			}
			write.accept(value);
		}
		return null;
	}

}
