package dev.limiter.boot.web.reactive;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.boot.testing.BlockHoundInstalled;
import dev.limiter.boot.testing.CountingStore;
import dev.limiter.boot.testing.FakeBreaker;
import dev.limiter.boot.testing.FakeShedder;
import dev.limiter.boot.web.ClientAddressResolver;
import dev.limiter.boot.web.KeyResolver;
import dev.limiter.boot.web.RateLimitHeaders;
import dev.limiter.boot.web.RequestRule;
import dev.limiter.core.Promise;
import dev.limiter.core.breaker.Breaker;
import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import dev.limiter.core.shedding.ConcurrencyLimiter;
import dev.limiter.core.shedding.Priority;
import dev.limiter.core.shedding.Shedder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.server.WebFilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * WebTestClient counterparts of the servlet breaker, shedder and stacking tests: 503 answers, outcomes taken when
 * the exchange completes, fails or is cancelled, and refusals by inner protections that are no outcome of outer ones.
 */
@ExtendWith(BlockHoundInstalled.class)
class ReactiveGuardFiltersTests {

	private static final Duration MINIMUM = Duration.ofSeconds(1);

	private final ReactiveProblemDetailsResponseWriter writer = new ReactiveProblemDetailsResponseWriter();

	private final FakeBreaker breaker = new FakeBreaker("backend");

	private final FakeShedder shedder = new FakeShedder("cpu");

	@Test
	void anOpenBreakerAnswers503WithProblemDetails() {
		this.breaker.open(true);
		ReactiveTestApp.client(breakerFilter(breakerRule("/**", this.breaker))).get().uri("/api/ok").exchange()
			.expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
			.expectHeader().valueEquals("Retry-After", "1")
			.expectHeader().valueEquals("Cache-Control", "no-store")
			.expectHeader().contentType("application/problem+json")
			.expectBody()
			.jsonPath("$.type").isEqualTo("https://iana.org/assignments/http-problem-types#temporary-reduced-capacity")
			.jsonPath("$.title").isEqualTo("Temporary reduced capacity")
			.jsonPath("$.status").isEqualTo(503)
			.jsonPath("$.detail").isEqualTo("Circuit breaker 'backend' is open; retry after 1 second.")
			.jsonPath("$.violated-policies[0]").isEqualTo("backend");
	}

	@Test
	void aBreakerLearnsTheOutcomeWhenTheExchangeFinishes() {
		WebTestClient client = ReactiveTestApp.client(breakerFilter(breakerRule("/**", this.breaker)));
		client.get().uri("/api/ok").exchange().expectStatus().isOk();
		client.get().uri("/fail").exchange().expectStatus().isEqualTo(500);
		client.get().uri("/error").exchange().expectStatus().isEqualTo(500);
		client.get().uri("/missing").exchange().expectStatus().isNotFound();
		assertThat(this.breaker.outcomes()).containsExactly("accept", "reject: status 500",
				"reject: java.lang.IllegalStateException", "accept");
	}

	@Test
	void aShedderRefusesWith503AndLearnsFromTheStatus() {
		WebTestClient client = ReactiveTestApp.client(shedderFilter(shedderRule("/**", this.shedder)));
		client.get().uri("/api/ok").exchange().expectStatus().isOk();
		client.get().uri("/down").exchange().expectStatus().isEqualTo(503);
		client.get().uri("/fail").exchange().expectStatus().isEqualTo(500);
		client.get().uri("/error").exchange().expectStatus().isEqualTo(500);
		assertThat(this.shedder.outcomes()).containsExactly("accept", "reject: status 503", "accept", "accept");
		this.shedder.overloaded(true);
		client.get().uri("/api/ok").exchange()
			.expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
			.expectHeader().valueEquals("Retry-After", "1")
			.expectBody()
			.jsonPath("$.detail")
			.isEqualTo("Load shedder 'cpu' refused the request: the service is overloaded; retry after 1 second.");
	}

	@Test
	void aSheddableRuleIsRefusedWhereACriticalOnePassesAtTheSameInFlightCount() {
		ConcurrencyLimiter cap = ConcurrencyLimiter.of("pool", 2);
		WebTestClient client = ReactiveTestApp.client(shedderFilter(
				new RequestRule(List.of("/down"), List.of(), null, null,
						new RequestRule.Shedding("pool", cap, Priority.SHEDDABLE)),
				new RequestRule(List.of("/api/**"), List.of(), null, null, new RequestRule.Shedding("pool", cap))));
		// one call of two in flight: the sheddable share of a cap of 2 is taken, one slot is kept for critical calls
		Promise held = cap.allow();
		client.get().uri("/down").exchange()
			.expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
			.expectBody()
			.jsonPath("$.violated-policies[0]").isEqualTo("pool");
		client.get().uri("/api/ok").exchange().expectStatus().isOk();
		assertThat(cap.inFlight()).isEqualTo(1);
		held.accept();
		// with nothing in flight the sheddable request passes (the application's own 503 for /down)
		client.get().uri("/down").exchange()
			.expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
			.expectHeader().doesNotExist("Retry-After");
		assertThat(cap.inFlight()).isZero();
	}

	@Test
	void aCancelledExchangeIsNoOutcomeAndGivesTheShedderSlotBack() {
		WebFilter filters = (exchange, chain) -> shedderFilter(shedderRule("/**", this.shedder)).filter(exchange,
				(inner) -> breakerFilter(breakerRule("/**", this.breaker)).filter(inner, (last) -> Mono.never()));
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/slow"));
		Disposable subscription = filters.filter(exchange, (unused) -> Mono.empty()).subscribe();
		assertThat(this.shedder.outcomes()).isEmpty();
		subscription.dispose();
		assertThat(this.shedder.outcomes()).containsExactly("ignore");
		assertThat(this.breaker.outcomes()).containsExactly("ignore");
	}

	@Test
	void shadowBreakersAndSheddersLetThroughAndCount() {
		this.breaker.open(true);
		this.shedder.overloaded(true);
		ReactiveCircuitBreakerFilter breakers = new ReactiveCircuitBreakerFilter(
				List.of(breakerRule("/**", this.breaker)), this.writer, MINIMUM, LimiterCallListener.NONE,
				"backend"::equals);
		ReactiveLoadSheddingFilter shedders = new ReactiveLoadSheddingFilter(
				List.of(shedderRule("/**", this.shedder)), this.writer, MINIMUM, LimiterCallListener.NONE,
				"cpu"::equals);
		ReactiveTestApp.client(shedders, breakers).get().uri("/api/ok").exchange().expectStatus().isOk();
		assertThat(breakers.shadowRejections("backend")).isEqualTo(1);
		assertThat(shedders.shadowRejections("cpu")).isEqualTo(1);
		assertThat(this.breaker.outcomes()).isEmpty();
		assertThat(this.shedder.outcomes()).isEmpty();
	}

	@Test
	void aLaterBreakerDroppingIsNoOutcomeOfAnEarlierOne() {
		FakeBreaker second = new FakeBreaker("second");
		second.open(true);
		ReactiveTestApp.client(breakerFilter(breakerRule("/**", this.breaker), breakerRule("/**", second)))
			.get().uri("/api/ok").exchange().expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(this.breaker.outcomes()).containsExactly("ignore");
	}

	@Test
	void aRateLimitRefusalInsideIsNoOutcomeOfTheShedderAndTheBreakerIsNotAsked() {
		RateLimiter closed = new RateLimiter("closed", new FixedWindowSpec(0, Duration.ofSeconds(1), false),
				new CountingStore());
		ClientAddressResolver addresses = new ClientAddressResolver(List.of());
		RequestRule rule = new RequestRule(List.of("/**"), List.of(),
				new RequestRule.RateLimit(closed, KeyResolver.of("ip", addresses), false), this.breaker,
				new RequestRule.Shedding("cpu", this.shedder));
		ReactiveRateLimitFilter limits = new ReactiveRateLimitFilter(List.of(rule), addresses,
				new RateLimitHeaders(RateLimitHeaders.Format.IETF), this.writer, LimiterCallListener.NONE,
				ReactiveRateLimitFilter.BEFORE_SECURITY_ORDER);
		WebTestClient client = ReactiveTestApp.client(shedderFilter(rule), limits, breakerFilter(rule));
		client.get().uri("/api/ok").exchange().expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		// the store is not the in-memory one: the decision, and so the end of the exchange, is on another thread
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(this.shedder.outcomes()).containsExactly("ignore"));
		assertThat(this.breaker.outcomes()).isEmpty();
	}

	@Test
	void theAnnotationsExceptionsAreAnsweredAndAreNoOutcomeOfWebBreakersOrShedders() {
		RateLimiter inner = new RateLimiter("inner", TokenBucketSpec.of(5, Duration.ofSeconds(10)),
				new CountingStore());
		ReactiveLimiterExceptionHandler handler = new ReactiveLimiterExceptionHandler(this.writer,
				new RateLimitHeaders(RateLimitHeaders.Format.IETF), new RateLimiterRegistry(Map.of("inner", inner)),
				new CircuitBreakerRegistry(Map.of()), new LoadShedderRegistry(Map.of()), MINIMUM);
		WebTestClient client = ReactiveTestApp.client(List.of(shedderFilter(shedderRule("/**", this.shedder)),
				breakerFilter(breakerRule("/**", this.breaker))), handler);
		client.get().uri("/inner-limit").exchange()
			.expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
			.expectHeader().valueEquals("Retry-After", "7")
			.expectHeader().valueEquals("RateLimit-Policy", "\"inner\";q=5;w=10")
			.expectHeader().valueEquals("RateLimit", "\"inner\";r=0;t=7")
			.expectBody()
			.jsonPath("$.detail").isEqualTo("Rate limiter 'inner' refused the request; retry after 7 seconds.");
		client.get().uri("/inner-breaker").exchange()
			.expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
			.expectHeader().valueEquals("Retry-After", "1")
			.expectBody()
			.jsonPath("$.detail").isEqualTo("Circuit breaker 'inner' is open; retry after 1 second.");
		client.get().uri("/inner-shedder").exchange()
			.expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
			.expectBody()
			.jsonPath("$.type").isEqualTo("https://iana.org/assignments/http-problem-types#temporary-reduced-capacity");
		assertThat(this.breaker.outcomes()).containsExactly("ignore", "ignore", "ignore");
		assertThat(this.shedder.outcomes()).containsExactly("ignore", "ignore", "ignore");
		client.get().uri("/down").exchange().expectStatus().isEqualTo(503);
		client.get().uri("/error").exchange().expectStatus().isEqualTo(500);
		assertThat(this.breaker.outcomes()).as("the application's own 503 and errors are failures").hasSize(5)
			.endsWith("reject: status 503", "reject: java.lang.IllegalStateException");
	}

	/**
	 * The outcome is taken before the chain's end reaches the exception handlers and the server, which answer the
	 * client: a client that sends its next request as soon as it has an answer meets a breaker that knows it.
	 */
	@Test
	void theOutcomeIsTakenBeforeTheEndOfTheChainTravelsOn() {
		ReactiveCircuitBreakerFilter filter = breakerFilter(breakerRule("/**", this.breaker));
		List<String> seenDownstream = new ArrayList<>();
		filter.filter(MockServerWebExchange.from(MockServerHttpRequest.get("/api/fail")),
				(exchange) -> Mono.error(new IllegalStateException("boom")))
			.onErrorResume((ex) -> Mono.fromRunnable(() -> seenDownstream.addAll(this.breaker.outcomes())))
			.block(Duration.ofSeconds(5));
		assertThat(seenDownstream).containsExactly("reject: java.lang.IllegalStateException");
		seenDownstream.clear();
		filter.filter(MockServerWebExchange.from(MockServerHttpRequest.get("/api/ok")), (exchange) -> Mono.empty())
			.then(Mono.fromRunnable(() -> seenDownstream.addAll(this.breaker.outcomes())))
			.block(Duration.ofSeconds(5));
		assertThat(seenDownstream).containsExactly("reject: java.lang.IllegalStateException", "accept");
	}

	private ReactiveCircuitBreakerFilter breakerFilter(RequestRule... rules) {
		return new ReactiveCircuitBreakerFilter(List.of(rules), this.writer, MINIMUM, LimiterCallListener.NONE,
				(name) -> false);
	}

	private ReactiveLoadSheddingFilter shedderFilter(RequestRule... rules) {
		return new ReactiveLoadSheddingFilter(List.of(rules), this.writer, MINIMUM, LimiterCallListener.NONE,
				(name) -> false);
	}

	private static RequestRule breakerRule(String path, Breaker breaker) {
		return new RequestRule(List.of(path), List.of(), null, breaker, null);
	}

	private static RequestRule shedderRule(String path, Shedder shedder) {
		return new RequestRule(List.of(path), List.of(), null, null, new RequestRule.Shedding("cpu", shedder));
	}

}
