package dev.limiter.boot.web;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.boot.testing.CountingStore;
import dev.limiter.boot.testing.FakeBreaker;
import dev.limiter.boot.testing.FakeShedder;
import dev.limiter.core.ManualClock;
import dev.limiter.core.breaker.BreakerOpenException;
import dev.limiter.core.breaker.SreBreaker;
import dev.limiter.core.breaker.ThresholdBreaker;
import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.shedding.AdaptiveShedder;
import dev.limiter.core.shedding.OverloadException;
import org.junit.jupiter.api.Test;

import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/** The limiter filters stacked: refusals marked and ignored, truthful Retry-After, shadow mode. */
class StackedFiltersTests {

	private static final Duration MINIMUM = Duration.ofSeconds(1);

	private final ManualClock clock = new ManualClock();

	private final ProblemDetailsResponseWriter writer = new ProblemDetailsResponseWriter();

	private static RequestRule breakerRule(String path, dev.limiter.core.breaker.Breaker breaker) {
		return new RequestRule(List.of(path), List.of(), null, breaker, null);
	}

	private static RequestRule shedderRule(String path, String name, dev.limiter.core.shedding.Shedder shedder) {
		return new RequestRule(List.of(path), List.of(), null, null, new RequestRule.Shedding(name, shedder));
	}

	@Test
	void aLaterBreakerDroppingIsNoOutcomeOfAnEarlierOne() throws Exception {
		FakeBreaker first = new FakeBreaker("first");
		FakeBreaker second = new FakeBreaker("second");
		second.open(true);
		MockMvc mvc = MockMvcBuilders.standaloneSetup(new TestController())
			.addFilters(new CircuitBreakerFilter(List.of(breakerRule("/**", first), breakerRule("/**", second)),
					this.writer, MINIMUM))
			.build();
		mvc.perform(get("/api/ok")).andExpect(status().isServiceUnavailable());
		assertThat(first.outcomes()).containsExactly("ignore");
	}

	@Test
	void aRefusalAnsweredByTheExceptionResolverIsNoOutcomeOfAWebBreakerOrShedder() throws Exception {
		FakeBreaker outer = new FakeBreaker("outer");
		FakeShedder shedder = new FakeShedder("cpu");
		LimiterExceptionResolver resolver = new LimiterExceptionResolver(this.writer,
				new RateLimitHeaders(RateLimitHeaders.Format.IETF), new RateLimiterRegistry(Map.of()), MINIMUM);
		MockMvc mvc = MockMvcBuilders.standaloneSetup(new RefusingController())
			.setHandlerExceptionResolvers(resolver)
			.addFilters(new LoadSheddingFilter(List.of(shedderRule("/**", "cpu", shedder)), this.writer, MINIMUM),
					new CircuitBreakerFilter(List.of(breakerRule("/**", outer)), this.writer, MINIMUM))
			.build();
		mvc.perform(get("/inner-breaker")).andExpect(status().isServiceUnavailable());
		mvc.perform(get("/inner-shedder")).andExpect(status().isServiceUnavailable());
		assertThat(outer.outcomes()).containsExactly("ignore", "ignore");
		assertThat(shedder.outcomes()).containsExactly("ignore", "ignore");
		mvc.perform(get("/down")).andExpect(status().isServiceUnavailable());
		assertThat(outer.outcomes()).as("the application's own 503 is a failure").hasSize(3)
			.last().asString().startsWith("reject");
	}

	@Test
	void fastRateLimitRefusalsDoNotFeedTheShedderResponseTimes() throws Exception {
		AdaptiveShedder shedder = AdaptiveShedder.builder()
			.name("cpu")
			.cpuUsage(() -> 0.1)
			.window(Duration.ofSeconds(1))
			.buckets(10)
			.clock(this.clock)
			.build();
		double before = shedder.maxFlight();
		RateLimiter closed = new RateLimiter("closed", new FixedWindowSpec(0, Duration.ofMinutes(1), false),
				new CountingStore());
		MockMvc mvc = MockMvcBuilders.standaloneSetup(new TestController())
			.addFilters(new LoadSheddingFilter(List.of(shedderRule("/**", "cpu", shedder)), this.writer, MINIMUM),
					new RateLimitFilter(
							List.of(new RequestRule(List.of("/**"), List.of(),
									new RequestRule.RateLimit(closed, KeyResolver.of("path",
											new ClientAddressResolver(List.of())), false),
									null, null)),
							new RateLimitHeaders(RateLimitHeaders.Format.NONE), this.writer))
			.build();
		for (int i = 0; i < 50; i++) {
			mvc.perform(get("/api/ok")).andExpect(status().isTooManyRequests());
		}
		this.clock.advance(Duration.ofMillis(200));
		assertThat(shedder.inFlight()).isZero();
		assertThat(shedder.maxFlight()).as("no pass and no response time recorded").isEqualTo(before);
	}

	@Test
	void retryAfterTellsTheRestOfAThresholdBreakersOpenTime() throws Exception {
		ThresholdBreaker breaker = ThresholdBreaker.builder("backend")
			.minimumCalls(2)
			.openDuration(Duration.ofSeconds(30))
			.clock(this.clock)
			.build();
		MockMvc mvc = MockMvcBuilders.standaloneSetup(new TestController())
			.addFilters(new CircuitBreakerFilter(List.of(breakerRule("/**", breaker)), this.writer, MINIMUM))
			.build();
		mvc.perform(get("/api/fail")).andExpect(status().isInternalServerError());
		mvc.perform(get("/api/fail")).andExpect(status().isInternalServerError());
		this.clock.advance(Duration.ofMillis(12300));
		mvc.perform(get("/api/ok"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().string("Retry-After", "18"));
		this.clock.advance(Duration.ofMillis(17500));
		mvc.perform(get("/api/ok"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().string("Retry-After", "1"));
	}

	@Test
	void retryAfterOfAnAdaptiveBreakerIsTheMinimum() throws Exception {
		SreBreaker breaker = SreBreaker.builder("sre").clock(this.clock).random(() -> 0.0).build();
		breaker.forceOpen();
		MockMvc mvc = MockMvcBuilders.standaloneSetup(new TestController())
			.addFilters(new CircuitBreakerFilter(List.of(breakerRule("/**", breaker)), this.writer, MINIMUM))
			.build();
		mvc.perform(get("/api/ok"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().string("Retry-After", "1"));
	}

	@Test
	void retryAfterTellsTheRestOfAShedderCoolOff() throws Exception {
		double[] cpu = { 0.95 };
		AdaptiveShedder shedder = AdaptiveShedder.builder()
			.name("cpu")
			.cpuUsage(() -> cpu[0])
			.coolOff(Duration.ofSeconds(3))
			.clock(this.clock)
			.build();
		MockMvc mvc = MockMvcBuilders.standaloneSetup(new TestController())
			.addFilters(new LoadSheddingFilter(List.of(shedderRule("/**", "cpu", shedder)), this.writer, MINIMUM))
			.build();
		overload(shedder);
		mvc.perform(get("/api/ok"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().string("Retry-After", "3"));
		cpu[0] = 0.1;
		this.clock.advance(Duration.ofMillis(1500));
		mvc.perform(get("/api/ok"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().string("Retry-After", "2"));
	}

	@Test
	void theExceptionResolverTellsTheRemainingOpenTimeAndCoolOff() throws Exception {
		ThresholdBreaker breaker = ThresholdBreaker.builder("backend")
			.minimumCalls(1)
			.openDuration(Duration.ofSeconds(45))
			.clock(this.clock)
			.build();
		breaker.allow().reject("down");
		double[] cpu = { 0.95 };
		AdaptiveShedder shedder = AdaptiveShedder.builder()
			.name("cpu")
			.cpuUsage(() -> cpu[0])
			.coolOff(Duration.ofSeconds(4))
			.clock(this.clock)
			.build();
		overload(shedder);
		LimiterExceptionResolver resolver = new LimiterExceptionResolver(this.writer,
				new RateLimitHeaders(RateLimitHeaders.Format.IETF), new RateLimiterRegistry(Map.of()),
				new CircuitBreakerRegistry(Map.of("backend", breaker)), new LoadShedderRegistry(Map.of("cpu", shedder)),
				MINIMUM);
		MockMvc mvc = MockMvcBuilders.standaloneSetup(new RefusingController())
			.setHandlerExceptionResolvers(resolver)
			.build();
		this.clock.advance(Duration.ofMillis(100));
		mvc.perform(get("/backend"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().string("Retry-After", "45"));
		mvc.perform(get("/inner-shedder"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().string("Retry-After", "4"));
		mvc.perform(get("/inner-breaker"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().string("Retry-After", "1"));
	}

	@Test
	void aBreakerInShadowModeLetsTheRequestThroughAndCountsIt() throws Exception {
		FakeBreaker breaker = new FakeBreaker("backend");
		breaker.open(true);
		CircuitBreakerFilter filter = new CircuitBreakerFilter(List.of(breakerRule("/**", breaker)), this.writer,
				MINIMUM, dev.limiter.boot.metrics.LimiterCallListener.NONE, "backend"::equals);
		MockMvc mvc = MockMvcBuilders.standaloneSetup(new TestController()).addFilters(filter).build();
		mvc.perform(get("/api/ok")).andExpect(status().isOk());
		assertThat(filter.shadowRejections("backend")).isEqualTo(1);
		assertThat(breaker.outcomes()).as("a request it would have dropped is not recorded").isEmpty();
		breaker.open(false);
		mvc.perform(get("/api/fail")).andExpect(status().isInternalServerError());
		assertThat(breaker.outcomes()).as("a permitted request is recorded").containsExactly("reject: status 500");
	}

	@Test
	void aShadowThresholdBreakerStillOpensAndRecovers() throws Exception {
		ThresholdBreaker breaker = ThresholdBreaker.builder("backend")
			.minimumCalls(2)
			.openDuration(Duration.ofSeconds(10))
			.halfOpenCalls(1)
			.clock(this.clock)
			.build();
		CircuitBreakerFilter filter = new CircuitBreakerFilter(List.of(breakerRule("/**", breaker)), this.writer,
				MINIMUM, dev.limiter.boot.metrics.LimiterCallListener.NONE, (name) -> true);
		MockMvc mvc = MockMvcBuilders.standaloneSetup(new TestController()).addFilters(filter).build();
		mvc.perform(get("/api/fail")).andExpect(status().isInternalServerError());
		mvc.perform(get("/api/fail")).andExpect(status().isInternalServerError());
		assertThat(breaker.state()).isEqualTo(dev.limiter.core.breaker.BreakerState.OPEN);
		mvc.perform(get("/api/ok")).andExpect(status().isOk());
		assertThat(filter.shadowRejections("backend")).isEqualTo(1);
		this.clock.advance(Duration.ofSeconds(10));
		mvc.perform(get("/api/ok")).andExpect(status().isOk());
		assertThat(breaker.state()).as("the probe's outcome was recorded")
			.isEqualTo(dev.limiter.core.breaker.BreakerState.CLOSED);
	}

	@Test
	void aShedderInShadowModeLetsTheRequestThroughAndCountsIt() throws Exception {
		FakeShedder shedder = new FakeShedder("cpu");
		shedder.overloaded(true);
		LoadSheddingFilter filter = new LoadSheddingFilter(List.of(shedderRule("/**", "cpu", shedder)), this.writer,
				MINIMUM, dev.limiter.boot.metrics.LimiterCallListener.NONE, Set.of("cpu")::contains);
		MockMvc mvc = MockMvcBuilders.standaloneSetup(new TestController()).addFilters(filter).build();
		mvc.perform(get("/api/ok")).andExpect(status().isOk());
		assertThat(filter.shadowRejections("cpu")).isEqualTo(1);
		assertThat(shedder.outcomes()).isEmpty();
	}

	/** Puts the shedder in the shedding state: hot CPU and more in flight than it has seen complete. */
	private void overload(AdaptiveShedder shedder) {
		long first = shedder.tryAcquire();
		for (int i = 1; i < 200; i++) {
			shedder.tryAcquire();
		}
		shedder.release(first, false); // the average in flight follows completions: now 19.9, over maxFlight (10)
		assertThat(shedder.tryAcquire()).as("shedding").isEqualTo(AdaptiveShedder.REJECTED);
	}

	@RestController
	static class RefusingController {

		@GetMapping("/inner-breaker")
		String innerBreaker() {
			throw new BreakerOpenException("inner");
		}

		@GetMapping("/backend")
		String backend() {
			throw new BreakerOpenException("backend");
		}

		@GetMapping("/inner-shedder")
		String innerShedder() {
			throw new OverloadException("cpu");
		}

		@GetMapping("/down")
		org.springframework.http.ResponseEntity<String> down() {
			return org.springframework.http.ResponseEntity.status(503).body("down");
		}

	}

}
