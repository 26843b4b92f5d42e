package dev.limiter.boot.autoconfigure.dashboard;

import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.autoconfigure.actuate.LimiterEndpointAutoConfiguration;
import dev.limiter.boot.autoconfigure.redis.LimiterRedisAutoConfiguration;
import dev.limiter.boot.dashboard.DashboardWriteRecorder;
import dev.limiter.boot.dashboard.LimiterDashboard;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

class LimiterDashboardAutoConfigurationTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LimiterAutoConfiguration.class, LimiterRedisAutoConfiguration.class,
				LimiterEndpointAutoConfiguration.class, LimiterDashboardAutoConfiguration.class))
		.withPropertyValues("management.endpoints.web.exposure.include=limiter", "limiter.rate-limiters.api.limit=3");

	@Test
	void runWhenEndpointIsExposedShouldCreateTheDashboardIdle() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(LimiterDashboard.class).hasSingleBean(DashboardWriteRecorder.class);
			assertThat(context.getBean(LimiterDashboard.class).sampling()).isFalse();
			assertThat(context.getBean(LimiterDashboard.class).protectors()).containsOnlyKeys("rate-limiter:api");
		});
	}

	@Test
	void runWhenDisabledShouldNotCreateTheDashboard() {
		this.runner.withPropertyValues("limiter.dashboard.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(LimiterDashboard.class));
	}

	@Test
	void runWhenEndpointIsNotExposedShouldNotCreateTheDashboard() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=health")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(LimiterDashboard.class));
	}

	@Test
	void runWithoutJacksonShouldNotCreateTheDashboard() {
		this.runner.withClassLoader(new FilteredClassLoader(JsonMapper.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(LimiterDashboard.class));
	}

	@Test
	void runWithoutUplotShouldNotCreateTheDashboard() {
		this.runner
			.withClassLoader(
					new FilteredClassLoader(
							new ClassPathResource("META-INF/maven/org.webjars.npm/uplot/pom.properties")))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(LimiterDashboard.class));
	}

	@Test
	void runWithTooManyTopKeysShouldFailNamingTheProperty() {
		this.runner.withPropertyValues("limiter.dashboard.top-keys=21")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("limiter.dashboard.top-keys"));
	}

}
