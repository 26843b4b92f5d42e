package dev.limiter.boot.autoconfigure.web;

import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.testing.CountingStore;
import dev.limiter.core.Promise;
import dev.limiter.core.ratelimit.RateLimitStore;
import dev.limiter.core.shedding.AdaptiveConcurrencyLimiter;
import jakarta.servlet.Filter;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.DefaultMockMvcBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/** The yml of the configuration contract, through the auto-configured filters, to a 429. */
class LimiterWebEndToEndTests {

	@Test
	void configuredRuleAnswers429WithHeadersAfterTheLimit() {
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LimiterAutoConfiguration.class, LimiterWebAutoConfiguration.class))
			.withUserConfiguration(WebConfiguration.class)
			.withBean(RateLimitStore.class, CountingStore::new)
			.withPropertyValues("limiter.rate-limiters.api.limit=2", "limiter.rate-limiters.api.period=1m",
					"limiter.web.rules[0].paths=/api/**", "limiter.web.rules[0].methods=GET",
					"limiter.web.rules[0].rate-limiter=api", "limiter.web.rules[0].key=header:X-Api-Key",
					"limiter.web.headers=both")
			.run((context) -> {
				DefaultMockMvcBuilder builder = MockMvcBuilders.webAppContextSetup(context);
				for (FilterRegistrationBean<?> registration : context.getBeansOfType(FilterRegistrationBean.class)
					.values()) {
					if (registration.isEnabled()) {
						builder.addFilters((Filter) registration.getFilter());
					}
				}
				MockMvc mvc = builder.build();
				mvc.perform(get("/api/hello").header("X-Api-Key", "k"))
					.andExpect(status().isOk())
					.andExpect(header().string("RateLimit-Policy", "\"api\";q=2;w=60"))
					.andExpect(header().string("RateLimit", "\"api\";r=1;t=11"))
					.andExpect(header().string("X-RateLimit-Remaining", "1"));
				mvc.perform(get("/api/hello").header("X-Api-Key", "k")).andExpect(status().isOk());
				mvc.perform(get("/api/hello").header("X-Api-Key", "k"))
					.andExpect(status().isTooManyRequests())
					.andExpect(header().string("Retry-After", "3"))
					.andExpect(jsonPath("$.type")
						.value("https://iana.org/assignments/http-problem-types#quota-exceeded"));
				mvc.perform(get("/hello")).andExpect(status().isOk()).andExpect(header().doesNotExist("RateLimit"));
			});
	}

	@Test
	void adaptiveConcurrencyShedderInARuleAnswers503WhileItsLimitIsInFlight() {
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LimiterAutoConfiguration.class, LimiterWebAutoConfiguration.class))
			.withUserConfiguration(WebConfiguration.class)
			.withBean(RateLimitStore.class, CountingStore::new)
			.withPropertyValues("limiter.load-shedders.api.type=adaptive-concurrency",
					"limiter.load-shedders.api.initial-limit=1", "limiter.load-shedders.api.max-limit=1",
					"limiter.web.rules[0].paths=/api/**", "limiter.web.rules[0].load-shedder=api")
			.run((context) -> {
				DefaultMockMvcBuilder builder = MockMvcBuilders.webAppContextSetup(context);
				for (FilterRegistrationBean<?> registration : context.getBeansOfType(FilterRegistrationBean.class)
					.values()) {
					if (registration.isEnabled()) {
						builder.addFilters((Filter) registration.getFilter());
					}
				}
				MockMvc mvc = builder.build();
				AdaptiveConcurrencyLimiter limiter = (AdaptiveConcurrencyLimiter) context
					.getBean(LoadShedderRegistry.class)
					.get("api", "test");
				mvc.perform(get("/api/hello")).andExpect(status().isOk());
				assertThat(limiter.inFlight()).isZero();
				Promise held = limiter.allow();
				mvc.perform(get("/api/hello")).andExpect(status().isServiceUnavailable());
				held.accept();
				mvc.perform(get("/api/hello")).andExpect(status().isOk());
			});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableWebMvc
	static class WebConfiguration {

		@RestController
		static class HelloController {

			@GetMapping({ "/api/hello", "/hello" })
			String hello() {
				return "hello";
			}

		}

	}

}
