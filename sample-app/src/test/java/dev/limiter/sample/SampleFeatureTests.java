package dev.limiter.sample;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.core.shedding.CappedShedder;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * One test per feature of the sample app, over real HTTP on a random port, going a little further than the
 * walk-through. Each test uses keys of its own (API keys, user names) so that the tests do not share limits.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class SampleFeatureTests {

	@LocalServerPort
	int port;

	@Autowired
	LoadShedderRegistry shedders;

	private SampleHttp http() {
		return new SampleHttp(this.port);
	}

	@Test
	void apiTokenBucketCountsDownPerIpThenRefusesWithRetryAfterAndProblemDetails() {
		SampleHttp http = http();
		long start = System.nanoTime();
		for (int taken = 1; taken <= 5; taken++) {
			HttpResponse<String> response = http.get("/api/hello");
			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.headers().firstValue("RateLimit-Policy")).hasValue("\"api\";q=5;w=10");
			// 5 - taken remain, plus one token per 2 s since the first request on a machine too busy to be quick
			long refilled = Duration.ofNanos(System.nanoTime() - start).toSeconds() / 2;
			assertThat(remaining(response.headers().firstValue("RateLimit").orElseThrow()))
				.isBetween(5L - taken, 5L - taken + refilled);
		}
		HttpResponse<String> refused = http.get("/api/hello");
		for (int extra = 0; extra < 10 && refused.statusCode() == 200; extra++) {
			refused = http.get("/api/hello"); // a token refilled meanwhile (a busy machine): take it too
		}
		assertThat(refused.statusCode()).isEqualTo(429);
		long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
		assertThat(retryAfter).isBetween(1L, 2L);
		assertThat(refused.headers().firstValue("RateLimit"))
			.hasValueSatisfying((value) -> assertThat(seconds(value)).isLessThanOrEqualTo(retryAfter));
		assertThat(refused.headers().firstValue("Cache-Control")).hasValue("no-store");
		assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(refused.body())
			.startsWith("{\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\"")
			.contains("\"title\":\"Quota exceeded\"", "\"status\":429",
					"\"detail\":\"Rate limiter 'api' refused the request; retry after " + retryAfter + " second",
					"\"violated-policies\":[\"api\"]");
	}

	@Test
	void dailyQuotaIsPerApiKeyAndRetryAfterPointsAtMidnightUtc() {
		SampleHttp http = http();
		for (int i = 0; i < 3; i++) {
			assertThat(http.get("/quota/ping", "X-Api-Key", "feature-key").statusCode()).isEqualTo(200);
		}
		HttpResponse<String> refused = http.get("/quota/ping", "X-Api-Key", "feature-key");
		Instant midnight = LocalDate.now(ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
		long untilMidnight = Duration.between(Instant.now(), midnight).toSeconds();
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow()))
			.isCloseTo(untilMidnight, within(5L));
		assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"daily-quota\";q=3;w=86400");
		assertThat(refused.body()).contains("\"violated-policies\":[\"daily-quota\"]");
		assertThat(http.get("/quota/ping", "X-Api-Key", "another-feature-key").statusCode()).isEqualTo(200);
	}

	@Test
	void rateLimitedServiceMethodLimitsEachUserOnItsOwn() {
		SampleHttp http = http();
		for (int i = 0; i < 3; i++) {
			HttpResponse<String> greeting = http.get("/greet/carol");
			assertThat(greeting.statusCode()).isEqualTo(200);
			assertThat(greeting.body()).isEqualTo("hello, carol\n");
		}
		HttpResponse<String> refused = http.get("/greet/carol");
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isBetween(9L, 10L);
		assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"greetings\";q=3;w=30");
		assertThat(refused.headers().firstValue("RateLimit")).hasValueSatisfying(
				(value) -> assertThat(value).startsWith("\"greetings\";r=0;t="));
		assertThat(refused.body()).contains("\"detail\":\"Rate limiter 'greetings' refused the request");
		assertThat(http.get("/greet/dave").statusCode()).isEqualTo(200);
	}

	@Test
	void circuitBreakerOpensOnFailuresAnswersFromTheFallbackAndObeysTheActuator() {
		SampleHttp http = http();
		try {
			assertThat(http.post("/downstream/failures?enabled=true").statusCode()).isEqualTo(200);
			for (int i = 0; i < 4; i++) {
				HttpResponse<String> failed = http.get("/downstream");
				assertThat(failed.statusCode()).isEqualTo(502);
				assertThat(failed.body()).contains("the downstream service failed");
			}
			HttpResponse<String> fallback = http.get("/downstream");
			assertThat(fallback.statusCode()).isEqualTo(200);
			assertThat(fallback.body()).startsWith("fallback answer (Circuit breaker 'downstream' is open");
			HttpResponse<String> open = http.get("/downstream/direct");
			assertThat(open.statusCode()).isEqualTo(503);
			assertThat(open.headers().firstValue("Retry-After")).as("the rest of the 10 s open duration")
				.hasValueSatisfying((seconds) -> assertThat(Long.parseLong(seconds)).isBetween(9L, 10L));
			assertThat(open.body()).contains("#temporary-reduced-capacity\"", "\"status\":503",
					"\"violated-policies\":[\"downstream\"]");
			awaitBody(http, "/actuator/metrics/limiter.calls?tag=name:downstream&tag=outcome:fallback",
					"{\"statistic\":\"COUNT\",\"value\":1.0}");

			http.post("/downstream/failures?enabled=false");
			assertThat(http.postJson("/actuator/limiter/downstream", "{\"action\":\"force-open\"}").body())
				.contains("\"state\":\"forced-open\"");
			assertThat(http.get("/downstream/direct").statusCode()).isEqualTo(503);
			assertThat(http.postJson("/actuator/limiter/downstream", "{\"action\":\"reset\"}").body())
				.contains("\"state\":\"closed\"");
			HttpResponse<String> answered = http.get("/downstream");
			assertThat(answered.statusCode()).isEqualTo(200);
			assertThat(answered.body()).isEqualTo("downstream answered\n");
		}
		finally {
			http.post("/downstream/failures?enabled=false");
			http.postJson("/actuator/limiter/downstream", "{\"action\":\"reset\"}");
		}
	}

	@Test
	void concurrencyCapRefusesTheThirdRequestInFlightAndFreesItsSlotsAfterwards() throws Exception {
		SampleHttp http = http();
		CappedShedder slow = (CappedShedder) this.shedders.get("slow", "test");
		List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
		for (int i = 0; i < 2; i++) {
			inFlight.add(http.sendAsync("GET", "/slow?millis=1500", null));
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> slow.cap().inFlight() == 2);
		HttpResponse<String> refused = http.get("/slow?millis=0");
		assertThat(refused.statusCode()).isEqualTo(503);
		assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
		assertThat(refused.body()).contains("\"detail\":\"Load shedder 'slow' refused the request");
		for (CompletableFuture<HttpResponse<String>> request : inFlight) {
			assertThat(request.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
		}
		// the server may send a response before its filter chain unwinds and frees the slot
		await().atMost(Duration.ofSeconds(10)).until(() -> slow.cap().inFlight() == 0);
		assertThat(http.get("/slow?millis=0").body()).isEqualTo("done after 0 ms\n");
	}

	@Test
	void downloadIsThrottledToTheConfiguredBytesPerSecond() {
		SampleHttp http = http();
		long start = System.nanoTime();
		HttpResponse<byte[]> download = http.getBytes("/download?bytes=40960");
		Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
		assertThat(download.statusCode()).isEqualTo(200);
		assertThat(download.headers().firstValue("X-Throttle-Bytes-Per-Second")).hasValue("32768");
		assertThat(download.headers().firstValue("Content-Length")).hasValue("40960");
		assertThat(download.body()).hasSize(40960).containsOnly((byte) 'x');
		// 8 KiB at once, the other 32 KiB at 32 KiB/s: one second, never less (a loaded machine may take longer)
		assertThat(elapsed).isGreaterThanOrEqualTo(Duration.ofMillis(950));
		assertThat(http.getBytes("/download?bytes=0").body()).isEmpty();
		assertThat(http.getBytes("/download?bytes=-1").statusCode()).isEqualTo(400);
	}

	@Test
	void shadowModeLetsEveryRequestThroughWithoutHeadersAndCountsWhatItWouldRefuse() {
		SampleHttp http = http();
		for (int i = 0; i < 5; i++) {
			HttpResponse<String> response = http.get("/search?q=shadow");
			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.headers().map().keySet()).noneMatch((name) -> name.toLowerCase().contains("ratelimit"));
		}
		awaitBody(http, "/actuator/metrics/limiter.calls?tag=name:search&tag=outcome:shadow-rejected",
				"{\"statistic\":\"COUNT\",\"value\":3.0}");
		assertThat(http.get("/actuator/limiter/search").body()).contains("\"mode\":\"shadow\"");
	}

	@Test
	void actuatorListsEveryInstanceAndHealthIsUpWithoutRedis() {
		SampleHttp http = http();
		HttpResponse<String> limiters = http.get("/actuator/limiter");
		assertThat(limiters.statusCode()).isEqualTo(200);
		assertThat(limiters.body()).contains("\"store\":\"InMemoryRateLimitStore\"", "\"api\":{", "\"daily-quota\":{",
				"\"greetings\":{", "\"search\":{", "\"circuitBreakers\":{\"downstream\":{", "\"cpu\":{", "\"slow\":{");
		assertThat(http.get("/actuator/limiter/nothing-by-that-name").statusCode()).isEqualTo(404);
		assertThat(http.postJson("/actuator/limiter/nothing-by-that-name", "{\"limit\":5}")
				.statusCode()).isEqualTo(404);
		assertThat(http.postJson("/actuator/limiter/nothing-by-that-name", "{\"action\":\"reset\"}").statusCode())
			.isEqualTo(404);
		assertThat(http.postJson("/actuator/limiter/nothing-by-that-name", "{}").statusCode()).isEqualTo(404);
		// checked whole: the limit fits but daily-quota has no breaker to reset, so nothing changes
		assertThat(http.postJson("/actuator/limiter/daily-quota", "{\"limit\":7,\"action\":\"reset\"}").statusCode())
			.isEqualTo(400);
		assertThat(http.get("/actuator/limiter/daily-quota").body()).contains("\"limit\":3,");
		HttpResponse<String> health = http.get("/actuator/health");
		assertThat(health.statusCode()).isEqualTo(200);
		assertThat(health.body()).contains("\"status\":\"UP\"").doesNotContain("\"redis\"");
		assertThat(http.get("/actuator/metrics/limiter.calls").statusCode()).isEqualTo(200);
	}

	/**
	 * Waits (bounded) until a GET of the path answers a body containing the text: server-side counts may be
	 * recorded after the client already holds the response that caused them.
	 */
	private static void awaitBody(SampleHttp http, String path, String text) {
		await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(50))
			.untilAsserted(() -> assertThat(http.get(path).body()).contains(text));
	}

	/** The {@code r} parameter of a {@code RateLimit} header. */
	private static long remaining(String rateLimit) {
		int from = rateLimit.indexOf(";r=") + 3;
		return Long.parseLong(rateLimit.substring(from, rateLimit.indexOf(';', from)));
	}

	/** The {@code t} parameter of a {@code RateLimit} header. */
	private static long seconds(String rateLimit) {
		return Long.parseLong(rateLimit.substring(rateLimit.indexOf(";t=") + 3));
	}

}
