package dev.limiter.boot.starter;

import dev.limiter.annotation.RateLimitExceededException;
import dev.limiter.annotation.RateLimited;
import dev.limiter.boot.registry.RateLimiterRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockHound;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A WebFlux application with the starter, on this module's test class path: what the starter brings, plus WebFlux
 * and the test libraries. Boot still deduces a reactive application (a servlet stack brought by the starter would
 * make it a servlet one), and the limiters, the annotations and the other auto-configurations apply to it without
 * servlet filters.
 */
class ReactiveApplicationTests {

	/** A blocking call on a non-blocking thread (Netty's event loops) fails the test. */
	@BeforeAll
	static void installBlockHound() {
		BlockHound.install();
	}


	@Test
	void starterBringsNoServletStack() {
		assertThat(ClassUtils.isPresent("jakarta.servlet.Filter", null)).isFalse();
		assertThat(ClassUtils.isPresent("org.springframework.web.servlet.DispatcherServlet", null)).isFalse();
		assertThat(WebApplicationType.deduce()).isEqualTo(WebApplicationType.REACTIVE);
	}

	@Test
	void limitersAndAnnotationsApplyToAReactiveApplication() {
		new ReactiveWebApplicationContextRunner().withUserConfiguration(Application.class)
			.withPropertyValues("limiter.rate-limiters.api.limit=2", "limiter.rate-limiters.api.period=1h",
					"limiter.web.rules[0].paths=/api/**", "limiter.web.rules[0].rate-limiter=api")
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(RateLimiterRegistry.class);
				assertThat(context)
					.doesNotHaveBean("dev.limiter.boot.autoconfigure.web.LimiterWebAutoConfiguration");
				GreetingService greetings = context.getBean(GreetingService.class);
				assertThat(greetings.greet()).isEqualTo("hello");
				assertThat(greetings.greet()).isEqualTo("hello");
				assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(greetings::greet);
			});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class Application {

		@Bean
		GreetingService greetingService() {
			return new GreetingService();
		}

	}

	static class GreetingService {

		@RateLimited(name = "api")
		String greet() {
			return "hello";
		}

	}

}
