package dev.limiter.boot.autoconfigure.dashboard;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import dev.limiter.boot.dashboard.LimiterDashboard;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The dashboard's handler on a running server: the page and its assets under the management path with a strict
 * Content-Security-Policy, the Server-Sent Events stream, and the polling fallback.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, classes = DashboardTestApplication.class,
		properties = { "limiter.rate-limiters.api.limit=1000", "limiter.rate-limiters.api.period=1s",
				"limiter.circuit-breakers.backend.type=threshold", "limiter.circuit-breakers.backend.minimum-calls=5",
				"limiter.load-shedders.default.cpu-threshold=0.9", "limiter.web.rules[0].paths=/api/**",
				"limiter.web.rules[0].rate-limiter=api", "limiter.web.rules[0].key=header:X-Client",
				"limiter.web.rules[0].circuit-breaker=backend", "limiter.web.rules[0].load-shedder=default",
				"management.endpoints.web.exposure.include=limiter,health" })
class LimiterDashboardHandlerTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	private final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@Autowired
	LimiterDashboard dashboard;

	@Test
	void pageIsServedUnderTheManagementPathWithAStrictContentSecurityPolicy() throws Exception {
		HttpResponse<String> page = get("/actuator/limiter-dashboard");
		assertThat(page.statusCode()).isEqualTo(200);
		assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("text/html"));
		assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
				(csp) -> assertThat(csp).startsWith("default-src 'self'"));
		assertThat(page.body()).contains("src=\"/actuator/limiter-dashboard/uPlot.min.js\"")
			.contains("src=\"/actuator/limiter-dashboard/dashboard.js\"")
			.doesNotContain("<script>")
			.doesNotContain("style=");
		for (String asset : List.of("uPlot.min.js", "uPlot.min.css", "dashboard.js", "dashboard.css")) {
			HttpResponse<String> response = get("/actuator/limiter-dashboard/" + asset);
			assertThat(response.statusCode()).as(asset).isEqualTo(200);
			assertThat(response.headers().firstValue("Content-Security-Policy")).as(asset).isPresent();
		}
		assertThat(get("/actuator/limiter-dashboard/other.js").statusCode()).isEqualTo(404);
	}

	@Test
	void pageWithItsChartLibraryIsAtMostSixtyKilobytesGzipped() throws Exception {
		ByteArrayOutputStream page = new ByteArrayOutputStream();
		try (GZIPOutputStream gzip = new GZIPOutputStream(page)) {
			gzip.write(get("/actuator/limiter-dashboard").body().getBytes(StandardCharsets.UTF_8));
		}
		long total = page.size();
		for (String asset : List.of("uPlot.min.js", "uPlot.min.css", "dashboard.js", "dashboard.css", "favicon.svg")) {
			HttpResponse<byte[]> response = this.client.send(
					HttpRequest.newBuilder(uri("/actuator/limiter-dashboard/" + asset))
						.header("Accept-Encoding", "gzip")
						.build(),
					HttpResponse.BodyHandlers.ofByteArray());
			assertThat(response.headers().firstValue("Content-Encoding")).as(asset).hasValue("gzip");
			try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(response.body()))) {
				assertThat(in.readAllBytes()).as(asset).isNotEmpty();
			}
			total += response.body().length;
		}
		assertThat(total).isLessThanOrEqualTo(60 * 1024);
	}

	@Test
	void streamSendsASnapshotThenOneTickASecond() throws Exception {
		send(20);
		List<String> lines = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> readStream(2));
		assertThat(lines).contains("event:snapshot");
		String snapshot = dataAfter(lines, "event:snapshot");
		JsonNode model = json.readTree(snapshot);
		assertThat(model.get("capacity").asInt()).isEqualTo(LimiterDashboard.CAPACITY);
		assertThat(model.get("protectors")).extracting((node) -> node.get("kind").asString() + ":" + node.get("name")
			.asString())
			.containsExactly("rate-limiter:api", "circuit-breaker:backend", "load-shedder:default");
		List<JsonNode> ticks = new ArrayList<>();
		for (int i = 0; i < lines.size(); i++) {
			if (lines.get(i).equals("event:tick")) {
				ticks.add(json.readTree(dataAfter(lines.subList(i, lines.size()), "event:tick")));
			}
		}
		assertThat(ticks).hasSize(2);
		assertThat(ticks.get(1).get("seq").asLong()).isEqualTo(ticks.get(0).get("seq").asLong() + 1);
		assertThat(ticks.get(0).get("seq").asLong()).isGreaterThan(model.get("seq").asLong());
		assertThat(ticks.get(0).get("v").size()).as("one value per series: 3 + 3 + 3").isEqualTo(9);
		assertThat(lines).anyMatch((line) -> line.startsWith("id:"));
		assertThat(lines).anyMatch((line) -> line.startsWith("retry:"));
	}

	@Test
	void pollingAnswersASnapshotThenTheTicksSinceTheLastOne() throws Exception {
		HttpResponse<String> first = get("/actuator/limiter-dashboard/data");
		assertThat(first.statusCode()).isEqualTo(200);
		assertThat(first.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/json"));
		assertThat(first.headers().firstValue("Content-Security-Policy")).isPresent();
		JsonNode snapshot = json.readTree(first.body()).get("snapshot");
		assertThat(snapshot).isNotNull();
		long seq = snapshot.get("seq").asLong();
		assertThat(this.dashboard.sampling()).as("a poll starts sampling").isTrue();
		send(5);
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			JsonNode ticks = json.readTree(get("/actuator/limiter-dashboard/data?since=" + seq).body()).get("ticks");
			assertThat(ticks).isNotNull();
			assertThat(ticks.size()).isGreaterThanOrEqualTo(1);
			assertThat(ticks.get(0).get("seq").asLong()).isEqualTo(seq + 1);
		});
		JsonNode stale = json.readTree(get("/actuator/limiter-dashboard/data?since=-5").body());
		assertThat(stale.has("snapshot")).isTrue();
		JsonNode garbage = json.readTree(get("/actuator/limiter-dashboard/data?since=x").body());
		assertThat(garbage.has("snapshot")).isTrue();
	}

	@Test
	void topKeysAppearOnlyOnTheDashboard() throws Exception {
		get("/actuator/limiter-dashboard/data");
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			send(30);
			JsonNode snapshot = json.readTree(get("/actuator/limiter-dashboard/data").body()).get("snapshot");
			JsonNode top = snapshot.get("top").get("api");
			assertThat(top).isNotNull();
			assertThat(top.get(0).get(0).asString()).isEqualTo("client-a");
		});
		assertThat(get("/actuator/limiter").body()).doesNotContain("client-a");
	}

	private void send(int calls) throws IOException, InterruptedException {
		for (int i = 0; i < calls; i++) {
			HttpRequest request = HttpRequest.newBuilder(uri("/api/hello"))
				.header("X-Client", (i % 3 == 2) ? "client-b" : "client-a")
				.build();
			assertThat(this.client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
		}
	}

	private List<String> readStream(int ticks) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(uri("/actuator/limiter-dashboard/stream"))
			.header("Accept", "text/event-stream")
			.build();
		HttpResponse<Stream<String>> response = this.client.send(request, HttpResponse.BodyHandlers.ofLines());
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("text/event-stream"));
		List<String> lines = new ArrayList<>();
		try (Stream<String> body = response.body()) {
			Iterator<String> iterator = body.iterator();
			int seen = 0;
			while (seen < ticks && iterator.hasNext()) {
				String line = iterator.next();
				lines.add(line);
				if (line.isEmpty() && lines.size() > 1 && lines.stream().filter("event:tick"::equals).count() > seen) {
					seen++;
				}
			}
		}
		return lines;
	}

	private static String dataAfter(List<String> lines, String event) {
		int at = lines.indexOf(event);
		StringBuilder data = new StringBuilder();
		for (int i = at + 1; i < lines.size() && !lines.get(i).isEmpty(); i++) {
			if (lines.get(i).startsWith("data:")) {
				data.append(lines.get(i).substring(5));
			}
		}
		return data.toString();
	}

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return this.client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private URI uri(String path) {
		return URI.create("http://localhost:" + this.port + path);
	}

}
