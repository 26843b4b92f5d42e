package dev.limiter.boot.autoconfigure.web;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import dev.limiter.annotation.CircuitBreaker;
import dev.limiter.annotation.RateLimited;
import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.web.CircuitBreakerFilter;
import dev.limiter.core.breaker.BreakerState;
import dev.limiter.core.breaker.ThresholdBreaker;
import dev.limiter.core.shedding.AdaptiveShedder;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A running server with web rules around annotated beans: refusals of inner protections are no outcome of outer
 * ones, a 503's {@code Retry-After} tells the truth, and a breaker in shadow mode lets requests through while its
 * state evolves.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		classes = StackedProtectionsIntegrationTests.TestApplication.class,
		properties = { "limiter.circuit-breakers.outer.type=threshold",
				"limiter.circuit-breakers.outer.minimum-calls=2",
				"limiter.circuit-breakers.inner.type=threshold", "limiter.circuit-breakers.inner.minimum-calls=1",
				"limiter.circuit-breakers.inner.open-duration=45s", "limiter.circuit-breakers.backend.type=threshold",
				"limiter.circuit-breakers.backend.minimum-calls=2",
				"limiter.circuit-breakers.backend.open-duration=30s",
				"limiter.circuit-breakers.trial.type=threshold", "limiter.circuit-breakers.trial.minimum-calls=2",
				"limiter.circuit-breakers.trial.mode=shadow", "limiter.rate-limiters.inner.limit=0",
				"limiter.rate-limiters.inner.algorithm=fixed-window", "limiter.rate-limiters.inner.period=1m",
				"limiter.load-shedders.cpu.cpu-threshold=0.999", "limiter.load-shedders.cpu.window=1s",
				"limiter.load-shedders.cpu.buckets=10", "limiter.web.rules[0].paths=/outer/**",
				"limiter.web.rules[0].circuit-breaker=outer", "limiter.web.rules[1].paths=/shed/**",
				"limiter.web.rules[1].load-shedder=cpu", "limiter.web.rules[2].paths=/backend/**",
				"limiter.web.rules[2].circuit-breaker=backend", "limiter.web.rules[3].paths=/trial/**",
				"limiter.web.rules[3].circuit-breaker=trial" })
class StackedProtectionsIntegrationTests {

	private final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@Autowired
	CircuitBreakerRegistry breakers;

	@Autowired
	LoadShedderRegistry shedders;

	@Autowired
	@Qualifier("limiterCircuitBreakerFilter")
	FilterRegistrationBean<CircuitBreakerFilter> breakerFilter;

	@Test
	void anInnerBreakersRefusalsAreNoFailuresOfTheOuterWebBreaker() throws Exception {
		assertThat(get("/outer/inner-breaker?fail=true").statusCode()).isEqualTo(500);
		for (int i = 0; i < 5; i++) {
			HttpResponse<String> refused = get("/outer/inner-breaker");
			assertThat(refused.statusCode()).isEqualTo(503);
			assertThat(refused.body()).contains("\"violated-policies\":[\"inner\"]");
			assertThat(refused.headers().firstValue("Retry-After")).as("the rest of inner's 45 s open time")
				.hasValueSatisfying((seconds) -> assertThat(Long.parseLong(seconds)).isBetween(44L, 45L));
		}
		ThresholdBreaker outer = (ThresholdBreaker) this.breakers.get("outer", "test");
		assertThat(outer.state()).isEqualTo(BreakerState.CLOSED);
		assertThat(outer.windowCalls()).as("only the inner dependency's own failure").isEqualTo(1);
		for (int i = 0; i < 5; i++) {
			assertThat(get("/outer/inner-rate").statusCode()).isEqualTo(429);
		}
		assertThat(outer.windowCalls()).as("429s are neither successes nor failures").isEqualTo(1);
	}

	@Test
	void fastRefusalsDoNotPullTheShedderCapacityDown() throws Exception {
		AdaptiveShedder shedder = (AdaptiveShedder) this.shedders.get("cpu", "test");
		double capacity = shedder.maxFlight();
		for (int i = 0; i < 30; i++) {
			assertThat(get("/shed/inner-rate").statusCode()).isEqualTo(429);
		}
		Awaitility.await()
			.pollDelay(Duration.ofMillis(250))
			.atMost(Duration.ofSeconds(2))
			.untilAsserted(() -> assertThat(shedder.inFlight()).isZero());
		assertThat(shedder.maxFlight()).as("no pass and no response time from the 429s").isEqualTo(capacity);
	}

	@Test
	void aWebBreakersRetryAfterIsTheRestOfItsOpenTime() throws Exception {
		assertThat(get("/backend/fail").statusCode()).isEqualTo(500);
		assertThat(get("/backend/fail").statusCode()).isEqualTo(500);
		ThresholdBreaker backend = (ThresholdBreaker) this.breakers.get("backend", "test");
		Awaitility.await()
			.atMost(Duration.ofSeconds(2))
			.untilAsserted(() -> assertThat(backend.state()).isEqualTo(BreakerState.OPEN));
		HttpResponse<String> refused = get("/backend/ok");
		assertThat(refused.statusCode()).isEqualTo(503);
		assertThat(refused.headers().firstValue("Retry-After"))
			.hasValueSatisfying((seconds) -> assertThat(Long.parseLong(seconds)).isBetween(29L, 30L));
	}

	@Test
	void aBreakerInShadowModeLetsRequestsThroughWhileItsStateEvolves() throws Exception {
		assertThat(get("/trial/fail").statusCode()).isEqualTo(500);
		assertThat(get("/trial/fail").statusCode()).isEqualTo(500);
		ThresholdBreaker trial = (ThresholdBreaker) this.breakers.get("trial", "test");
		// the server may answer before the filter has recorded the outcome
		Awaitility.await()
			.atMost(Duration.ofSeconds(2))
			.untilAsserted(() -> assertThat(trial.windowCalls()).isEqualTo(2));
		assertThat(trial.state()).as("%s, %d calls in the window, %d shadow rejections", trial, trial.windowCalls(),
				this.breakerFilter.getFilter().shadowRejections("trial"))
			.isEqualTo(BreakerState.OPEN);
		assertThat(get("/trial/ok").statusCode()).isEqualTo(200);
		assertThat(this.breakerFilter.getFilter().shadowRejections("trial")).isEqualTo(1);
	}

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.timeout(Duration.ofSeconds(10))
			.build();
		return this.client.send(request, HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration(excludeName = {
			"org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
			"org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
			"org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
			"org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
			"org.springframework.boot.security.autoconfigure.actuate.web.servlet."
					+ "ManagementWebSecurityAutoConfiguration" })
	static class TestApplication {

		@Bean
		Inner inner() {
			return new Inner();
		}

		@Bean
		StackController stackController(Inner inner) {
			return new StackController(inner);
		}

	}

	static class Inner {

		@CircuitBreaker(name = "inner")
		String breaker(boolean fail) {
			if (fail) {
				throw new IllegalStateException("inner dependency down");
			}
			return "inner";
		}

		@RateLimited(name = "inner")
		String rateLimited() {
			return "inner";
		}

	}

	@RestController
	static class StackController {

		private final Inner inner;

		StackController(Inner inner) {
			this.inner = inner;
		}

		@GetMapping("/outer/inner-breaker")
		ResponseEntity<String> innerBreaker(@RequestParam(defaultValue = "false") boolean fail) {
			try {
				return ResponseEntity.ok(this.inner.breaker(fail));
			}
			catch (IllegalStateException ex) {
				return ResponseEntity.status(500).body(ex.getMessage());
			}
		}

		@GetMapping({ "/outer/inner-rate", "/shed/inner-rate" })
		String innerRate() {
			return this.inner.rateLimited();
		}

		@GetMapping({ "/backend/fail", "/trial/fail" })
		ResponseEntity<String> fail() {
			return ResponseEntity.status(500).body("down");
		}

		@GetMapping({ "/backend/ok", "/trial/ok" })
		String ok() {
			return "ok";
		}

	}

}
