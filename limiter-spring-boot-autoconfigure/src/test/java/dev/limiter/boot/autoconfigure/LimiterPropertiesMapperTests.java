package dev.limiter.boot.autoconfigure;

import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.function.Consumer;

import dev.limiter.core.Clock;
import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.SlidingWindowSpec;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class LimiterPropertiesMapperTests {

	@Test
	void tokenBucketBurstDefaultsToTheLimit() {
		LimiterProperties.RateLimiter limiter = limiter(LimiterProperties.Algorithm.TOKEN_BUCKET, 100);
		assertThat(LimiterPropertiesMapper.rateLimitSpec("api", limiter))
			.isEqualTo(new TokenBucketSpec(100, Duration.ofSeconds(1), 100));
		limiter.setBurst(250L);
		limiter.setPeriod(Duration.ofMinutes(1));
		assertThat(LimiterPropertiesMapper.rateLimitSpec("api", limiter))
			.isEqualTo(new TokenBucketSpec(100, Duration.ofMinutes(1), 250));
	}

	@Test
	void fixedWindowMapsQuotaAlignAndZone() {
		LimiterProperties.RateLimiter limiter = limiter(LimiterProperties.Algorithm.FIXED_WINDOW, 1000);
		limiter.setPeriod(Duration.ofDays(1));
		assertThat(LimiterPropertiesMapper.rateLimitSpec("daily", limiter))
			.isEqualTo(new FixedWindowSpec(1000, Duration.ofDays(1), false, ZoneOffset.UTC));
		limiter.setAlign(true);
		limiter.setZone(ZoneId.of("Europe/Paris"));
		assertThat(LimiterPropertiesMapper.rateLimitSpec("daily", limiter))
			.isEqualTo(new FixedWindowSpec(1000, Duration.ofDays(1), true, ZoneId.of("Europe/Paris")));
	}

	@Test
	void slidingWindowDefaultsToThePeriod() {
		LimiterProperties.RateLimiter limiter = limiter(LimiterProperties.Algorithm.SLIDING_WINDOW, 5);
		limiter.setPeriod(Duration.ofSeconds(10));
		assertThat(LimiterPropertiesMapper.rateLimitSpec("s", limiter))
			.isEqualTo(new SlidingWindowSpec(5, Duration.ofSeconds(10)));
		limiter.setWindow(Duration.ofSeconds(30));
		assertThat(LimiterPropertiesMapper.rateLimitSpec("s", limiter))
			.isEqualTo(new SlidingWindowSpec(5, Duration.ofSeconds(30)));
	}

	@Test
	void zeroLimitIsLegal() {
		assertThat(LimiterPropertiesMapper.rateLimitSpec("off", limiter(LimiterProperties.Algorithm.TOKEN_BUCKET, 0))
			.limit()).isZero();
	}

	@Test
	void missingLimitNamesTheProperty() {
		LimiterProperties.RateLimiter limiter = new LimiterProperties.RateLimiter();
		assertInvalid(() -> LimiterPropertiesMapper.rateLimitSpec("api", limiter), "limiter.rate-limiters.api.limit",
				"Must be set");
	}

	@Test
	void wrongRateLimiterValuesNameTheirProperty() {
		assertInvalidLimiter(LimiterProperties.Algorithm.TOKEN_BUCKET, (l) -> l.setLimit(-1L), "api.limit");
		assertInvalidLimiter(LimiterProperties.Algorithm.TOKEN_BUCKET, (l) -> l.setPeriod(Duration.ZERO),
				"api.period");
		assertInvalidLimiter(LimiterProperties.Algorithm.TOKEN_BUCKET, (l) -> l.setPeriod(Duration.ofSeconds(-1)),
				"api.period");
		assertInvalidLimiter(LimiterProperties.Algorithm.TOKEN_BUCKET, (l) -> l.setBurst(-5L), "api.burst");
		assertInvalidLimiter(LimiterProperties.Algorithm.SLIDING_WINDOW, (l) -> l.setWindow(Duration.ZERO),
				"api.window");
		assertInvalidLimiter(LimiterProperties.Algorithm.FIXED_WINDOW, (l) -> l.setZone(ZoneOffset.UTC), "api.zone");
		assertInvalidLimiter(LimiterProperties.Algorithm.FIXED_WINDOW, (l) -> {
			l.setAlign(true);
			l.setPeriod(Duration.ofNanos(1_500_000));
		}, "api.period");
	}

	@Test
	void settingsOfAnotherAlgorithmAreRejected() {
		assertInvalidLimiter(LimiterProperties.Algorithm.FIXED_WINDOW, (l) -> l.setBurst(5L), "api.burst");
		assertInvalidLimiter(LimiterProperties.Algorithm.TOKEN_BUCKET, (l) -> l.setWindow(Duration.ofSeconds(1)),
				"api.window");
		assertInvalidLimiter(LimiterProperties.Algorithm.SLIDING_WINDOW, (l) -> l.setAlign(true), "api.align");
		assertInvalidLimiter(LimiterProperties.Algorithm.TOKEN_BUCKET, (l) -> l.setZone(ZoneOffset.UTC), "api.zone");
	}

	@Test
	void mapKeysNeedingBracketsAreBracketed() {
		LimiterProperties.RateLimiter limiter = limiter(LimiterProperties.Algorithm.TOKEN_BUCKET, -1);
		assertInvalid(() -> LimiterPropertiesMapper.rateLimitSpec("My.Api", limiter),
				"limiter.rate-limiters[My.Api].limit", "Must be >= 0 (was -1).");
	}

	@Test
	void wrongCircuitBreakerValuesNameTheirProperty() {
		assertInvalidBreaker((b) -> b.setK(1.05), "k");
		assertInvalidBreaker((b) -> b.setK(Double.NaN), "k");
		assertInvalidBreaker((b) -> b.setProtection(-1), "protection");
		assertInvalidBreaker((b) -> b.setWindow(Duration.ZERO), "window");
		assertInvalidBreaker((b) -> b.setBuckets(0), "buckets");
		assertInvalidBreaker((b) -> b.setWindow(Duration.ofNanos(39)), "window");
		assertInvalidBreaker((b) -> b.setFailureRateThreshold(0), "failure-rate-threshold");
		assertInvalidBreaker((b) -> b.setSlowCallRateThreshold(1.5), "slow-call-rate-threshold");
		assertInvalidBreaker((b) -> b.setSlowCallDuration(Duration.ofSeconds(-1)), "slow-call-duration");
		assertInvalidBreaker((b) -> b.setMinimumCalls(0), "minimum-calls");
		assertInvalidBreaker((b) -> b.setOpenDuration(Duration.ZERO), "open-duration");
		assertInvalidBreaker((b) -> b.setHalfOpenCalls(0), "half-open-calls");
		assertInvalidBreaker((b) -> b.setProbeTimeout(Duration.ZERO), "probe-timeout");
		assertInvalidBreaker((b) -> b.setSlowCallDuration(null), "slow-call-duration");
		assertInvalidBreaker((b) -> {
			b.setType(LimiterProperties.BreakerType.THRESHOLD);
			b.setBuckets(1001);
		}, "buckets");
		LimiterProperties.CircuitBreaker valid = new LimiterProperties.CircuitBreaker();
		valid.setWindow(Duration.ofMillis(10));
		LimiterPropertiesMapper.checkCircuitBreaker("backend", valid);
		CoreFactories.breaker("backend", valid, Clock.system());
	}

	@Test
	void wrongLoadShedderValuesNameTheirProperty() {
		assertInvalidShedder((s) -> s.setCpuThreshold(-0.1), "cpu-threshold");
		assertInvalidShedder((s) -> s.setCpuThreshold(1), "cpu-threshold");
		assertInvalidShedder((s) -> s.setCpuThreshold(0.9996), "cpu-threshold");
		assertInvalidShedder((s) -> s.setCpuThreshold(90), "cpu-threshold");
		assertInvalidShedder((s) -> s.setWindow(Duration.ofMillis(-1)), "window");
		assertInvalidShedder((s) -> s.setBuckets(-1), "buckets");
		assertInvalidShedder((s) -> s.setCoolOff(Duration.ofSeconds(-1)), "cool-off");
		assertInvalidShedder((s) -> s.setMaxConcurrency(-1), "max-concurrency");
		assertInvalidShedder((s) -> s.setMinLimit(0), "min-limit");
		LimiterProperties.LoadShedder valid = new LimiterProperties.LoadShedder();
		valid.setCpuThreshold(0);
		LimiterPropertiesMapper.checkLoadShedder("default", valid);
		CoreFactories.shedder("default", valid, Clock.system());
	}

	@Test
	void wrongStoreValuesNameTheirProperty() {
		LimiterProperties properties = new LimiterProperties();
		properties.getMemory().setMaximumKeys(0);
		assertInvalid(() -> CoreFactories.memoryStore(properties, Clock.system()), "limiter.memory.maximum-keys",
				"Must be >= 1 (was 0).");
	}

	@Test
	void reasonsAreSentences() {
		assertThat(InvalidProperties.reason("burst must be >= 0 (was -1)")).isEqualTo("Burst must be >= 0 (was -1).");
		assertThat(InvalidProperties.reason(null)).isEqualTo("Invalid value.");
		assertThat(InvalidProperties.property("limiter.circuit-breakers.b", "halfOpenCalls"))
			.isEqualTo("limiter.circuit-breakers.b.half-open-calls");
	}

	private static LimiterProperties.RateLimiter limiter(LimiterProperties.Algorithm algorithm, long limit) {
		LimiterProperties.RateLimiter limiter = new LimiterProperties.RateLimiter();
		limiter.setAlgorithm(algorithm);
		limiter.setLimit(limit);
		return limiter;
	}

	private static void assertInvalidLimiter(LimiterProperties.Algorithm algorithm,
			Consumer<LimiterProperties.RateLimiter> change, String property) {
		LimiterProperties.RateLimiter limiter = limiter(algorithm, 10);
		change.accept(limiter);
		assertInvalid(() -> LimiterPropertiesMapper.rateLimitSpec("api", limiter), "limiter.rate-limiters." + property,
				"");
	}

	private static void assertInvalidBreaker(Consumer<LimiterProperties.CircuitBreaker> change, String property) {
		LimiterProperties.CircuitBreaker breaker = new LimiterProperties.CircuitBreaker();
		change.accept(breaker);
		assertInvalid(() -> {
			LimiterPropertiesMapper.checkCircuitBreaker("backend", breaker);
			CoreFactories.breaker("backend", breaker, Clock.system());
		}, "limiter.circuit-breakers.backend." + property, "");
	}

	private static void assertInvalidShedder(Consumer<LimiterProperties.LoadShedder> change, String property) {
		LimiterProperties.LoadShedder shedder = new LimiterProperties.LoadShedder();
		change.accept(shedder);
		assertInvalid(() -> {
			LimiterPropertiesMapper.checkLoadShedder("default", shedder);
			CoreFactories.shedder("default", shedder, Clock.system());
		}, "limiter.load-shedders.default." + property, "");
	}

	private static void assertInvalid(Runnable action, String property, String reason) {
		assertThatExceptionOfType(InvalidConfigurationPropertyValueException.class).isThrownBy(action::run)
			.satisfies((ex) -> {
				assertThat(ex.getName()).isEqualTo(property);
				assertThat(ex.getReason()).contains(reason).matches("^[A-Z].*\\.$");
			});
	}

}
