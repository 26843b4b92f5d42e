package dev.limiter.boot.autoconfigure.aop;

import dev.limiter.annotation.RateLimited;
import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.autoconfigure.metrics.LimiterMetricsAutoConfiguration;
import dev.limiter.boot.testing.CountingStore;
import dev.limiter.core.ratelimit.RateLimitStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** A {@code @RateLimited} key expression that throws never fails the call. */
@ExtendWith(OutputCaptureExtension.class)
class LimiterAspectKeyFailureTests {

	private final CountingStore store = new CountingStore();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, LimiterAutoConfiguration.class,
				LimiterAspectAutoConfiguration.class, LimiterMetricsAutoConfiguration.class))
		.withBean(RateLimitStore.class, () -> this.store)
		.withBean(MeterRegistry.class, () -> this.meters)
		.withBean(Tenants.class)
		.withPropertyValues("limiter.rate-limiters.api.limit=5");

	@Test
	void keyThatThrowsPutsTheCallUnderTheSharedKeyCountsAndWarnsOnce(CapturedOutput output) {
		this.runner.run((context) -> {
			Tenants tenants = context.getBean(Tenants.class);
			assertThat(tenants.orders("abc")).isEqualTo("abc");
			assertThat(tenants.orders("def")).isEqualTo("def");
			assertThat(tenants.orders("7")).isEqualTo("7");
			assertThat(tenants.orders(null)).isNull();
			assertThat(this.store.used("api:-")).isEqualTo(3);
			assertThat(this.store.used("api:7")).isEqualTo(1);
			Counter failures = this.meters.find("limiter.key.failures")
				.tags("name", "api", "kind", "rate-limiter")
				.counter();
			assertThat(failures).isNotNull();
			assertThat(failures.count()).isEqualTo(3);
			assertThat(output).containsOnlyOnce("of rate limiter 'api' failed").contains("WARN");
		});
	}

	static class Tenants {

		@RateLimited(name = "api", key = "T(java.lang.Integer).parseInt(#tenant)")
		String orders(String tenant) {
			return tenant;
		}

	}

}
