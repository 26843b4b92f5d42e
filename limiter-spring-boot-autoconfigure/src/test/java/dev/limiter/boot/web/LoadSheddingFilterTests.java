package dev.limiter.boot.web;

import java.time.Duration;
import java.util.List;

import dev.limiter.boot.testing.FakeShedder;
import dev.limiter.core.Promise;
import dev.limiter.core.shedding.ConcurrencyLimiter;
import dev.limiter.core.shedding.Priority;
import jakarta.servlet.ServletException;
import org.junit.jupiter.api.Test;

import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

class LoadSheddingFilterTests {

	private final FakeShedder shedder = new FakeShedder("cpu");

	private final MockMvc mvc = MockMvcBuilders.standaloneSetup(new TestController())
		.addFilters(new LoadSheddingFilter(
				List.of(new RequestRule(List.of("/api/**"), List.of(), null, null,
						new RequestRule.Shedding("cpu", this.shedder))),
				new ProblemDetailsResponseWriter(), Duration.ofSeconds(1)))
		.build();

	@Test
	void overloadAnswers503AtOnce() throws Exception {
		this.shedder.overloaded(true);
		this.mvc.perform(get("/api/ok"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().string("Retry-After", "1"))
			.andExpect(jsonPath("$.type")
				.value("https://iana.org/assignments/http-problem-types#temporary-reduced-capacity"))
			.andExpect(jsonPath("$.title").value("Temporary reduced capacity"))
			.andExpect(jsonPath("$.status").value(503))
			.andExpect(jsonPath("$.detail")
				.value("Load shedder 'cpu' refused the request: the service is overloaded; retry after 1 second."))
			.andExpect(jsonPath("$.violated-policies[0]").value("cpu"));
		assertThat(this.shedder.outcomes()).isEmpty();
	}

	@Test
	void passedRequestsAreAccepted() throws Exception {
		this.mvc.perform(get("/api/ok")).andExpect(status().isOk());
		this.mvc.perform(get("/api/fail")).andExpect(status().isInternalServerError());
		this.mvc.perform(get("/api/not-found")).andExpect(status().isNotFound());
		assertThat(this.shedder.outcomes()).containsExactly("accept", "accept", "accept");
	}

	@Test
	void a503ResponseIsRejected() throws Exception {
		this.mvc.perform(get("/api/busy")).andExpect(status().isServiceUnavailable());
		assertThat(this.shedder.outcomes()).containsExactly("reject: status 503");
	}

	@Test
	void anExceptionIsAPassAsInGoZero() {
		assertThatExceptionOfType(ServletException.class).isThrownBy(() -> this.mvc.perform(get("/api/boom")));
		assertThat(this.shedder.outcomes()).containsExactly("accept");
	}

	@Test
	void aSheddableRuleIsRefusedWhereACriticalOnePassesAtTheSameInFlightCount() throws Exception {
		ConcurrencyLimiter cap = ConcurrencyLimiter.of("pool", 2);
		MockMvc mvc = MockMvcBuilders.standaloneSetup(new TestController())
			.addFilters(new LoadSheddingFilter(List.of(
					new RequestRule(List.of("/api/busy"), List.of(), null, null,
							new RequestRule.Shedding("pool", cap, Priority.SHEDDABLE)),
					new RequestRule(List.of("/api/**"), List.of(), null, null, new RequestRule.Shedding("pool", cap))),
					new ProblemDetailsResponseWriter(), Duration.ofSeconds(1)))
			.build();
		// one call of two in flight: the sheddable share of a cap of 2 is taken, one slot is kept for critical calls
		Promise held = cap.allow();
		mvc.perform(get("/api/busy"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(jsonPath("$.violated-policies[0]").value("pool"));
		mvc.perform(get("/api/ok")).andExpect(status().isOk());
		assertThat(cap.inFlight()).isEqualTo(1);
		held.accept();
		// with nothing in flight the sheddable request passes (the controller's own 503 for /api/busy)
		mvc.perform(get("/api/busy"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().doesNotExist("Retry-After"));
		assertThat(cap.inFlight()).isZero();
	}

	@Test
	void nonMatchingRequestsAreNotSeen() throws Exception {
		this.shedder.overloaded(true);
		this.mvc.perform(get("/other")).andExpect(status().isOk());
		assertThat(this.shedder.outcomes()).isEmpty();
	}

	@Test
	void aLaterRefusalIgnoresEarlierPromises() throws Exception {
		FakeShedder first = new FakeShedder("first");
		FakeShedder second = new FakeShedder("second");
		second.overloaded(true);
		MockMvc mvc = MockMvcBuilders.standaloneSetup(new TestController())
			.addFilters(new LoadSheddingFilter(List.of(
					new RequestRule(List.of("/**"), List.of(), null, null, new RequestRule.Shedding("first", first)),
					new RequestRule(List.of("/**"), List.of(), null, null,
							new RequestRule.Shedding("second", second))),
					new ProblemDetailsResponseWriter(), Duration.ofSeconds(1)))
			.build();
		mvc.perform(get("/api/ok"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(jsonPath("$.violated-policies[0]").value("second"));
		assertThat(first.outcomes()).containsExactly("ignore");
	}

	@Test
	void withoutSheddingRulesTheFilterHasNothingToDo() {
		LoadSheddingFilter filter = new LoadSheddingFilter(List.of(), new ProblemDetailsResponseWriter(),
				Duration.ofSeconds(1));
		assertThat(filter.hasRules()).isFalse();
	}

}
