package dev.limiter.boot.autoconfigure.web;

import dev.limiter.annotation.CircuitBreaker;
import dev.limiter.annotation.LoadShed;
import dev.limiter.annotation.RateLimited;
import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.autoconfigure.aop.LimiterAspectAutoConfiguration;
import dev.limiter.boot.testing.BlockHoundInstalled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webflux.autoconfigure.HttpHandlerAutoConfiguration;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.http.HttpStatus;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * An annotated {@code @RestController} of a WebFlux application whose methods return {@code Mono} and {@code Flux}:
 * refusals are answered 429 and 503 with the servlet stack's headers and problem+json bodies, an open breaker's
 * fallback answers, and a cancelled subscription gives the shedder's slot back.
 */
@ExtendWith(BlockHoundInstalled.class)
class ReactiveAnnotationsIntegrationTests {

	private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, LimiterAutoConfiguration.class,
				LimiterAspectAutoConfiguration.class, LimiterReactiveWebAutoConfiguration.class,
				WebFluxAutoConfiguration.class, HttpHandlerAutoConfiguration.class))
		.withBean(Controller.class)
		.withPropertyValues("limiter.rate-limiters.greeting.limit=1", "limiter.rate-limiters.greeting.period=1h",
				"limiter.circuit-breakers.backend.type=threshold", "limiter.circuit-breakers.backend.minimum-calls=2",
				"limiter.circuit-breakers.backend.failure-rate-threshold=0.5",
				"limiter.circuit-breakers.backend.open-duration=30s", "limiter.load-shedders.capped.max-concurrency=1");

	@Test
	void aRateLimitedMonoIsAnswered429AsOnServlets() {
		this.runner.run((context) -> {
			WebTestClient client = WebTestClient.bindToApplicationContext(context).build();
			client.get().uri("/greeting").exchange().expectStatus().isOk().expectBody(String.class).isEqualTo("hello");
			client.get().uri("/greeting").exchange().expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
				.expectHeader().valueEquals("RateLimit-Policy", "\"greeting\";q=1;w=3600")
				.expectHeader().valueEquals("RateLimit", "\"greeting\";r=0;t=3600")
				.expectHeader().valueEquals("Retry-After", "3600")
				.expectHeader().valueEquals("Cache-Control", "no-store")
				.expectHeader().contentType("application/problem+json")
				.expectBody()
				.jsonPath("$.type").isEqualTo("https://iana.org/assignments/http-problem-types#quota-exceeded")
				.jsonPath("$.status").isEqualTo(429)
				.jsonPath("$.detail")
				.isEqualTo("Rate limiter 'greeting' refused the request; retry after 3600 seconds.")
				.jsonPath("$.violated-policies[0]").isEqualTo("greeting");
		});
	}

	@Test
	void anOpenBreakerOfAFluxIsAnswered503AndAFallbackAnswersInstead() {
		this.runner.run((context) -> {
			WebTestClient client = WebTestClient.bindToApplicationContext(context).build();
			client.get().uri("/items?fail=true").exchange().expectStatus().is5xxServerError();
			client.get().uri("/items?fail=true").exchange().expectStatus().is5xxServerError();
			client.get().uri("/items").exchange().expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
				.expectHeader().valueEquals("Retry-After", "30")
				.expectHeader().valueEquals("Cache-Control", "no-store")
				.expectHeader().contentType("application/problem+json")
				.expectBody()
				.jsonPath("$.type").isEqualTo("https://iana.org/assignments/http-problem-types#temporary-reduced-capacity")
				.jsonPath("$.status").isEqualTo(503)
				.jsonPath("$.detail").isEqualTo("Circuit breaker 'backend' is open; retry after 30 seconds.")
				.jsonPath("$.violated-policies[0]").isEqualTo("backend");
			client.get().uri("/item").exchange().expectStatus().isOk().expectBody(String.class).isEqualTo("cached");
		});
	}

	@Test
	void aShedMonoIsAnswered503AndACancelledSubscriptionGivesItsSlotBack() {
		this.runner.run((context) -> {
			WebTestClient client = WebTestClient.bindToApplicationContext(context).build();
			Disposable holding = context.getBean(Controller.class).shed(true).subscribe();
			client.get().uri("/shed").exchange().expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
				.expectHeader().exists("Retry-After")
				.expectHeader().contentType("application/problem+json")
				.expectBody()
				.jsonPath("$.type").isEqualTo("https://iana.org/assignments/http-problem-types#temporary-reduced-capacity")
				.jsonPath("$.violated-policies[0]").isEqualTo("capped");
			holding.dispose();
			client.get().uri("/shed").exchange().expectStatus().isOk().expectBody(String.class).isEqualTo("done");
		});
	}

	@RestController
	static class Controller {

		@GetMapping("/greeting")
		@RateLimited(name = "greeting")
		Mono<String> greeting() {
			return Mono.just("hello");
		}

		@GetMapping("/items")
		@CircuitBreaker(name = "backend")
		Flux<String> items(@RequestParam(defaultValue = "false") boolean fail) {
			return fail ? Flux.error(new IllegalStateException("backend down")) : Flux.just("a", "b");
		}

		@GetMapping("/item")
		@CircuitBreaker(name = "backend", fallbackMethod = "cachedItem")
		Mono<String> item() {
			return Mono.just("live");
		}

		Mono<String> cachedItem(Throwable ex) {
			return Mono.just("cached");
		}

		@GetMapping("/shed")
		@LoadShed(name = "capped")
		Mono<String> shed(@RequestParam(defaultValue = "false") boolean hold) {
			return hold ? Mono.never() : Mono.just("done");
		}

	}

}
