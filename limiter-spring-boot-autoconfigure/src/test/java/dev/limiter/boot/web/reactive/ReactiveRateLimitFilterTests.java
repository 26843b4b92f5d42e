package dev.limiter.boot.web.reactive;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.registry.LimiterKind;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.boot.testing.BlockHoundInstalled;
import dev.limiter.boot.testing.CountingStore;
import dev.limiter.boot.testing.ThreadTrackingStore;
import dev.limiter.boot.web.ClientAddressResolver;
import dev.limiter.boot.web.KeyResolver;
import dev.limiter.boot.web.LimiterRejection;
import dev.limiter.boot.web.RateLimitHeaders;
import dev.limiter.boot.web.RequestRule;
import dev.limiter.core.ManualClock;
import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.InMemoryRateLimitStore;
import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.RateLimitStore;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.server.WebFilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** WebTestClient counterparts of the servlet RateLimitFilterTests, and what is particular to WebFlux. */
@ExtendWith(BlockHoundInstalled.class)
@ExtendWith(OutputCaptureExtension.class)
class ReactiveRateLimitFilterTests {

	private final CountingStore store = new CountingStore();

	private final ClientAddressResolver addresses = new ClientAddressResolver(List.of());

	private final RateLimiter api = new RateLimiter("api", TokenBucketSpec.of(2, Duration.ofSeconds(1)), this.store);

	@Test
	void allowedRequestsCarryIetfHeaders() {
		WebTestClient client = client(RateLimitHeaders.Format.IETF, rule("/api/**", this.api, "ip", false));
		client.get().uri("/api/ok").header(ReactiveTestApp.REMOTE, "1.1.1.1").exchange()
			.expectStatus().isOk()
			.expectBody(String.class).isEqualTo("ok");
		client.get().uri("/api/ok").header(ReactiveTestApp.REMOTE, "1.1.1.2").exchange()
			.expectHeader().valueEquals("RateLimit-Policy", "\"api\";q=2;w=1")
			.expectHeader().valueEquals("RateLimit", "\"api\";r=1;t=11")
			.expectHeader().doesNotExist("Retry-After");
	}

	@Test
	void requestsOverTheLimitGet429WithProblemDetails() {
		WebTestClient client = client(RateLimitHeaders.Format.IETF, rule("/api/**", this.api, "ip", false));
		client.get().uri("/api/ok").header(ReactiveTestApp.REMOTE, "1.1.1.1").exchange().expectStatus().isOk();
		client.get().uri("/api/ok").header(ReactiveTestApp.REMOTE, "1.1.1.1").exchange()
			.expectStatus().isOk()
			.expectHeader().valueEquals("RateLimit", "\"api\";r=0;t=11");
		client.get().uri("/api/ok").header(ReactiveTestApp.REMOTE, "1.1.1.1").exchange()
			.expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
			.expectHeader().valueEquals("Retry-After", "3")
			.expectHeader().valueEquals("Cache-Control", "no-store")
			.expectHeader().valueEquals("RateLimit", "\"api\";r=0;t=3")
			.expectHeader().valueEquals("RateLimit-Policy", "\"api\";q=2;w=1")
			.expectHeader().contentType("application/problem+json")
			.expectBody()
			.jsonPath("$.type").isEqualTo("https://iana.org/assignments/http-problem-types#quota-exceeded")
			.jsonPath("$.title").isEqualTo("Quota exceeded")
			.jsonPath("$.status").isEqualTo(429)
			.jsonPath("$.detail").isEqualTo("Rate limiter 'api' refused the request; retry after 3 seconds.")
			.jsonPath("$.violated-policies[0]").isEqualTo("api");
		client.get().uri("/api/ok").header(ReactiveTestApp.REMOTE, "2.2.2.2").exchange().expectStatus().isOk();
		assertThat(this.store.used("api:1.1.1.1")).isEqualTo(2);
	}

	@Test
	void nonMatchingRequestsPassWithoutHeadersOrPermits() {
		WebTestClient client = client(RateLimitHeaders.Format.IETF, rule("/api/**", this.api, "ip", false));
		client.get().uri("/other").exchange().expectStatus().isOk().expectHeader().doesNotExist("RateLimit");
		assertThat(this.store.used("api:127.0.0.1")).isZero();
	}

	@Test
	void legacyHeaders() {
		WebTestClient client = client(RateLimitHeaders.Format.LEGACY, rule("/api/**", this.api, "ip", false));
		client.get().uri("/api/ok").exchange()
			.expectHeader().valueEquals("X-RateLimit-Limit", "2")
			.expectHeader().valueEquals("X-RateLimit-Remaining", "1")
			.expectHeader().valueEquals("X-RateLimit-Reset", "11")
			.expectHeader().doesNotExist("RateLimit");
	}

	@Test
	void noneFormatStillSendsRetryAfterOnRefusal() {
		RateLimiter none = new RateLimiter("closed", new FixedWindowSpec(0, Duration.ofSeconds(1), false),
				this.store);
		WebTestClient client = client(RateLimitHeaders.Format.NONE, rule("/api/**", none, "ip", false));
		client.get().uri("/api/ok").exchange()
			.expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
			.expectHeader().valueEquals("Retry-After", "3")
			.expectHeader().doesNotExist("RateLimit")
			.expectHeader().doesNotExist("X-RateLimit-Limit");
	}

	@Test
	void shadowModeLetsThroughCountsAndAddsNoHeaders() {
		RateLimiter shadow = new RateLimiter("trial", TokenBucketSpec.of(1, Duration.ofSeconds(1)), this.store);
		ReactiveRateLimitFilter filter = filter(RateLimitHeaders.Format.IETF, LimiterCallListener.NONE,
				rule("/api/**", shadow, "ip", true));
		WebTestClient client = ReactiveTestApp.client(filter);
		for (int i = 0; i < 3; i++) {
			client.get().uri("/api/ok").exchange().expectStatus().isOk().expectHeader().doesNotExist("RateLimit");
		}
		assertThat(filter.shadowRejections("trial")).isEqualTo(2);
		assertThat(filter.shadowRejections("api")).isZero();
	}

	@Test
	void everyMatchingRuleAppliesAndTheFirstRefusalAnswers() {
		RateLimiter global = new RateLimiter("global", TokenBucketSpec.of(10, Duration.ofSeconds(1)), this.store);
		WebTestClient client = client(RateLimitHeaders.Format.IETF, rule("/**", global, "ip", false),
				rule("/api/**", this.api, "header:X-Api-Key", false));
		client.get().uri("/api/ok").header("X-Api-Key", "k1").exchange()
			.expectStatus().isOk()
			.expectHeader().valueEquals("RateLimit", "\"global\";r=9;t=11", "\"api\";r=1;t=11");
		client.get().uri("/api/ok").header("X-Api-Key", "k1").exchange().expectStatus().isOk();
		client.get().uri("/api/ok").header("X-Api-Key", "k1").exchange()
			.expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
			.expectBody().jsonPath("$.violated-policies[0]").isEqualTo("api");
		client.get().uri("/api/ok").header("X-Api-Key", "k2").exchange().expectStatus().isOk();
		assertThat(this.store.used("global:127.0.0.1")).isEqualTo(4);
	}

	@Test
	void requestsWithoutKeyShareTheAbsentKey() {
		WebTestClient client = client(RateLimitHeaders.Format.IETF, rule("/api/**", this.api, "header:X-Api-Key",
				false));
		client.get().uri("/api/ok").exchange().expectStatus().isOk();
		assertThat(this.store.used("api:" + KeyResolver.ABSENT)).isEqualTo(1);
	}

	@Test
	void aSpecChangedAtRunTimeAppliesToTheNextRequest() {
		RateLimiterRegistry registry = new RateLimiterRegistry(Map.of("api", this.api));
		RequestRule rule = new RequestRule(List.of("/api/**"), List.of(), new RequestRule.RateLimit(
				registry.source("api", "test"), KeyResolver.of("ip", this.addresses), false), null, null);
		WebTestClient client = client(RateLimitHeaders.Format.IETF, rule);
		client.get().uri("/api/ok").exchange().expectHeader().valueEquals("RateLimit-Policy", "\"api\";q=2;w=1");
		registry.update("api", TokenBucketSpec.of(5, Duration.ofMinutes(1)));
		client.get().uri("/api/ok").exchange()
			.expectStatus().isOk()
			.expectHeader().valueEquals("RateLimit-Policy", "\"api\";q=5;w=60")
			.expectHeader().valueEquals("RateLimit", "\"api\";r=3;t=11");
	}

	@Test
	void aReplacedResponseWriterAnswersRefusalsAndTheRefusalIsMarked() {
		RateLimiter none = new RateLimiter("closed", new FixedWindowSpec(0, Duration.ofSeconds(1), false),
				this.store);
		ReactiveLimiterResponseWriter teapot = (exchange, rejection) -> {
			assertThat(exchange.getAttributes()).containsKey(LimiterRejection.REQUEST_ATTRIBUTE);
			exchange.getResponse().setStatusCode(HttpStatus.I_AM_A_TEAPOT);
			return exchange.getResponse().setComplete();
		};
		ReactiveRateLimitFilter filter = new ReactiveRateLimitFilter(List.of(rule("/**", none, "ip", false)),
				this.addresses, new RateLimitHeaders(RateLimitHeaders.Format.IETF), teapot, LimiterCallListener.NONE,
				ReactiveRateLimitFilter.DEFAULT_ORDER);
		ReactiveTestApp.client(filter).get().uri("/api/ok").exchange().expectStatus().isEqualTo(418);
	}

	@Test
	void theInMemoryStoreDecidesInPlaceAnyOtherStoreAsynchronously() {
		Map<String, String> threads = new ConcurrentHashMap<>();
		RateLimitStore memory = InMemoryRateLimitStore.builder().clock(new ManualClock()).build();
		RateLimiter local = new RateLimiter("local", TokenBucketSpec.of(5, Duration.ofSeconds(1)), memory);
		RateLimiter remote = new RateLimiter("remote", TokenBucketSpec.of(5, Duration.ofSeconds(1)),
				new ThreadRecordingStore(this.store, threads));
		WebTestClient client = client(RateLimitHeaders.Format.IETF, rule("/**", local, "ip", false),
				rule("/**", remote, "ip", false));
		client.get().uri("/api/ok").exchange()
			.expectStatus().isOk()
			.expectHeader().valueEquals("RateLimit", "\"local\";r=4;t=1", "\"remote\";r=4;t=11");
		assertThat(threads.get("remote:127.0.0.1")).isEqualTo("acquireAsync, answered on store-io");
	}

	@Test
	void aStoreThatMayBlockIsAskedOnBoundedElasticAndTheRequestGoesOnOnParallel() {
		ThreadTrackingStore blocking = ThreadTrackingStore.mayBlock();
		RateLimiter limiter = new RateLimiter("blocking", TokenBucketSpec.of(5, Duration.ofSeconds(1)), blocking);
		List<String> downstream = new CopyOnWriteArrayList<>();
		WebFilter recording = threadsInto(downstream);
		ReactiveRateLimitFilter filter = filter(RateLimitHeaders.Format.IETF, LimiterCallListener.NONE,
				rule("/**", limiter, "ip", false));
		ReactiveTestApp.client(List.of(filter, recording)).get().uri("/api/ok").exchange().expectStatus().isOk();
		assertThat(blocking.askedOn()).singleElement().asString().startsWith("boundedElastic-");
		assertThat(downstream).singleElement().asString().startsWith("parallel-");
	}

	@Test
	void afterALaterAnswerTheRequestGoesOnOnParallelNotOnTheStoresThread() {
		ThreadTrackingStore remote = ThreadTrackingStore.answeringOn("store-io");
		RateLimiter limiter = new RateLimiter("remote", TokenBucketSpec.of(5, Duration.ofSeconds(1)), remote);
		List<String> downstream = new CopyOnWriteArrayList<>();
		WebFilter recording = threadsInto(downstream);
		ReactiveRateLimitFilter filter = filter(RateLimitHeaders.Format.IETF, LimiterCallListener.NONE,
				rule("/**", limiter, "ip", false));
		ReactiveTestApp.client(List.of(filter, recording)).get().uri("/api/ok").exchange()
			.expectStatus().isOk()
			.expectHeader().valueEquals("RateLimit", "\"remote\";r=4;t=11");
		assertThat(remote.answeredOn()).containsExactly("store-io");
		assertThat(downstream).singleElement().asString().startsWith("parallel-");
	}

	@ParameterizedTest
	@ValueSource(booleans = { true, false })
	void anAsynchronousDecisionIsTakenAtSubscriptionAndAgainForEachOne(boolean mayBlock) {
		ThreadTrackingStore store = mayBlock ? ThreadTrackingStore.mayBlock() : ThreadTrackingStore.answeringOn("io");
		RateLimiter limiter = new RateLimiter("remote", TokenBucketSpec.of(5, Duration.ofSeconds(1)), store);
		ReactiveRateLimitFilter filter = filter(RateLimitHeaders.Format.IETF, LimiterCallListener.NONE,
				rule("/**", limiter, "ip", false));
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/ok")
			.remoteAddress(new InetSocketAddress("1.1.1.1", 40000)));
		Mono<Void> filtered = filter.filter(exchange, (passed) -> Mono.empty());
		assertThat(store.askedOn()).as("asked before subscription").isEmpty();
		filtered.block(Duration.ofSeconds(10));
		filtered.block(Duration.ofSeconds(10));
		assertThat(store.askedOn()).as("asked once per subscription").hasSize(2);
		assertThat(store.used("remote:1.1.1.1")).isEqualTo(2);
	}

	@Test
	void aKeyThatThrowsCountsUnderTheAbsentKeyIsReportedAndWarnedOnce(CapturedOutput output) {
		AtomicInteger failures = new AtomicInteger();
		LimiterCallListener listener = new LimiterCallListener() {

			@Override
			public void onCall(LimiterKind kind, String name, Outcome outcome) {
			}

			@Override
			public void onKeyFailure(LimiterKind kind, String name) {
				failures.incrementAndGet();
			}

		};
		ReactiveRateLimitFilter filter = filter(RateLimitHeaders.Format.IETF, listener,
				rule("/api/**", this.api, "getHeader('X-Tenant').toUpperCase()", false));
		WebTestClient client = ReactiveTestApp.client(filter);
		client.get().uri("/api/ok").exchange().expectStatus().isOk();
		client.get().uri("/api/ok").exchange().expectStatus().isOk();
		client.get().uri("/api/ok").exchange().expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		client.get().uri("/api/ok").header("X-Tenant", "acme").exchange().expectStatus().isOk();
		assertThat(this.store.used("api:" + KeyResolver.ABSENT)).isEqualTo(2);
		assertThat(this.store.used("api:ACME")).isEqualTo(1);
		assertThat(failures).hasValue(3);
		assertThat(output).containsOnlyOnce("of rate limiter 'api' failed").contains("WARN");
	}

	@Test
	void aRuleWhoseKeyIsNotAConfiguredOneIsRefused() {
		RequestRule custom = new RequestRule(List.of("/**"), List.of(),
				new RequestRule.RateLimit(this.api, (request) -> "k", false), null, null);
		assertThatIllegalArgumentException().isThrownBy(() -> filter(RateLimitHeaders.Format.IETF,
				LimiterCallListener.NONE, custom))
			.withMessageContaining("not a configured key");
	}

	private WebTestClient client(RateLimitHeaders.Format format, RequestRule... rules) {
		ReactiveRateLimitFilter filter = filter(format, LimiterCallListener.NONE, rules);
		assertThat(filter.hasRules()).isTrue();
		return ReactiveTestApp.client(filter);
	}

	private ReactiveRateLimitFilter filter(RateLimitHeaders.Format format, LimiterCallListener listener,
			RequestRule... rules) {
		return new ReactiveRateLimitFilter(List.of(rules), this.addresses, new RateLimitHeaders(format),
				new ReactiveProblemDetailsResponseWriter(), listener, ReactiveRateLimitFilter.DEFAULT_ORDER);
	}

	private RequestRule rule(String path, RateLimiter limiter, String key, boolean shadow) {
		return new RequestRule(List.of(path), List.of(),
				new RequestRule.RateLimit(limiter, KeyResolver.of(key, this.addresses), shadow), null, null);
	}

	/**
	 * A store that is not the in-memory one: answers asynchronous decisions on a thread of its own, as a store
	 * waiting for a server does, and records how each key was decided.
	 */
	private record ThreadRecordingStore(RateLimitStore store, Map<String, String> threads) implements RateLimitStore {

		@Override
		public Decision acquire(String key, LimitSpec spec, int permits) {
			this.threads.put(key, "acquire on " + Thread.currentThread().getName());
			return this.store.acquire(key, spec, permits);
		}

		@Override
		public CompletionStage<Decision> acquireAsync(String key, LimitSpec spec, int permits) {
			CompletableFuture<Decision> decision = new CompletableFuture<>();
			Thread io = new Thread(() -> {
				this.threads.put(key, "acquireAsync, answered on " + Thread.currentThread().getName());
				decision.complete(this.store.acquire(key, spec, permits));
			}, "store-io");
			io.start();
			return decision;
		}

	}

	/** A filter after the one under test that records the thread the request goes on on. */
	private static WebFilter threadsInto(List<String> threads) {
		return (exchange, chain) -> {
			threads.add(Thread.currentThread().getName());
			return chain.filter(exchange);
		};
	}

}
