package dev.limiter.boot.web;

import java.time.Duration;
import java.util.List;

import dev.limiter.boot.testing.CountingStore;
import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.ratelimit.SlidingWindowSpec;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitHeadersTests {

	private static final RateLimiter API = new RateLimiter("api",
			new TokenBucketSpec(100, Duration.ofMinutes(1), 200), new CountingStore());

	private static final Decision ALLOWED = new Decision(true, 200, 42, Duration.ZERO, Duration.ofMillis(16_100));

	private static final Decision REJECTED = new Decision(false, 200, 0, Duration.ofMillis(2001),
			Duration.ofSeconds(60));

	@Test
	void ietfWritesPolicyAndRemainingQuota() {
		MockHttpServletResponse response = write(RateLimitHeaders.Format.IETF, ALLOWED);
		assertThat(response.getHeader("RateLimit-Policy")).isEqualTo("\"api\";q=100;w=60");
		assertThat(response.getHeader("RateLimit")).isEqualTo("\"api\";r=42;t=17");
		assertThat(response.getHeaderNames()).doesNotContain("X-RateLimit-Limit");
	}

	@Test
	void ietfOnARefusalPointsTAtTheRetryTime() {
		MockHttpServletResponse response = write(RateLimitHeaders.Format.IETF, REJECTED);
		assertThat(response.getHeader("RateLimit")).isEqualTo("\"api\";r=0;t=3");
	}

	@Test
	void legacyWritesLimitRemainingAndResetSeconds() {
		MockHttpServletResponse response = write(RateLimitHeaders.Format.LEGACY, ALLOWED);
		assertThat(response.getHeader("X-RateLimit-Limit")).isEqualTo("200");
		assertThat(response.getHeader("X-RateLimit-Remaining")).isEqualTo("42");
		assertThat(response.getHeader("X-RateLimit-Reset")).isEqualTo("17");
		assertThat(response.getHeaderNames()).doesNotContain("RateLimit", "RateLimit-Policy");
	}

	@Test
	void bothWritesBoth() {
		MockHttpServletResponse response = write(RateLimitHeaders.Format.BOTH, ALLOWED);
		assertThat(response.getHeaderNames()).contains("RateLimit", "RateLimit-Policy", "X-RateLimit-Limit",
				"X-RateLimit-Remaining", "X-RateLimit-Reset");
	}

	@Test
	void noneWritesNothing() {
		assertThat(write(RateLimitHeaders.Format.NONE, ALLOWED).getHeaderNames()).isEmpty();
	}

	@Test
	void severalLimitersAddListMembersAndLegacyKeepsTheTightest() {
		RateLimitHeaders headers = new RateLimitHeaders(RateLimitHeaders.Format.BOTH);
		RateLimiter perUser = new RateLimiter("per-user", new FixedWindowSpec(10, Duration.ofHours(1), false),
				new CountingStore());
		MockHttpServletResponse response = new MockHttpServletResponse();
		headers.write(response, RateLimitHeaders.policy(perUser), new Decision(true, 10, 3, Duration.ZERO,
				Duration.ofMinutes(30)));
		headers.write(response, RateLimitHeaders.policy(API), ALLOWED);
		assertThat(response.getHeaders("RateLimit-Policy")).containsExactly("\"per-user\";q=10;w=3600",
				"\"api\";q=100;w=60");
		assertThat(response.getHeaders("RateLimit")).containsExactly("\"per-user\";r=3;t=1800",
				"\"api\";r=42;t=17");
		assertThat(response.getHeader("X-RateLimit-Remaining")).isEqualTo("3");
		assertThat(response.getHeader("X-RateLimit-Limit")).isEqualTo("10");
	}

	@Test
	void policiesDescribeEachAlgorithm() {
		CountingStore store = new CountingStore();
		assertThat(RateLimitHeaders.policy(new RateLimiter("w", new SlidingWindowSpec(5, Duration.ofMillis(1500)),
				store)).header()).isEqualTo("\"w\";q=5;w=2");
		assertThat(RateLimitHeaders.policy(new RateLimiter("f", new FixedWindowSpec(0, Duration.ofMillis(10), true),
				store)).header()).isEqualTo("\"f\";q=0;w=1");
	}

	@Test
	void policyNamesAreStructuredFieldStrings() {
		assertThat(RateLimitHeaders.sfString("a\"b\\c")).isEqualTo("\"a\\\"b\\\\c\"");
		assertThat(RateLimitHeaders.sfString("caf\u00e9\n")).isEqualTo("\"caf??\"");
	}

	@ParameterizedTest
	@CsvSource({ "PT0S, 0", "PT-5S, 0", "PT0.000000001S, 1", "PT1S, 1", "PT1.001S, 2", "PT59.5S, 60" })
	void secondsRoundUp(Duration duration, long seconds) {
		assertThat(RateLimitHeaders.seconds(duration)).isEqualTo(seconds);
	}

	@Test
	void secondsSaturate() {
		assertThat(RateLimitHeaders.seconds(Duration.ofNanos(Long.MAX_VALUE))).isEqualTo(9_223_372_037L);
		assertThat(RateLimitHeaders.seconds(Duration.ofSeconds(Long.MAX_VALUE, 999_999_999)))
			.isEqualTo(Long.MAX_VALUE);
		assertThat(List.of(RateLimitHeaders.Format.values())).hasSize(4);
	}

	private static MockHttpServletResponse write(RateLimitHeaders.Format format, Decision decision) {
		MockHttpServletResponse response = new MockHttpServletResponse();
		new RateLimitHeaders(format).write(response, RateLimitHeaders.policy(API), decision);
		return response;
	}

}
