package dev.limiter.sample;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.limiter.boot.autoconfigure.LimiterProperties;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.core.Promise;
import dev.limiter.core.shedding.AdaptiveShedder;
import dev.limiter.core.shedding.CappedShedder;
import dev.limiter.core.shedding.ConcurrencyLimiter;
import dev.limiter.core.shedding.Shedder;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Adaptive shedding on {@code GET /cpu}, with the shedders of {@code application.yml} built on a CPU reading the
 * test sets (the real CPU of a shared test machine cannot be steered): while the CPU is over the threshold and more
 * calls are in flight than the shedder has seen the process complete, a request is refused at once with the 503
 * WALKTHROUGH.md shows; after the cool-off, requests pass again.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(AdaptiveSheddingTests.SteeredCpuShedders.class)
class AdaptiveSheddingTests {

	@LocalServerPort
	int port;

	@Autowired
	LoadShedderRegistry shedders;

	@Autowired
	SteeredCpu cpu;

	@Test
	void overloadedProcessShedsCpuRequestsWithServiceUnavailableUntilTheCoolOffHasPassed() throws IOException {
		SampleHttp http = new SampleHttp(this.port);
		this.cpu.set(0.1);
		assertThat(http.get("/cpu?work=1").statusCode()).isEqualTo(200);

		AdaptiveShedder shedder = (AdaptiveShedder) this.shedders.get("cpu", "test");
		// the server may send the response before its filter chain unwinds and completes the call
		await().atMost(Duration.ofSeconds(10)).until(() -> shedder.inFlight() == 0);
		this.cpu.set(1.0);
		List<Promise> inFlight = new ArrayList<>();
		for (int i = 0; i < 30; i++) {
			inFlight.add(shedder.allow()); // not shed yet: no call has completed, the average in flight is 0
		}
		// The average in flight becomes 2.9 with 29 calls in flight: over maxFlight (at most 2 passes per bucket
		// × 1000 ms × 0.01 = 20 so far) times the overload factor at full CPU (0.1).
		inFlight.remove(0).accept();

		HttpResponse<String> shed = http.get("/cpu?work=1");
		assertThat(shed.statusCode()).isEqualTo(503);
		assertThat(shed.headers().firstValue("Retry-After")).hasValue("1");
		assertThat(shed.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(shed.body()).isEqualTo(walkthroughOverloadBody());
		assertThat(http.get("/actuator/limiter/cpu").body()).contains("\"cpuUsage\":1.0,\"inFlight\":29");
		assertThat(http.get("/api/hello").statusCode()).as("other endpoints are not shed").isEqualTo(200);

		inFlight.forEach(Promise::accept);
		this.cpu.set(0.1);
		await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> http.get("/cpu?work=1").statusCode() == 200);
		await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(50))
			.untilAsserted(() -> assertThat(
					http.get("/actuator/metrics/limiter.calls?tag=name:cpu&tag=outcome:rejected").body())
				.contains("\"statistic\":\"COUNT\""));
	}

	/** The problem body of a shed request as WALKTHROUGH.md shows it. */
	private static String walkthroughOverloadBody() throws IOException {
		return Files.readAllLines(Path.of("WALKTHROUGH.md"), StandardCharsets.UTF_8)
			.stream()
			.filter((line) -> line.startsWith("{\"type\":") && line.contains("Load shedder 'cpu'"))
			.findFirst()
			.orElseThrow(() -> new AssertionError("WALKTHROUGH.md shows no 503 of the 'cpu' shedder"));
	}

	/** A CPU reading the test sets, a fraction of the process's CPU. */
	static final class SteeredCpu {

		private volatile double value;

		void set(double value) {
			this.value = value;
		}

		double get() {
			return this.value;
		}

	}

	/** The configured load shedders, built as limiter's auto-configuration builds them but on the steered CPU. */
	@TestConfiguration(proxyBeanMethods = false)
	static class SteeredCpuShedders {

		@Bean
		SteeredCpu steeredCpu() {
			return new SteeredCpu();
		}

		@Bean
		LoadShedderRegistry loadShedderRegistry(LimiterProperties properties, SteeredCpu cpu) {
			Map<String, Shedder> shedders = new LinkedHashMap<>();
			properties.getLoadShedders().forEach((name, shedder) -> {
				AdaptiveShedder adaptive = AdaptiveShedder.builder()
					.name(name)
					.cpuThreshold(shedder.getCpuThreshold())
					.window(shedder.getWindow())
					.buckets(shedder.getBuckets())
					.coolOff(shedder.getCoolOff())
					.priority(shedder.isPriority())
					.cpuUsage(cpu::get)
					.build();
				shedders.put(name, (shedder.getMaxConcurrency() > 0)
						? new CappedShedder(ConcurrencyLimiter.of(name, shedder.getMaxConcurrency()), adaptive)
						: adaptive);
			});
			return new LoadShedderRegistry(shedders);
		}

	}

}
