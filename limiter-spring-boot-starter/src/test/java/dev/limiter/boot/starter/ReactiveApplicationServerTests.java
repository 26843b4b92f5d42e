package dev.limiter.boot.starter;

import dev.limiter.annotation.RateLimited;
import dev.limiter.boot.web.reactive.ReactiveRateLimitFilter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockHound;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.util.ClassUtils;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A WebFlux application with the starter on a real Netty server (RANDOM_PORT), on this module's class path: no
 * servlet class at all. The web rules of the yml answer 429 and 503 with the servlet stack's headers and
 * problem+json bodies, and an annotated method's refusal gets the same answer.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "limiter.rate-limiters.api.limit=2", "limiter.rate-limiters.api.period=1h",
				"limiter.rate-limiters.greeting.limit=1", "limiter.rate-limiters.greeting.period=1h",
				"limiter.circuit-breakers.backend.type=threshold", "limiter.circuit-breakers.backend.minimum-calls=2",
				"limiter.circuit-breakers.backend.failure-rate-threshold=0.5",
				"limiter.circuit-breakers.backend.open-duration=30s", "limiter.web.rules[0].paths=/api/**",
				"limiter.web.rules[0].rate-limiter=api", "limiter.web.rules[0].key=ip",
				"limiter.web.rules[1].paths=/backend/**", "limiter.web.rules[1].circuit-breaker=backend",
				"limiter.rate-limiters.one.limit=1", "limiter.rate-limiters.one.period=1h",
				"limiter.web.rules[2].paths=/keys/header", "limiter.web.rules[2].rate-limiter=one",
				"limiter.web.rules[2].key=header:X-Tenant", "limiter.web.rules[3].paths=/keys/path/**",
				"limiter.web.rules[3].rate-limiter=one", "limiter.web.rules[3].key=path",
				"limiter.web.rules[4].paths=/keys/spel", "limiter.web.rules[4].rate-limiter=one",
				"limiter.web.rules[4].key=getHeader('X-Tenant') + ':' + method",
				"limiter.web.rules[5].paths=/keys/principal", "limiter.web.rules[5].rate-limiter=one",
				"limiter.web.rules[5].key=userPrincipal?.name ?: 'anonymous'" })
class ReactiveApplicationServerTests {

	/** A blocking call on a non-blocking thread (Netty's event loops) fails the test. */
	@BeforeAll
	static void installBlockHound() {
		BlockHound.install();
	}


	@LocalServerPort
	private int port;

	@Test
	void webRulesAnswerAsOnServlets(ApplicationContext context) {
		assertThat(ClassUtils.isPresent("jakarta.servlet.Filter", null)).isFalse();
		assertThat(context.getBeansOfType(ReactiveRateLimitFilter.class)).hasSize(2);
		WebTestClient client = WebTestClient.bindToServer().baseUrl("http://localhost:" + this.port).build();
		client.get().uri("/api/hello").exchange().expectStatus().isOk()
			.expectHeader().valueEquals("RateLimit-Policy", "\"api\";q=2;w=3600")
			.expectHeader().valueEquals("RateLimit", "\"api\";r=1;t=1800");
		client.get().uri("/api/hello").exchange().expectStatus().isOk();
		client.get().uri("/api/hello").exchange().expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
			.expectHeader().valueEquals("Retry-After", "1800")
			.expectHeader().valueEquals("Cache-Control", "no-store")
			.expectHeader().contentType("application/problem+json")
			.expectBody()
			.jsonPath("$.type").isEqualTo("https://iana.org/assignments/http-problem-types#quota-exceeded")
			.jsonPath("$.status").isEqualTo(429)
			.jsonPath("$.detail").isEqualTo("Rate limiter 'api' refused the request; retry after 1800 seconds.")
			.jsonPath("$.violated-policies[0]").isEqualTo("api");
		client.get().uri("/other").exchange().expectStatus().isOk().expectHeader().doesNotExist("RateLimit");
	}

	@Test
	void anOpenBreakerAnswers503(ApplicationContext context) {
		WebTestClient client = WebTestClient.bindToServer().baseUrl("http://localhost:" + this.port).build();
		client.get().uri("/backend/fail").exchange().expectStatus().is5xxServerError();
		client.get().uri("/backend/fail").exchange().expectStatus().is5xxServerError();
		client.get().uri("/backend/fail").exchange().expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
			.expectHeader().valueEquals("Retry-After", "30")
			.expectHeader().contentType("application/problem+json")
			.expectBody()
			.jsonPath("$.type").isEqualTo("https://iana.org/assignments/http-problem-types#temporary-reduced-capacity")
			.jsonPath("$.detail").isEqualTo("Circuit breaker 'backend' is open; retry after 30 seconds.");
	}

	@Test
	void anAnnotatedMethodsRefusalIsA429ProblemToo() {
		WebTestClient client = WebTestClient.bindToServer().baseUrl("http://localhost:" + this.port).build();
		client.get().uri("/greeting").exchange().expectStatus().isOk().expectBody(String.class).isEqualTo("hello");
		client.get().uri("/greeting").exchange().expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
			.expectHeader().valueEquals("RateLimit-Policy", "\"greeting\";q=1;w=3600")
			.expectHeader().exists("Retry-After")
			.expectBody()
			.jsonPath("$.violated-policies[0]").isEqualTo("greeting");
	}

	@Test
	void everyKindOfKeyWorksWithoutTheServletApi() {
		WebTestClient client = WebTestClient.bindToServer().baseUrl("http://localhost:" + this.port).build();
		for (String uri : new String[] { "/keys/header", "/keys/path/a", "/keys/spel", "/keys/principal" }) {
			client.get().uri(uri).header("X-Tenant", "acme").exchange().expectStatus().isOk();
			client.get().uri(uri).header("X-Tenant", "acme").exchange()
				.expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		}
		client.get().uri("/keys/header").header("X-Tenant", "other").exchange().expectStatus().isOk();
		client.get().uri("/keys/path/b").exchange().expectStatus().isOk();
	}

	@SpringBootApplication
	static class Application {

		@Bean
		Greetings greetings() {
			return new Greetings();
		}

		@Bean
		Controller controller(Greetings greetings) {
			return new Controller(greetings);
		}

	}

	static class Greetings {

		@RateLimited(name = "greeting")
		public String greet() {
			return "hello";
		}

	}

	@RestController
	static class Controller {

		private final Greetings greetings;

		Controller(Greetings greetings) {
			this.greetings = greetings;
		}

		@GetMapping({ "/api/hello", "/other", "/keys/**" })
		Mono<String> hello() {
			return Mono.just("hello");
		}

		@GetMapping("/backend/fail")
		Mono<String> fail() {
			return Mono.error(new IllegalStateException("backend down"));
		}

		@GetMapping("/greeting")
		String greeting() {
			return this.greetings.greet();
		}

	}

}
