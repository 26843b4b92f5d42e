package dev.limiter.boot.autoconfigure;

import java.time.Duration;
import java.util.Map;

import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.boot.testing.CountingStore;
import dev.limiter.core.Clock;
import dev.limiter.core.ManualClock;
import dev.limiter.core.Promise;
import dev.limiter.core.breaker.BreakerState;
import dev.limiter.core.breaker.SreBreaker;
import dev.limiter.core.breaker.ThresholdBreaker;
import dev.limiter.core.ratelimit.InMemoryRateLimitStore;
import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.RateLimitStore;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import dev.limiter.core.shedding.AdaptiveConcurrencyLimiter;
import dev.limiter.core.shedding.AdaptiveShedder;
import dev.limiter.core.shedding.OverloadException;
import dev.limiter.core.shedding.Shedder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class LimiterAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LimiterAutoConfiguration.class));

	@Test
	void runWithoutConfigurationShouldCreateEmptyRegistriesAndSystemClock() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(LimiterProperties.class)
				.hasSingleBean(RateLimiterRegistry.class)
				.hasSingleBean(CircuitBreakerRegistry.class)
				.hasSingleBean(LoadShedderRegistry.class);
			assertThat(context.getBean(Clock.class)).isSameAs(Clock.system());
			assertThat(context.getBean(RateLimiterRegistry.class).all()).isEmpty();
			assertThat(context).hasSingleBean(InMemoryRateLimitStore.class);
			assertThat(context.getBean(InMemoryRateLimitStore.class).maximumKeys()).isEqualTo(100_000);
		});
	}

	@Test
	void runWithMemoryStoreShouldUseMaximumKeys() {
		this.runner.withPropertyValues("limiter.memory.maximum-keys=42", "limiter.rate-limiters.api.limit=1")
			.run((context) -> {
				InMemoryRateLimitStore store = context.getBean(InMemoryRateLimitStore.class);
				assertThat(store.maximumKeys()).isEqualTo(42);
				assertThat(context.getBean(RateLimiterRegistry.class).get("api", "test").store()).isSameAs(store);
			});
	}

	@Test
	void runWithUserStoreShouldBackOff() {
		this.runner.withBean(RateLimitStore.class, CountingStore::new)
			.run((context) -> assertThat(context).hasSingleBean(RateLimitStore.class)
				.doesNotHaveBean(InMemoryRateLimitStore.class));
	}

	@Test
	void runWithRedisStoreShouldNotCreateTheMemoryStore() {
		this.runner.withPropertyValues("limiter.store=redis")
			.run((context) -> assertThat(context).doesNotHaveBean(RateLimitStore.class));
	}

	@Test
	void runWithCircuitBreakersShouldCreateThemByType() {
		this.runner.withPropertyValues("limiter.circuit-breakers.backend.k=2",
				"limiter.circuit-breakers.legacy.type=threshold",
				"limiter.circuit-breakers.legacy.failure-rate-threshold=0.25")
			.run((context) -> {
				CircuitBreakerRegistry registry = context.getBean(CircuitBreakerRegistry.class);
				assertThat(registry.get("backend", "test")).isInstanceOf(SreBreaker.class);
				assertThat(registry.get("backend", "test").name()).isEqualTo("backend");
				assertThat(registry.get("legacy", "test")).isInstanceOf(ThresholdBreaker.class);
				assertThat(registry.get("legacy", "test").state()).isEqualTo(BreakerState.CLOSED);
			});
	}

	@Test
	void runWithLoadSheddersShouldCreateAdaptiveOnesCappedWhenAsked() {
		ManualClock clock = new ManualClock();
		this.runner.withBean(Clock.class, () -> clock)
			.withPropertyValues("limiter.load-shedders.default.cpu-threshold=0.8",
					"limiter.load-shedders.default.priority=true", "limiter.load-shedders.capped.max-concurrency=1")
			.run((context) -> {
				LoadShedderRegistry registry = context.getBean(LoadShedderRegistry.class);
				assertThat(registry.get("default", "test")).isInstanceOf(AdaptiveShedder.class);
				assertThat(((AdaptiveShedder) registry.get("default", "test")).cpuThreshold()).isEqualTo(0.9);
				Shedder capped = registry.get("capped", "test");
				Promise first = capped.allow();
				assertThatExceptionOfType(OverloadException.class).isThrownBy(capped::allow);
				first.accept();
				capped.allow().reject("failed");
				capped.allow().accept();
			});
	}

	@Test
	void runWithAdaptiveConcurrencyShedderShouldCreateItWithItsLimits() {
		this.runner
			.withPropertyValues("limiter.load-shedders.api.type=adaptive-concurrency",
					"limiter.load-shedders.api.initial-limit=3", "limiter.load-shedders.api.min-limit=2",
					"limiter.load-shedders.api.max-limit=50", "limiter.load-shedders.plain.type=adaptive-concurrency",
					"limiter.load-shedders.cpu.type=cpu")
			.run((context) -> {
				LoadShedderRegistry registry = context.getBean(LoadShedderRegistry.class);
				assertThat(registry.get("cpu", "test")).isInstanceOf(AdaptiveShedder.class);
				AdaptiveConcurrencyLimiter api = (AdaptiveConcurrencyLimiter) registry.get("api", "test");
				assertThat(api.name()).isEqualTo("api");
				assertThat(api.limit()).isEqualTo(3);
				assertThat(api.minLimit()).isEqualTo(2);
				assertThat(api.maxLimit()).isEqualTo(50);
				AdaptiveConcurrencyLimiter plain = (AdaptiveConcurrencyLimiter) registry.get("plain", "test");
				assertThat(plain.limit()).isEqualTo(20);
				assertThat(plain.minLimit()).isEqualTo(1);
				assertThat(plain.maxLimit()).isEqualTo(1000);
				Promise first = api.allow();
				api.allow();
				api.allow();
				assertThatExceptionOfType(OverloadException.class).isThrownBy(api::allow);
				first.accept();
				assertThat(api.inFlight()).isEqualTo(2);
			});
	}

	@ParameterizedTest
	@CsvSource({ "min-limit=0, min-limit", "max-limit=0, max-limit", "initial-limit=1001, initial-limit",
			"min-limit=30, initial-limit" })
	void runWithInvalidAdaptiveConcurrencyLimitShouldFailNamingTheProperty(String value, String property) {
		this.runner
			.withPropertyValues("limiter.load-shedders.api.type=adaptive-concurrency",
					"limiter.load-shedders.api." + value)
			.run((context) -> assertThat(findCause(context.getStartupFailure()).getName())
				.isEqualTo("limiter.load-shedders.api." + property));
	}

	@Test
	void runWithMinLimitAboveMaxLimitShouldFailNamingMaxLimit() {
		this.runner
			.withPropertyValues("limiter.load-shedders.api.type=adaptive-concurrency",
					"limiter.load-shedders.api.min-limit=10", "limiter.load-shedders.api.max-limit=5",
					"limiter.load-shedders.api.initial-limit=5")
			.run((context) -> assertThat(findCause(context.getStartupFailure()))
				.satisfies((ex) -> assertThat(ex.getName()).isEqualTo("limiter.load-shedders.api.max-limit"))
				.hasMessageContaining("Must be at least minLimit (10; was 5)."));
	}

	@Test
	void runWithValueRefusedByCoreShouldFailNamingTheProperty() {
		this.runner.withPropertyValues("limiter.circuit-breakers.legacy.type=threshold",
				"limiter.circuit-breakers.legacy.half-open-calls=100000")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(IllegalArgumentException.class)
				.satisfies((ex) -> assertThat(findCause(context.getStartupFailure()).getName())
					.isEqualTo("limiter.circuit-breakers.legacy.half-open-calls")));
	}

	@Test
	void runWithUserClockShouldBackOff() {
		ManualClock clock = new ManualClock();
		this.runner.withBean(Clock.class, () -> clock).run((context) -> {
			assertThat(context).hasSingleBean(Clock.class);
			assertThat(context.getBean(Clock.class)).isSameAs(clock);
		});
	}

	@Test
	void runWithUserRegistriesShouldBackOff() {
		RateLimiterRegistry rateLimiters = new RateLimiterRegistry(Map.of());
		CircuitBreakerRegistry breakers = new CircuitBreakerRegistry(Map.of());
		LoadShedderRegistry shedders = new LoadShedderRegistry(Map.of());
		this.runner.withBean(RateLimiterRegistry.class, () -> rateLimiters)
			.withBean(CircuitBreakerRegistry.class, () -> breakers)
			.withBean(LoadShedderRegistry.class, () -> shedders)
			.withPropertyValues("limiter.rate-limiters.api.limit=-1")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(RateLimiterRegistry.class)).isSameAs(rateLimiters);
				assertThat(context.getBean(CircuitBreakerRegistry.class)).isSameAs(breakers);
				assertThat(context.getBean(LoadShedderRegistry.class)).isSameAs(shedders);
			});
	}

	@Test
	void runWithRateLimitersShouldRegisterThemOverTheStoreBean() {
		CountingStore store = new CountingStore();
		this.runner.withBean(RateLimitStore.class, () -> store)
			.withPropertyValues("limiter.rate-limiters.api.limit=100", "limiter.rate-limiters.api.period=1m",
					"limiter.rate-limiters.api.burst=200", "limiter.rate-limiters.daily.algorithm=fixed-window",
					"limiter.rate-limiters.daily.limit=1000", "limiter.rate-limiters.daily.period=1d",
					"limiter.rate-limiters.daily.align=true")
			.run((context) -> {
				RateLimiterRegistry registry = context.getBean(RateLimiterRegistry.class);
				assertThat(registry.names()).containsExactly("api", "daily");
				assertThat(registry.get("api", "test").spec())
					.isEqualTo(new TokenBucketSpec(100, Duration.ofMinutes(1), 200));
				assertThat(registry.get("daily", "test").spec())
					.isEqualTo(new FixedWindowSpec(1000, Duration.ofDays(1), true));
				assertThat(registry.get("api", "test").store()).isSameAs(store);
				assertThat(registry.get("api", "test").acquire("k").allowed()).isTrue();
				assertThat(store.used("api:k")).isEqualTo(1);
			});
	}

	@Test
	void runWithInvalidLimitShouldFailNamingTheProperty() {
		this.runner.withBean(RateLimitStore.class, CountingStore::new)
			.withPropertyValues("limiter.rate-limiters.api.limit=-1")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(findCause(context.getStartupFailure()))
					.hasMessageContaining("limiter.rate-limiters.api.limit")
					.hasMessageContaining("Must be >= 0 (was -1).");
			});
	}

	@Test
	void runWithNegativeLeasePermitsShouldFailNamingTheProperty() {
		this.runner.withBean(RateLimitStore.class, CountingStore::new)
			.withPropertyValues("limiter.rate-limiters.api.limit=100", "limiter.rate-limiters.api.lease-permits=-1")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(findCause(context.getStartupFailure()))
					.satisfies((ex) -> assertThat(ex.getName()).isEqualTo("limiter.rate-limiters.api.lease-permits"))
					.hasMessageContaining("Must be >= 0 (was -1).");
			});
	}

	@Test
	void runWithLeasePermitsShouldGiveThemToTheLimiterAndKeepThemAcrossSpecUpdates() {
		this.runner.withBean(RateLimitStore.class, CountingStore::new)
			.withPropertyValues("limiter.rate-limiters.api.limit=100", "limiter.rate-limiters.api.lease-permits=20")
			.run((context) -> {
				RateLimiterRegistry registry = context.getBean(RateLimiterRegistry.class);
				assertThat(registry.get("api", "test").leasePermits()).isEqualTo(20);
				registry.update("api", TokenBucketSpec.of(50, Duration.ofSeconds(1)));
				assertThat(registry.get("api", "test").leasePermits()).isEqualTo(20);
			});
	}

	@Test
	void runWithInvalidBreakerValueShouldFailNamingTheProperty() {
		this.runner.withPropertyValues("limiter.circuit-breakers.backend.k=0.5").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(findCause(context.getStartupFailure()))
				.hasMessageContaining("limiter.circuit-breakers.backend.k");
		});
	}

	@Test
	void runWithBadDurationShouldFailBindingTheProperty() {
		this.runner.withPropertyValues("limiter.rate-limiters.api.limit=1", "limiter.rate-limiters.api.period=soon")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(bindFailure(context.getStartupFailure()).getProperty().getName())
					.hasToString("limiter.rate-limiters.api.period");
			});
	}

	@Test
	void runWithUnknownAlgorithmShouldFailBindingTheProperty() {
		this.runner.withPropertyValues("limiter.rate-limiters.api.limit=1", "limiter.rate-limiters.api.algorithm=leaky")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(bindFailure(context.getStartupFailure()).getProperty().getName())
					.hasToString("limiter.rate-limiters.api.algorithm");
			});
	}

	@Test
	void runWithRedisStoreAndNoStoreBeanShouldFailNamingTheStore() {
		this.runner.withPropertyValues("limiter.store=redis", "limiter.rate-limiters.api.limit=1").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("limiter.store");
		});
	}

	@Test
	void propertiesBindEveryKeyOfTheContract() {
		this.runner.withBean(RateLimitStore.class, CountingStore::new)
			.withPropertyValues("limiter.store=memory", "limiter.redis.key-prefix=rl:", "limiter.redis.timeout=250ms",
					"limiter.redis.on-failure=deny", "limiter.memory.maximum-keys=500",
					"limiter.rate-limiters.api.limit=5", "limiter.rate-limiters.api.mode=shadow",
					"limiter.web.headers=both", "limiter.web.trusted-proxies=10.0.0.0/8,::1",
					"limiter.web.rules[0].paths=/api/**", "limiter.web.rules[0].methods=GET,POST",
					"limiter.web.rules[0].rate-limiter=api", "limiter.web.rules[0].key=header:X-Api-Key")
			.run((context) -> {
				LimiterProperties properties = context.getBean(LimiterProperties.class);
				assertThat(properties.getRedis().getKeyPrefix()).isEqualTo("rl:");
				assertThat(properties.getRedis().getTimeout()).isEqualTo(Duration.ofMillis(250));
				assertThat(properties.getRedis().getOnFailure()).isEqualTo(LimiterProperties.OnFailure.DENY);
				assertThat(properties.getMemory().getMaximumKeys()).isEqualTo(500);
				assertThat(properties.getRateLimiters().get("api").getMode()).isEqualTo(LimiterProperties.Mode.SHADOW);
				assertThat(properties.getWeb().getHeaders()).isEqualTo(LimiterProperties.HeadersFormat.BOTH);
				assertThat(properties.getWeb().getTrustedProxies()).containsExactly("10.0.0.0/8", "::1");
				LimiterProperties.Rule rule = properties.getWeb().getRules().get(0);
				assertThat(rule.getPaths()).containsExactly("/api/**");
				assertThat(rule.getMethods()).containsExactly("GET", "POST");
				assertThat(rule.getKey()).isEqualTo("header:X-Api-Key");
			});
	}

	private static InvalidConfigurationPropertyValueException findCause(Throwable failure) {
		Throwable cause = failure;
		while (cause != null && !(cause instanceof InvalidConfigurationPropertyValueException)) {
			cause = cause.getCause();
		}
		assertThat(cause).as("InvalidConfigurationPropertyValueException in %s", failure).isNotNull();
		return (InvalidConfigurationPropertyValueException) cause;
	}

	private static BindException bindFailure(Throwable failure) {
		Throwable cause = failure;
		while (cause != null && !(cause instanceof BindException)) {
			cause = cause.getCause();
		}
		assertThat(cause).as("BindException in %s", failure).isNotNull();
		return (BindException) cause;
	}

}
