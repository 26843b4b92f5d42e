package dev.limiter.boot.web;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

class ProblemDetailsResponseWriterTests {

	private final ProblemDetailsResponseWriter writer = new ProblemDetailsResponseWriter();

	@Test
	void rateLimitedIs429QuotaExceeded() throws Exception {
		MockHttpServletResponse response = write(
				new LimiterRejection(LimiterRejection.Reason.RATE_LIMITED, "api", Duration.ofMillis(2500)));
		assertThat(response.getStatus()).isEqualTo(429);
		assertThat(response.getHeader("Retry-After")).isEqualTo("3");
		assertThat(response.getHeader("Cache-Control")).isEqualTo("no-store");
		assertThat(response.getContentType()).isEqualTo("application/problem+json");
		DocumentContext body = JsonPath.parse(body(response));
		assertThat(body.read("$.type", String.class))
			.isEqualTo("https://iana.org/assignments/http-problem-types#quota-exceeded");
		assertThat(body.read("$.title", String.class)).isEqualTo("Quota exceeded");
		assertThat(body.read("$.status", Integer.class)).isEqualTo(429);
		assertThat(body.read("$.detail", String.class))
			.isEqualTo("Rate limiter 'api' refused the request; retry after 3 seconds.");
		assertThat(body.read("$.violated-policies[0]", String.class)).isEqualTo("api");
		assertThat(body.read("$.length()", Integer.class)).isEqualTo(5);
		assertThat(response.getContentLength()).isEqualTo(response.getContentAsByteArray().length);
	}

	@Test
	void overloadedIs503TemporaryReducedCapacity() throws Exception {
		MockHttpServletResponse response = write(
				new LimiterRejection(LimiterRejection.Reason.OVERLOADED, "cpu", Duration.ofSeconds(1)));
		assertThat(response.getStatus()).isEqualTo(503);
		assertThat(response.getHeader("Retry-After")).isEqualTo("1");
		DocumentContext body = JsonPath.parse(body(response));
		assertThat(body.read("$.type", String.class))
			.isEqualTo("https://iana.org/assignments/http-problem-types#temporary-reduced-capacity");
		assertThat(body.read("$.title", String.class)).isEqualTo("Temporary reduced capacity");
		assertThat(body.read("$.status", Integer.class)).isEqualTo(503);
		assertThat(body.read("$.detail", String.class))
			.isEqualTo("Load shedder 'cpu' refused the request: the service is overloaded; retry after 1 second.");
		assertThat(body.read("$.violated-policies[0]", String.class)).isEqualTo("cpu");
	}

	@Test
	void breakerOpenIs503TemporaryReducedCapacity() throws Exception {
		MockHttpServletResponse response = write(
				new LimiterRejection(LimiterRejection.Reason.BREAKER_OPEN, "backend", Duration.ZERO));
		assertThat(response.getStatus()).isEqualTo(503);
		assertThat(response.getHeader("Retry-After")).isEqualTo("0");
		DocumentContext body = JsonPath.parse(body(response));
		assertThat(body.read("$.type", String.class))
			.isEqualTo("https://iana.org/assignments/http-problem-types#temporary-reduced-capacity");
		assertThat(body.read("$.detail", String.class))
			.isEqualTo("Circuit breaker 'backend' is open; retry after 0 seconds.");
	}

	@Test
	void namesAreEscapedInJson() throws Exception {
		String name = "we\"ird\\name\n\u0001é";
		MockHttpServletResponse response = write(
				new LimiterRejection(LimiterRejection.Reason.RATE_LIMITED, name, Duration.ofSeconds(1)));
		DocumentContext body = JsonPath.parse(body(response));
		assertThat(body.read("$.violated-policies[0]", String.class)).isEqualTo(name);
	}

	@Test
	void aCommittedResponseIsLeftAlone() throws Exception {
		MockHttpServletResponse response = new MockHttpServletResponse();
		response.setStatus(200);
		response.getWriter().write("partial");
		response.flushBuffer();
		this.writer.write(new MockHttpServletRequest(), response,
				new LimiterRejection(LimiterRejection.Reason.OVERLOADED, "cpu", Duration.ofSeconds(1)));
		assertThat(response.getStatus()).isEqualTo(200);
		assertThat(response.getContentAsString()).isEqualTo("partial");
	}

	@Test
	void aResponseWhoseWriterWasTakenStillGetsTheBody() throws Exception {
		MockHttpServletResponse response = new MockHttpServletResponse();
		response.getWriter();
		this.writer.write(new MockHttpServletRequest(), response,
				new LimiterRejection(LimiterRejection.Reason.BREAKER_OPEN, "backend", Duration.ofSeconds(1)));
		assertThat(response.getStatus()).isEqualTo(503);
		assertThat(JsonPath.parse(response.getContentAsString()).read("$.status", Integer.class)).isEqualTo(503);
	}

	@Test
	void negativeRetryAfterBecomesZero() {
		assertThat(new LimiterRejection(LimiterRejection.Reason.OVERLOADED, "x", Duration.ofSeconds(-3)).retryAfter())
			.isZero();
	}

	private static String body(MockHttpServletResponse response) {
		return new String(response.getContentAsByteArray(), StandardCharsets.UTF_8);
	}

	private MockHttpServletResponse write(LimiterRejection rejection) throws Exception {
		MockHttpServletResponse response = new MockHttpServletResponse();
		this.writer.write(new MockHttpServletRequest(), response, rejection);
		return response;
	}

}
