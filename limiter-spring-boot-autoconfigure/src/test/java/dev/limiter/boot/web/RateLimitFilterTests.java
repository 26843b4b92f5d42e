package dev.limiter.boot.web;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.boot.testing.CountingStore;
import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import org.junit.jupiter.api.Test;

import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.startsWith;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

class RateLimitFilterTests {

	private final CountingStore store = new CountingStore();

	private final ClientAddressResolver addresses = new ClientAddressResolver(List.of());

	private final RateLimiter api = new RateLimiter("api", TokenBucketSpec.of(2, Duration.ofSeconds(1)), this.store);

	@Test
	void allowedRequestsCarryIetfHeaders() throws Exception {
		MockMvc mvc = mvc(RateLimitHeaders.Format.IETF, rule("/api/**", this.api, "ip", false));
		mvc.perform(get("/api/ok").with(remote("1.1.1.1")))
			.andExpect(status().isOk())
			.andExpect(content().string("ok"))
			.andExpect(header().string("RateLimit-Policy", "\"api\";q=2;w=1"))
			.andExpect(header().string("RateLimit", "\"api\";r=1;t=11"))
			.andExpect(header().doesNotExist("Retry-After"));
	}

	@Test
	void requestsOverTheLimitGet429WithProblemDetails() throws Exception {
		MockMvc mvc = mvc(RateLimitHeaders.Format.IETF, rule("/api/**", this.api, "ip", false));
		mvc.perform(get("/api/ok").with(remote("1.1.1.1"))).andExpect(status().isOk());
		mvc.perform(get("/api/ok").with(remote("1.1.1.1")))
			.andExpect(status().isOk())
			.andExpect(header().string("RateLimit", "\"api\";r=0;t=11"));
		mvc.perform(get("/api/ok").with(remote("1.1.1.1")))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().string("Retry-After", "3"))
			.andExpect(header().string("RateLimit", "\"api\";r=0;t=3"))
			.andExpect(header().string("RateLimit-Policy", "\"api\";q=2;w=1"))
			.andExpect(header().string("Content-Type", startsWith("application/problem+json")))
			.andExpect(jsonPath("$.type").value("https://iana.org/assignments/http-problem-types#quota-exceeded"))
			.andExpect(jsonPath("$.title").value("Quota exceeded"))
			.andExpect(jsonPath("$.status").value(429))
			.andExpect(jsonPath("$.detail").value("Rate limiter 'api' refused the request; retry after 3 seconds."))
			.andExpect(jsonPath("$.violated-policies[0]").value("api"));
		mvc.perform(get("/api/ok").with(remote("2.2.2.2"))).andExpect(status().isOk());
		assertThat(this.store.used("api:1.1.1.1")).isEqualTo(2);
	}

	@Test
	void nonMatchingRequestsPassWithoutHeadersOrPermits() throws Exception {
		MockMvc mvc = mvc(RateLimitHeaders.Format.IETF, rule("/api/**", this.api, "ip", false));
		mvc.perform(get("/other").with(remote("1.1.1.1")))
			.andExpect(status().isOk())
			.andExpect(header().doesNotExist("RateLimit"));
		assertThat(this.store.used("api:1.1.1.1")).isZero();
	}

	@Test
	void legacyHeaders() throws Exception {
		MockMvc mvc = mvc(RateLimitHeaders.Format.LEGACY, rule("/api/**", this.api, "ip", false));
		mvc.perform(get("/api/ok"))
			.andExpect(header().string("X-RateLimit-Limit", "2"))
			.andExpect(header().string("X-RateLimit-Remaining", "1"))
			.andExpect(header().string("X-RateLimit-Reset", "11"))
			.andExpect(header().doesNotExist("RateLimit"));
	}

	@Test
	void noneFormatStillSendsRetryAfterOnRefusal() throws Exception {
		RateLimiter none = new RateLimiter("closed", new FixedWindowSpec(0, Duration.ofSeconds(1), false),
				this.store);
		MockMvc mvc = mvc(RateLimitHeaders.Format.NONE, rule("/api/**", none, "ip", false));
		mvc.perform(get("/api/ok"))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().string("Retry-After", "3"))
			.andExpect(header().doesNotExist("RateLimit"))
			.andExpect(header().doesNotExist("X-RateLimit-Limit"));
	}

	@Test
	void shadowModeLetsThroughCountsAndAddsNoHeaders() throws Exception {
		RateLimiter shadow = new RateLimiter("trial", TokenBucketSpec.of(1, Duration.ofSeconds(1)), this.store);
		RateLimitFilter filter = new RateLimitFilter(List.of(rule("/api/**", shadow, "ip", true)),
				new RateLimitHeaders(RateLimitHeaders.Format.IETF), new ProblemDetailsResponseWriter());
		MockMvc mvc = MockMvcBuilders.standaloneSetup(new TestController()).addFilters(filter).build();
		for (int i = 0; i < 3; i++) {
			mvc.perform(get("/api/ok")).andExpect(status().isOk()).andExpect(header().doesNotExist("RateLimit"));
		}
		assertThat(filter.shadowRejections("trial")).isEqualTo(2);
		assertThat(filter.shadowRejections("api")).isZero();
	}

	@Test
	void everyMatchingRuleAppliesAndTheFirstRefusalAnswers() throws Exception {
		RateLimiter global = new RateLimiter("global", TokenBucketSpec.of(10, Duration.ofSeconds(1)), this.store);
		MockMvc mvc = mvc(RateLimitHeaders.Format.IETF, rule("/**", global, "ip", false),
				rule("/api/**", this.api, "header:X-Api-Key", false));
		mvc.perform(get("/api/ok").header("X-Api-Key", "k1"))
			.andExpect(status().isOk())
			.andExpect(header().stringValues("RateLimit", "\"global\";r=9;t=11", "\"api\";r=1;t=11"));
		mvc.perform(get("/api/ok").header("X-Api-Key", "k1"));
		mvc.perform(get("/api/ok").header("X-Api-Key", "k1"))
			.andExpect(status().isTooManyRequests())
			.andExpect(jsonPath("$.violated-policies[0]").value("api"));
		mvc.perform(get("/api/ok").header("X-Api-Key", "k2")).andExpect(status().isOk());
		assertThat(this.store.used("global:127.0.0.1")).isEqualTo(4);
	}

	@Test
	void requestsWithoutKeyShareTheAbsentKey() throws Exception {
		MockMvc mvc = mvc(RateLimitHeaders.Format.IETF, rule("/api/**", this.api, "header:X-Api-Key", false));
		mvc.perform(get("/api/ok")).andExpect(status().isOk());
		assertThat(this.store.used("api:" + KeyResolver.ABSENT)).isEqualTo(1);
	}

	@Test
	void aSpecChangedAtRunTimeAppliesToTheNextRequest() throws Exception {
		RateLimiterRegistry registry = new RateLimiterRegistry(Map.of("api", this.api));
		RequestRule rule = new RequestRule(List.of("/api/**"), List.of(), new RequestRule.RateLimit(
				registry.source("api", "test"), KeyResolver.of("ip", this.addresses), false), null, null);
		MockMvc mvc = mvc(RateLimitHeaders.Format.IETF, rule);
		mvc.perform(get("/api/ok")).andExpect(header().string("RateLimit-Policy", "\"api\";q=2;w=1"));
		registry.update("api", TokenBucketSpec.of(5, Duration.ofMinutes(1)));
		mvc.perform(get("/api/ok"))
			.andExpect(status().isOk())
			.andExpect(header().string("RateLimit-Policy", "\"api\";q=5;w=60"))
			.andExpect(header().string("RateLimit", "\"api\";r=3;t=11"));
	}

	@Test
	void aReplacedResponseWriterAnswersRefusals() throws Exception {
		RateLimiter none = new RateLimiter("closed", new FixedWindowSpec(0, Duration.ofSeconds(1), false),
				this.store);
		LimiterResponseWriter teapot = (request, response, rejection) -> response.sendError(418, rejection.name());
		RateLimitFilter filter = new RateLimitFilter(List.of(rule("/**", none, "ip", false)),
				new RateLimitHeaders(RateLimitHeaders.Format.IETF), teapot);
		MockMvc mvc = MockMvcBuilders.standaloneSetup(new TestController()).addFilters(filter).build();
		mvc.perform(get("/api/ok")).andExpect(status().isIAmATeapot());
	}

	private MockMvc mvc(RateLimitHeaders.Format format, RequestRule... rules) {
		RateLimitFilter filter = new RateLimitFilter(List.of(rules), new RateLimitHeaders(format),
				new ProblemDetailsResponseWriter());
		assertThat(filter.hasRules()).isTrue();
		return MockMvcBuilders.standaloneSetup(new TestController()).addFilters(filter).build();
	}

	private RequestRule rule(String path, RateLimiter limiter, String key, boolean shadow) {
		return new RequestRule(List.of(path), List.of(),
				new RequestRule.RateLimit(limiter, KeyResolver.of(key, this.addresses), shadow), null, null);
	}

	private static org.springframework.test.web.servlet.request.RequestPostProcessor remote(String address) {
		return (request) -> {
			request.setRemoteAddr(address);
			return request;
		};
	}

}
