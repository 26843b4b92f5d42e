package dev.limiter.boot.autoconfigure.web;

import java.net.URI;

import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.autoconfigure.metrics.LimiterMetricsAutoConfiguration;
import dev.limiter.boot.testing.CountingStore;
import dev.limiter.core.ratelimit.RateLimitStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.Filter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.RequestPostProcessor;
import org.springframework.test.web.servlet.setup.DefaultMockMvcBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.oneOf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Keys of web rules through the auto-configured filters: a key that fails, encoded paths, IPv6 clients and
 * junk headers never fail a request nor split or merge budgets wrongly.
 */
@ExtendWith(OutputCaptureExtension.class)
class LimiterWebKeysTests {

	private final CountingStore store = new CountingStore();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LimiterAutoConfiguration.class, LimiterWebAutoConfiguration.class,
				LimiterMetricsAutoConfiguration.class))
		.withUserConfiguration(WebConfiguration.class)
		.withBean(RateLimitStore.class, () -> this.store)
		.withBean(MeterRegistry.class, () -> this.meters)
		.withPropertyValues("limiter.rate-limiters.api.limit=3", "limiter.web.rules[0].paths=/api/**",
				"limiter.web.rules[0].rate-limiter=api");

	@Test
	void keyExpressionThatThrowsPutsTheRequestUnderTheSharedKey(CapturedOutput output) {
		this.runner.withPropertyValues("limiter.web.rules[0].key=getIntHeader('X-Tenant')").run((context) -> {
			MockMvc mvc = mvc(context);
			mvc.perform(get("/api/orders").header("X-Tenant", "abc")).andExpect(status().isOk());
			mvc.perform(get("/api/orders").header("X-Tenant", "def")).andExpect(status().isOk());
			mvc.perform(get("/api/orders").header("X-Tenant", "7")).andExpect(status().isOk());
			assertThat(this.store.used("api:-")).isEqualTo(2);
			assertThat(this.store.used("api:7")).isEqualTo(1);
			assertThat(keyFailures()).isEqualTo(2);
			assertThat(output).containsOnlyOnce("of rate limiter 'api' failed").contains("WARN");
		});
	}

	@Test
	void keyExpressionThatFailsToEvaluateIsCountedToo() {
		this.runner.withPropertyValues("limiter.web.rules[0].key=getHeader('X-None').length()").run((context) -> {
			mvc(context).perform(get("/api/orders")).andExpect(status().isOk());
			assertThat(this.store.used("api:-")).isEqualTo(1);
			assertThat(keyFailures()).isEqualTo(1);
		});
	}

	@Test
	void missingHeaderOrPrincipalIsTheSharedKeyWithoutFailure() {
		this.runner.withPropertyValues("limiter.web.rules[0].key=header:X-Api-Key", "limiter.web.rules[1].paths=/**",
				"limiter.web.rules[1].rate-limiter=api", "limiter.web.rules[1].key=principal").run((context) -> {
					mvc(context).perform(get("/api/orders")).andExpect(status().isOk());
					assertThat(this.store.used("api:-")).isEqualTo(2);
					assertThat(this.meters.find("limiter.key.failures").tags("name", "api").counter())
						.as("registered up front")
						.isNotNull();
					assertThat(keyFailures()).isZero();
				});
	}

	@Test
	void encodedAndParameterisedPathsShareOneBudgetAndMatchTheRule() {
		this.runner
			.withPropertyValues("limiter.web.rules[0].paths=/api/orders", "limiter.web.rules[0].key=path")
			.run((context) -> {
				MockMvc mvc = mvc(context);
				mvc.perform(get(URI.create("/api/orders"))).andExpect(status().isOk());
				mvc.perform(get(URI.create("/api/ord%65rs"))).andExpect(status().isOk());
				mvc.perform(get(URI.create("/api/orders;x=1"))).andExpect(status().isOk());
				mvc.perform(get(URI.create("/api/%6Frders;jsessionid=1"))).andExpect(status().isTooManyRequests());
				assertThat(this.store.used("api:/api/orders")).isEqualTo(3);
			});
	}

	@Test
	void ipv6ClientsOfOneSubscriberPrefixShareOneBudget() {
		this.runner.withPropertyValues("limiter.web.rules[0].key=ip").run((context) -> {
			MockMvc mvc = mvc(context);
			mvc.perform(get("/api/orders").with(remote("2001:db8:1:2::1"))).andExpect(status().isOk());
			mvc.perform(get("/api/orders").with(remote("2001:db8:1:2:aaaa:bbbb:cccc:dddd")))
				.andExpect(status().isOk());
			mvc.perform(get("/api/orders").with(remote("2001:db8:1:3::1"))).andExpect(status().isOk());
			mvc.perform(get("/api/orders").with(remote("::ffff:192.0.2.7"))).andExpect(status().isOk());
			mvc.perform(get("/api/orders").with(remote("192.0.2.8"))).andExpect(status().isOk());
			assertThat(this.store.used("api:2001:db8:1:2::/64")).isEqualTo(2);
			assertThat(this.store.used("api:2001:db8:1:3::/64")).isEqualTo(1);
			assertThat(this.store.used("api:192.0.2.7")).isEqualTo(1);
			assertThat(this.store.used("api:192.0.2.8")).isEqualTo(1);
		});
	}

	@Test
	void ipv6PrefixLengthIsConfigurable() {
		this.runner.withPropertyValues("limiter.web.rules[0].key=ip", "limiter.web.ipv6-prefix-length=48")
			.run((context) -> {
				MockMvc mvc = mvc(context);
				mvc.perform(get("/api/orders").with(remote("2001:db8:1:2::1"))).andExpect(status().isOk());
				mvc.perform(get("/api/orders").with(remote("2001:db8:1:3::1"))).andExpect(status().isOk());
				assertThat(this.store.used("api:2001:db8:1::/48")).isEqualTo(2);
			});
	}

	@Test
	void ipv6PrefixLengthOutOfRangeFailsStartupNamingTheProperty() {
		this.runner.withPropertyValues("limiter.web.rules[0].key=ip", "limiter.web.ipv6-prefix-length=129")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("limiter.web.ipv6-prefix-length"));
	}

	@Test
	void junkForwardedForHeadersFromTrustedProxiesNeverFail() {
		this.runner.withPropertyValues("limiter.web.rules[0].key=ip", "limiter.web.trusted-proxies=10.0.0.0/8")
			.run((context) -> {
				MockMvc mvc = mvc(context);
				String[] junk = { "", ",,,", "[::1", "[", "]", "::ffff:", "999.1.1.1", "1.2.3.4:abc", "unknown",
						"2001:db8::1%eth0", "2001:db8:1:2::5, \u00e9", "a".repeat(10_000), "1.2.3.4 1.2.3.5",
						":::::::::", "[2001:db8:1:2::9]:443" };
				for (String header : junk) {
					mvc.perform(get("/api/orders").header("X-Forwarded-For", header).with(remote("10.0.0.1")))
						.andExpect(status().is(oneOf(200, 429)));
				}
				assertThat(this.store.used("api:2001:db8:1:2::/64")).isEqualTo(1);
				assertThat(keyFailures()).isZero();
			});
	}

	@Test
	void malformedPercentEncodingNeverFailsTheFilter() {
		this.runner.withPropertyValues("limiter.web.rules[0].key=path").run((context) -> {
			// a path key does not need the principal: the rule runs in the filter before Spring Security
			Filter filter = (Filter) context.getBean("limiterEarlyRateLimitFilter", FilterRegistrationBean.class)
				.getFilter();
			for (String uri : new String[] { "/api/%zz", "/api/%", "/api/%e9t%C3", "/other/%zz" }) {
				MockFilterChain chain = new MockFilterChain();
				filter.doFilter(new MockHttpServletRequest("GET", uri), new MockHttpServletResponse(), chain);
				assertThat(chain.getRequest()).as(uri).isNotNull();
			}
			assertThat(this.store.used("api:/api/%zz")).isEqualTo(1);
			assertThat(this.store.used("api:/api/%")).isEqualTo(1);
			assertThat(this.store.used("api:/other/%zz")).isZero();
		});
	}

	private double keyFailures() {
		return this.meters.find("limiter.key.failures").tags("name", "api", "kind", "rate-limiter").counters()
			.stream()
			.mapToDouble(Counter::count)
			.sum();
	}

	private static MockMvc mvc(AssertableWebApplicationContext context) {
		DefaultMockMvcBuilder builder = MockMvcBuilders.webAppContextSetup(context);
		for (FilterRegistrationBean<?> registration : context.getBeansOfType(FilterRegistrationBean.class).values()) {
			if (registration.isEnabled()) {
				builder.addFilters((Filter) registration.getFilter());
			}
		}
		return builder.build();
	}

	private static RequestPostProcessor remote(String address) {
		return (request) -> {
			request.setRemoteAddr(address);
			return request;
		};
	}

	@Configuration(proxyBeanMethods = false)
	@EnableWebMvc
	static class WebConfiguration {

		@RestController
		static class OrdersController {

			@GetMapping("/api/orders")
			String orders() {
				return "orders";
			}

		}

	}

}
