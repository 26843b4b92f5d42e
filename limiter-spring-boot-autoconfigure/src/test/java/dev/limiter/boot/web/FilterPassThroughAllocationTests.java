package dev.limiter.boot.web;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;

import dev.limiter.boot.testing.CountingStore;
import dev.limiter.boot.testing.FakeBreaker;
import dev.limiter.boot.testing.FakeShedder;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request that no rule matches goes through each filter without allocating: measured with the JVM's per-thread
 * allocation counter over many calls.
 */
class FilterPassThroughAllocationTests {

	private static final int CALLS = 200_000;

	private final List<RequestRule> rules = List.of(
			new RequestRule(List.of("/api/**", "/users/{id}"), List.of(),
					new RequestRule.RateLimit(new RateLimiter("api", TokenBucketSpec.of(1, Duration.ofSeconds(1)),
							new CountingStore()), KeyResolver.of("ip", new ClientAddressResolver(List.of())), false),
					new FakeBreaker("backend"), new RequestRule.Shedding("cpu", new FakeShedder("cpu"))),
			new RequestRule(List.of("/**"), List.of("POST"), null, new FakeBreaker("writes"),
					new RequestRule.Shedding("writes", new FakeShedder("writes"))));

	@Test
	void rateLimitFilterPassThroughAllocatesNothing() throws Exception {
		assertNoAllocation(new RateLimitFilter(this.rules, new RateLimitHeaders(RateLimitHeaders.Format.IETF),
				new ProblemDetailsResponseWriter()));
	}

	@Test
	void loadSheddingFilterPassThroughAllocatesNothing() throws Exception {
		assertNoAllocation(
				new LoadSheddingFilter(this.rules, new ProblemDetailsResponseWriter(), Duration.ofSeconds(1)));
	}

	@Test
	void circuitBreakerFilterPassThroughAllocatesNothing() throws Exception {
		assertNoAllocation(
				new CircuitBreakerFilter(this.rules, new ProblemDetailsResponseWriter(), Duration.ofSeconds(1)));
	}

	private static void assertNoAllocation(Filter filter) throws Exception {
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/static/app.js");
		MockHttpServletResponse response = new MockHttpServletResponse();
		int[] passed = new int[1];
		FilterChain chain = (req, res) -> passed[0]++;
		for (int i = 0; i < CALLS; i++) {
			filter.doFilter(request, response, chain);
		}
		com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory
			.getThreadMXBean();
		long thread = Thread.currentThread().getId();
		long before = threads.getThreadAllocatedBytes(thread);
		for (int i = 0; i < CALLS; i++) {
			filter.doFilter(request, response, chain);
		}
		long allocated = threads.getThreadAllocatedBytes(thread) - before;
		assertThat(passed[0]).isEqualTo(2 * CALLS);
		// A few hundred bytes of measurement noise at most; one allocation per call would be >= 16 bytes x CALLS.
		assertThat(allocated).as("bytes allocated by %d pass-through calls", CALLS).isLessThan(CALLS / 10);
	}

}
