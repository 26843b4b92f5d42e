package dev.limiter.sample.reactive;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.limiter.core.redis.testing.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances of the WebFlux sample with the {@code redis} profile on one private redis-server (this test's, never
 * a shared one): the test's own context and a second one it starts. They share the {@code quotes} limit, so together
 * they admit exactly the limit, then both answer 429 with the RateLimit headers and a problem+json body.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("redis")
@DirtiesContext
class TwoInstancesShareOneLimitTests {

	private static final int LIMIT = 10;

	private static final int REQUESTS_PER_INSTANCE = 12;

	private static final RedisServerProcess REDIS = RedisServerProcess.start();

	private static final String KEY_PREFIX = "limiter-webflux-test-" + UUID.randomUUID() + ":";

	@LocalServerPort
	private int port;

	@DynamicPropertySource
	static void redis(DynamicPropertyRegistry registry) {
		properties().forEach((name, value) -> registry.add(name, () -> value));
	}

	@AfterAll
	static void stopRedis() {
		REDIS.close();
	}

	private static Map<String, String> properties() {
		return Map.of("spring.data.redis.host", REDIS.host(), "spring.data.redis.port",
				String.valueOf(REDIS.port()), "limiter.redis.key-prefix", KEY_PREFIX,
				// a loaded test machine must not turn slow answers into local (per-instance) decisions
				"limiter.redis.timeout", "5s", "spring.data.redis.timeout", "5s", "limiter.rate-limiters.quotes.limit",
				String.valueOf(LIMIT), "limiter.rate-limiters.quotes.burst", String.valueOf(LIMIT),
				"limiter.rate-limiters.quotes.period", "1h");
	}

	@Test
	void twoInstancesTogetherAdmitExactlyTheLimitThenBothAnswer429() {
		List<String> arguments = new ArrayList<>(List.of("--server.port=0", "--spring.profiles.active=redis"));
		properties().forEach((name, value) -> arguments.add("--" + name + "=" + value));
		try (ConfigurableApplicationContext second = new SpringApplicationBuilder(ReactiveSampleApplication.class)
			.run(arguments.toArray(String[]::new))) {
			int secondPort = second.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
			List<WebClient> instances = List.of(WebClient.create("http://localhost:" + this.port),
					WebClient.create("http://localhost:" + secondPort));
			List<ResponseEntity<String>> responses = Flux.range(0, REQUESTS_PER_INSTANCE)
				.flatMap((i) -> Flux.fromIterable(instances))
				.flatMap((instance) -> instance.get().uri("/api/quote").exchangeToMono((response) -> response
					.toEntity(String.class)), 8)
				.collectList()
				.block();
			assertThat(responses).hasSize(2 * REQUESTS_PER_INSTANCE)
				.allSatisfy((response) -> assertThat(response.getHeaders().getFirst("RateLimit-Policy"))
					.isEqualTo("\"quotes\";q=10;w=3600"));
			assertThat(responses).filteredOn((response) -> response.getStatusCode() == HttpStatus.OK)
				.hasSize(LIMIT);
			assertThat(responses).filteredOn((response) -> response.getStatusCode() != HttpStatus.OK)
				.hasSize(2 * REQUESTS_PER_INSTANCE - LIMIT)
				.allSatisfy((response) -> {
					assertThat(response.getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
					assertThat(response.getHeaders().getFirst("Retry-After")).isNotNull();
				});
			for (int instancePort : new int[] { this.port, secondPort }) {
				WebTestClient client = WebTestClient.bindToServer().baseUrl("http://localhost:" + instancePort).build();
				client.get().uri("/api/quote").exchange().expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
					.expectHeader().valueMatches("RateLimit", "\"quotes\";r=0;t=\\d+")
					.expectHeader().valueEquals("RateLimit-Policy", "\"quotes\";q=10;w=3600")
					.expectHeader().exists("Retry-After")
					.expectHeader().contentType("application/problem+json")
					.expectBody()
					.jsonPath("$.status").isEqualTo(429)
					.jsonPath("$.violated-policies[0]").isEqualTo("quotes");
				client.get().uri("/actuator/limiter/quotes").exchange().expectStatus().isOk()
					.expectBody(String.class)
					.value((body) -> assertThat(body).contains("\"store\":\"RedisRateLimitStore\""));
			}
			assertThat(REDIS.command("KEYS", KEY_PREFIX + "*")).asString().contains(KEY_PREFIX);
		}
	}

}
