package dev.limiter.boot.web;

import java.time.Duration;
import java.util.List;

import dev.limiter.boot.testing.FakeBreaker;
import jakarta.servlet.ServletException;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockAsyncContext;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

class CircuitBreakerFilterTests {

	private final FakeBreaker breaker = new FakeBreaker("backend");

	private final CircuitBreakerFilter filter = new CircuitBreakerFilter(
			List.of(new RequestRule(List.of("/api/**"), List.of("GET"), null, this.breaker, null)),
			new ProblemDetailsResponseWriter(), Duration.ofSeconds(1));

	private final MockMvc mvc = MockMvcBuilders.standaloneSetup(new TestController()).addFilters(this.filter).build();

	@Test
	void openBreakerAnswers503() throws Exception {
		this.breaker.open(true);
		this.mvc.perform(get("/api/ok"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().string("Retry-After", "1"))
			.andExpect(jsonPath("$.type")
				.value("https://iana.org/assignments/http-problem-types#temporary-reduced-capacity"))
			.andExpect(jsonPath("$.title").value("Temporary reduced capacity"))
			.andExpect(jsonPath("$.status").value(503))
			.andExpect(jsonPath("$.detail").value("Circuit breaker 'backend' is open; retry after 1 second."))
			.andExpect(jsonPath("$.violated-policies[0]").value("backend"));
		assertThat(this.breaker.outcomes()).isEmpty();
	}

	@Test
	void statusBelow500IsASuccess() throws Exception {
		this.mvc.perform(get("/api/ok")).andExpect(status().isOk());
		this.mvc.perform(get("/api/not-found")).andExpect(status().isNotFound());
		assertThat(this.breaker.outcomes()).containsExactly("accept", "accept");
	}

	@Test
	void status500OrMoreIsAFailure() throws Exception {
		this.mvc.perform(get("/api/fail")).andExpect(status().isInternalServerError());
		this.mvc.perform(get("/api/busy")).andExpect(status().isServiceUnavailable());
		assertThat(this.breaker.outcomes()).containsExactly("reject: status 500", "reject: status 503");
	}

	@Test
	void anExceptionIsAFailureAndPropagates() {
		assertThatExceptionOfType(ServletException.class).isThrownBy(() -> this.mvc.perform(get("/api/boom")));
		assertThat(this.breaker.outcomes()).singleElement().asString().startsWith("reject: ");
	}

	@Test
	void nonMatchingMethodOrPathIsNotSeen() throws Exception {
		this.breaker.open(true);
		this.mvc.perform(get("/other")).andExpect(status().isOk());
		assertThat(this.breaker.outcomes()).isEmpty();
	}

	@Test
	void asyncRequestsReportWhenTheyComplete() throws Exception {
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/ok");
		request.setAsyncSupported(true);
		MockHttpServletResponse response = new MockHttpServletResponse();
		this.filter.doFilter(request, response, (req, res) -> req.startAsync());
		assertThat(this.breaker.outcomes()).isEmpty();
		response.setStatus(502);
		((MockAsyncContext) request.getAsyncContext()).complete();
		assertThat(this.breaker.outcomes()).containsExactly("reject: status 502");
	}

}
