package dev.limiter.boot.autoconfigure.web;

import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.autoconfigure.actuate.LimiterEndpointAutoConfiguration;
import dev.limiter.boot.autoconfigure.aop.LimiterAspectAutoConfiguration;
import dev.limiter.boot.autoconfigure.metrics.LimiterMetricsAutoConfiguration;
import dev.limiter.boot.autoconfigure.redis.LimiterRedisAutoConfiguration;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.boot.web.LimiterWebRules;
import jakarta.servlet.Filter;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.web.servlet.DispatcherServlet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A WebFlux application without the servlet API: every limiter auto-configuration applies without failing, the
 * limiters exist, and none of the servlet filters or their rules is registered.
 */
class LimiterReactiveApplicationTests {

	private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
		.withClassLoader(new FilteredClassLoader(Filter.class.getPackageName(), DispatcherServlet.class.getPackageName()))
		.withConfiguration(AutoConfigurations.of(WebFluxAutoConfiguration.class, LimiterAutoConfiguration.class,
				LimiterRedisAutoConfiguration.class, LimiterWebAutoConfiguration.class,
				LimiterAspectAutoConfiguration.class, LimiterMetricsAutoConfiguration.class,
				LimiterEndpointAutoConfiguration.class));

	@Test
	void reactiveApplicationGetsTheLimitersButNoServletFilters() {
		this.runner
			.withPropertyValues("limiter.rate-limiters.api.limit=10", "limiter.web.rules[0].paths=/api/**",
					"limiter.web.rules[0].rate-limiter=api")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasSingleBean(RateLimiterRegistry.class);
				assertThat(context).doesNotHaveBean(FilterRegistrationBean.class)
					.doesNotHaveBean(LimiterWebRules.class)
					.doesNotHaveBean(LimiterWebAutoConfiguration.class);
			});
	}

}
