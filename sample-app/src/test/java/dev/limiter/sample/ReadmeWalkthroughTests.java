package dev.limiter.sample;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.core.shedding.CappedShedder;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's curl walk-through, as a table of requests and what their answers show, run against the sample app
 * on a random port; and {@code WALKTHROUGH.md}, the walk-through the README pastes, checked against the same table:
 * the same commands in the same order, each followed by output with the same statuses, headers and body snippets.
 * Either drifting from the code fails the build.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class ReadmeWalkthroughTests {

	private static final Path WALKTHROUGH = Path.of("WALKTHROUGH.md");

	private static final String PROBLEM_JSON = "Content-Type: application/problem+json";

	private static final String QUOTA_EXCEEDED =
			"\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\"";

	private static final String REDUCED_CAPACITY =
			"\"type\":\"https://iana.org/assignments/http-problem-types#temporary-reduced-capacity\"";

	/** The walk-through, in order; WALKTHROUGH.md shows exactly these commands. */
	static final List<WalkthroughStep> STEPS = List.of(
			// 1. A per-IP token bucket on /api/**: 5 requests, then one more every 2 s.
			WalkthroughStep.show("/api/hello")
				.expectMatching("HTTP/1.1 200\\b")
				.expect("RateLimit-Policy: \"api\";q=5;w=10")
				.expect("RateLimit: \"api\";r=4;t=2")
				.expect("hello"),
			WalkthroughStep.repeat(4, "/api/hello").expect("200 200 200 200"),
			WalkthroughStep.show("/api/hello")
				.expectMatching("HTTP/1.1 429\\b")
				.expectMatching("Retry-After: [12]\\b")
				.expect("RateLimit-Policy: \"api\";q=5;w=10")
				.expectMatching("RateLimit: \"api\";r=0;t=[12]\\b")
				.expect(PROBLEM_JSON)
				.expect(QUOTA_EXCEEDED)
				.expect("\"title\":\"Quota exceeded\"")
				.expect("\"status\":429")
				.expectMatching("\"detail\":\"Rate limiter 'api' refused the request; retry after [12] seconds?\\.\"")
				.expect("\"violated-policies\":[\"api\"]"),
			// 2. A daily quota per API key: a fixed window of one day aligned to midnight UTC.
			WalkthroughStep.repeat(3, "/quota/ping").header("X-Api-Key", "demo-key").expect("200 200 200"),
			WalkthroughStep.show("/quota/ping")
				.header("X-Api-Key", "demo-key")
				.expectMatching("HTTP/1.1 429\\b")
				.expectMatching("Retry-After: \\d+")
				.expect("RateLimit-Policy: \"daily-quota\";q=3;w=86400")
				.expectMatching("RateLimit: \"daily-quota\";r=0;t=\\d+")
				.expect(QUOTA_EXCEEDED)
				.expect("\"violated-policies\":[\"daily-quota\"]"),
			WalkthroughStep.show("/quota/ping")
				.header("X-Api-Key", "other-key")
				.expectMatching("HTTP/1.1 200\\b")
				.expectMatching("RateLimit: \"daily-quota\";r=2;t=\\d+")
				.expect("pong"),
			// 3. @RateLimited(name = "greetings", key = "#user") on GreetingService.greet(user): 3 per user per 30 s.
			WalkthroughStep.repeat(3, "/greet/alice").expect("200 200 200"),
			WalkthroughStep.show("/greet/alice")
				.expectMatching("HTTP/1.1 429\\b")
				.expectMatching("Retry-After: (9|10)\\b")
				.expect("RateLimit-Policy: \"greetings\";q=3;w=30")
				.expect(PROBLEM_JSON)
				.expect("\"violated-policies\":[\"greetings\"]"),
			WalkthroughStep.body("/greet/bob").expect("hello, bob"),
			// 4. @CircuitBreaker(name = "downstream") around a flaky downstream, with and without a fallback.
			WalkthroughStep.body("/downstream").expect("downstream answered"),
			WalkthroughStep.body("/downstream/failures?enabled=true").post().expect("downstream failures enabled"),
			WalkthroughStep.repeat(3, "/downstream").expect("502 502 502"),
			WalkthroughStep.body("/downstream")
				.expect("fallback answer (Circuit breaker 'downstream' is open and dropped the call)"),
			WalkthroughStep.show("/downstream/direct")
				.expectMatching("HTTP/1.1 503\\b")
				.expectMatching("Retry-After: (9|10)\\b")
				.expect(PROBLEM_JSON)
				.expect(REDUCED_CAPACITY)
				.expectMatching("\"detail\":\"Circuit breaker 'downstream' is open; retry after (9|10) seconds.\"")
				.expect("\"violated-policies\":[\"downstream\"]"),
			WalkthroughStep.body("/actuator/limiter/downstream")
				.expect("\"downstream\":{\"type\":\"threshold\",\"state\":\"open\",\"failureRate\":0.75"),
			WalkthroughStep.body("/downstream/failures?enabled=false").post().expect("downstream failures disabled"),
			WalkthroughStep.body("/actuator/limiter/downstream")
				.json("{\"action\":\"reset\"}")
				.expect("\"downstream\":{\"type\":\"threshold\",\"state\":\"closed\""),
			WalkthroughStep.body("/downstream").expect("downstream answered"),
			// 5. Adaptive load shedding on a CPU-heavy endpoint: passes while the process has CPU to spare.
			WalkthroughStep.show("/cpu?work=20").expectMatching("HTTP/1.1 200\\b").expect("worked 20 ms"),
			// 6. A concurrency cap: two slow requests in flight, the third is refused at once.
			WalkthroughStep.background(2, "/slow?millis=2000"),
			WalkthroughStep.show("/slow")
				.expectMatching("HTTP/1.1 503\\b")
				.expect("Retry-After: 1")
				.expect(PROBLEM_JSON)
				.expect(REDUCED_CAPACITY)
				.expect("\"detail\":\"Load shedder 'slow' refused the request: the service is overloaded; "
						+ "retry after 1 second.\""),
			// 7. A download throttled to 32 KiB/s after the first 8 KiB: 40 KiB take about 1 s.
			WalkthroughStep.download("/download?bytes=40960")
				.expectMatching("HTTP/1.1 200\\b")
				.expect("Content-Length: 40960")
				.expect("X-Throttle-Bytes-Per-Second: 32768")
				.expectMatching("200 40960 bytes in (0\\.9|[1-4]\\.)\\d*s"),
			// 8. A rate limiter in shadow mode: 2 per minute per IP, counted but never enforced.
			WalkthroughStep.repeat(3, "/search?q=limiter").expect("200 200 200"),
			WalkthroughStep.show("/search?q=limiter")
				.expectMatching("HTTP/1.1 200\\b")
				.expect("no results for 'limiter'")
				.expectAbsent("(?i)RateLimit"),
			WalkthroughStep.body("/actuator/metrics/limiter.calls?tag=name:search&tag=outcome:shadow-rejected")
				.expect("\"name\":\"limiter.calls\"")
				.expect("\"measurements\":[{\"statistic\":\"COUNT\",\"value\":2.0}]"),
			// 9. The actuator: every limiter instance, and health UP without Redis.
			WalkthroughStep.body("/actuator/limiter")
				.expect("\"store\":\"InMemoryRateLimitStore\"")
				.expect("\"api\":{\"algorithm\":\"token-bucket\",\"limit\":5,\"period\":\"PT10S\",\"burst\":5,"
						+ "\"mode\":\"enforce\"}")
				.expect("\"daily-quota\":{\"algorithm\":\"fixed-window\",\"limit\":3,\"period\":\"PT24H\","
						+ "\"align\":true,\"zone\":\"Z\",\"mode\":\"enforce\"}")
				.expect("\"greetings\":{\"algorithm\":\"token-bucket\",\"limit\":3,\"period\":\"PT30S\",\"burst\":3,"
						+ "\"mode\":\"enforce\"}")
				.expect("\"search\":{\"algorithm\":\"token-bucket\",\"limit\":2,\"period\":\"PT1M\",\"burst\":2,"
						+ "\"mode\":\"shadow\"}")
				.expect("\"circuitBreakers\":{\"downstream\":{\"type\":\"threshold\",\"state\":\"closed\"")
				.expect("\"cpu\":{\"type\":\"adaptive\",\"cpuThreshold\":0.8,")
				.expect("\"slow\":{\"type\":\"adaptive\",\"cpuThreshold\":0.999,")
				.expect("\"maxConcurrency\":2,\"mode\":\"enforce\"}")
				.expect("\"pool\":{\"type\":\"adaptive-concurrency\",\"inFlight\":0,\"limit\":20,"
						+ "\"mode\":\"enforce\"}"),
			WalkthroughStep.body("/actuator/health").expect("\"status\":\"UP\""));

	@LocalServerPort
	int port;

	@Autowired
	LoadShedderRegistry shedders;

	@Test
	void walkthroughAnswersAsDocumented() throws Exception {
		SampleHttp http = new SampleHttp(this.port);
		List<String> problems = new ArrayList<>();
		List<CompletableFuture<HttpResponse<String>>> background = new ArrayList<>();
		for (WalkthroughStep step : STEPS) {
			String output = run(http, step, background);
			step.check(output).forEach((problem) -> problems.add(step + "\n    " + problem + "\n    got: "
					+ output.replace("\n", "\n         ")));
		}
		for (CompletableFuture<HttpResponse<String>> slow : background) {
			assertThat(slow.get(30, TimeUnit.SECONDS).body()).isEqualTo("done after 2000 ms\n");
		}
		assertThat(problems).as("answers that differ from the walk-through").isEmpty();
	}

	@Test
	void walkthroughMarkdownShowsTheSameCommandsAndAnswers() throws IOException {
		List<String> lines = Files.readAllLines(WALKTHROUGH, StandardCharsets.UTF_8);
		List<String> commands = new ArrayList<>();
		List<String> outputs = new ArrayList<>();
		StringBuilder output = null;
		for (String line : lines) {
			if (line.startsWith("$ ")) {
				if (output != null) {
					outputs.add(output.toString());
				}
				commands.add(line.substring(2));
				output = new StringBuilder();
			}
			else if (line.startsWith("```")) {
				if (output != null) {
					outputs.add(output.toString());
				}
				output = null;
			}
			else if (output != null) {
				output.append(line).append('\n');
			}
		}
		assertThat(commands).as("the commands of WALKTHROUGH.md")
			.containsExactlyElementsOf(STEPS.stream().map(WalkthroughStep::command).toList());
		List<String> problems = new ArrayList<>();
		for (int i = 0; i < STEPS.size(); i++) {
			WalkthroughStep step = STEPS.get(i);
			String shown = outputs.get(i);
			step.check(shown).forEach((problem) -> problems.add(step + "\n    " + problem));
		}
		assertThat(problems).as("outputs in WALKTHROUGH.md that differ from the tested answers").isEmpty();
	}

	/** A GET of the actuator: it reads state the server may record after the previous answer was sent. */
	private static boolean isServerStateRead(WalkthroughStep step) {
		return step.method().equals("GET") && step.json() == null && step.path().startsWith("/actuator/");
	}

	/** Repeats a read of server-side state (bounded) until it answers as the step expects, or returns the last. */
	private static String awaitAnswer(SampleHttp http, WalkthroughStep step) {
		AtomicReference<String> last = new AtomicReference<>();
		try {
			await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> {
				last.set(http.send(step.method(), step.path(), null, step.headers()).body());
				return step.check(last.get()).isEmpty();
			});
		}
		catch (ConditionTimeoutException ex) {
			// the last answer goes to the step's check, which reports what differs
		}
		return last.get();
	}

	private String run(SampleHttp http, WalkthroughStep step,
			List<CompletableFuture<HttpResponse<String>>> background) {
		return switch (step.kind()) {
			case SHOW -> SampleHttp.render(http.send(step.method(), step.path(), step.json(), step.headers()));
			case BODY -> (isServerStateRead(step)) ? awaitAnswer(http, step)
					: http.send(step.method(), step.path(), step.json(), step.headers()).body();
			case REPEAT -> {
				List<String> statuses = new ArrayList<>();
				for (int i = 0; i < step.times(); i++) {
					statuses.add(Integer.toString(
							http.send(step.method(), step.path(), step.json(), step.headers()).statusCode()));
				}
				yield String.join(" ", statuses) + " \n";
			}
			case BACKGROUND -> {
				for (int i = 0; i < step.times(); i++) {
					background.add(http.sendAsync(step.method(), step.path(), step.json(), step.headers()));
				}
				CappedShedder slow = (CappedShedder) this.shedders.get("slow", "test");
				await().atMost(Duration.ofSeconds(10)).until(() -> slow.cap().inFlight() == step.times());
				yield "";
			}
			case DOWNLOAD -> {
				long start = System.nanoTime();
				HttpResponse<byte[]> response = http.getBytes(step.path());
				double seconds = (System.nanoTime() - start) / 1e9;
				yield SampleHttp.head(response) + '\n' + response.statusCode() + " " + response.body().length
						+ " bytes in " + String.format(Locale.ROOT, "%.6f", seconds) + "s\n";
			}
		};
	}

}
