package dev.limiter.boot.web;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.limiter.annotation.RateLimitExceededException;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.boot.testing.CountingStore;
import dev.limiter.core.breaker.BreakerOpenException;
import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import dev.limiter.core.shedding.OverloadException;
import jakarta.servlet.ServletException;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.mvc.method.annotation.ExceptionHandlerExceptionResolver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

class LimiterExceptionResolverTests {

	private final RateLimiterRegistry rateLimiters = new RateLimiterRegistry(Map.of("api",
			new RateLimiter("api", TokenBucketSpec.of(10, Duration.ofSeconds(1)), new CountingStore())));

	private final LimiterExceptionResolver resolver = new LimiterExceptionResolver(new ProblemDetailsResponseWriter(),
			new RateLimitHeaders(RateLimitHeaders.Format.IETF), this.rateLimiters, Duration.ofSeconds(1));

	private final MockMvc mvc = MockMvcBuilders.standaloneSetup(new ThrowingController())
		.setHandlerExceptionResolvers(List.of(this.resolver))
		.build();

	@Test
	void rateLimitExceededIs429WithHeaders() throws Exception {
		this.mvc.perform(get("/limited"))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().string("Retry-After", "5"))
			.andExpect(header().string("RateLimit-Policy", "\"api\";q=10;w=1"))
			.andExpect(header().string("RateLimit", "\"api\";r=0;t=5"))
			.andExpect(jsonPath("$.type").value("https://iana.org/assignments/http-problem-types#quota-exceeded"))
			.andExpect(jsonPath("$.status").value(429))
			.andExpect(jsonPath("$.detail").value("Rate limiter 'api' refused the request; retry after 5 seconds."))
			.andExpect(jsonPath("$.violated-policies[0]").value("api"));
	}

	@Test
	void overloadIs503() throws Exception {
		this.mvc.perform(get("/overloaded"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().string("Retry-After", "1"))
			.andExpect(jsonPath("$.type")
				.value("https://iana.org/assignments/http-problem-types#temporary-reduced-capacity"))
			.andExpect(jsonPath("$.violated-policies[0]").value("cpu"));
	}

	@Test
	void breakerOpenIs503() throws Exception {
		this.mvc.perform(get("/open"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(jsonPath("$.detail").value("Circuit breaker 'backend' is open; retry after 1 second."));
	}

	@Test
	void otherExceptionsAreLeftAlone() {
		assertThatExceptionOfType(ServletException.class).isThrownBy(() -> this.mvc.perform(get("/other")));
	}

	@Test
	void anApplicationExceptionHandlerWins() throws Exception {
		ExceptionHandlerExceptionResolver handlers = new ExceptionHandlerExceptionResolver();
		handlers.afterPropertiesSet();
		MockMvc mvc = MockMvcBuilders.standaloneSetup(new HandlingController())
			.setHandlerExceptionResolvers(List.of(handlers, this.resolver))
			.build();
		mvc.perform(get("/handled")).andExpect(status().isIAmATeapot());
	}

	@Test
	void aCommittedResponseIsLeftAlone() throws Exception {
		MockHttpServletResponse response = new MockHttpServletResponse();
		response.setStatus(200);
		response.getWriter().write("partial");
		response.setCommitted(true);
		ModelAndView resolved = this.resolver.resolveException(new MockHttpServletRequest("GET", "/limited"),
				response, null, new RateLimitExceededException("api",
						new Decision(false, 10, 0, Duration.ofSeconds(5), Duration.ofSeconds(1))));
		assertThat(resolved).as("not resolved: another resolver or the container deals with it").isNull();
		assertThat(response.getStatus()).isEqualTo(200);
		assertThat(response.getHeader("Retry-After")).isNull();
		assertThat(response.getContentAsString()).isEqualTo("partial");
	}

	@RestController
	static class ThrowingController {

		@GetMapping("/limited")
		String limited() {
			throw new RateLimitExceededException("api",
					new Decision(false, 10, 0, Duration.ofMillis(4200), Duration.ofSeconds(1)));
		}

		@GetMapping("/overloaded")
		String overloaded() {
			throw new OverloadException("cpu");
		}

		@GetMapping("/open")
		String open() {
			throw new BreakerOpenException("backend");
		}

		@GetMapping("/other")
		String other() {
			throw new IllegalStateException("other");
		}

	}

	@RestController
	static class HandlingController {

		@GetMapping("/handled")
		String handled() {
			throw new OverloadException("cpu");
		}

		@org.springframework.web.bind.annotation.ExceptionHandler(OverloadException.class)
		org.springframework.http.ResponseEntity<String> handle(OverloadException ex) {
			return org.springframework.http.ResponseEntity.status(418).body("mine");
		}

	}

}
