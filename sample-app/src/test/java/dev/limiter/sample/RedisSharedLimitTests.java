package dev.limiter.sample;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.limiter.core.redis.testing.RedisServerProcess;
import dev.limiter.core.redis.testing.RedisServerTest;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances of the sample app with the {@code redis} profile on one private redis-server: they share the
 * {@code api} limit, so together they let exactly the limit through.
 */
@RedisServerTest
class RedisSharedLimitTests {

	private static final int LIMIT = 10;

	private static final int REQUESTS_PER_INSTANCE = 12;

	@Test
	void twoInstancesTogetherLetExactlyTheLimitThrough(RedisServerProcess redis) throws Exception {
		String keyPrefix = "limiter-test-" + UUID.randomUUID() + ":";
		try (ConfigurableApplicationContext first = start(redis, keyPrefix);
				ConfigurableApplicationContext second = start(redis, keyPrefix)) {
			List<SampleHttp> instances = List.of(new SampleHttp(port(first)), new SampleHttp(port(second)));
			List<Future<HttpResponse<String>>> responses = new ArrayList<>();
			ExecutorService executor = Executors.newFixedThreadPool(4);
			try {
				for (int i = 0; i < REQUESTS_PER_INSTANCE; i++) {
					for (SampleHttp instance : instances) {
						responses.add(executor.submit(() -> instance.get("/api/hello")));
					}
				}
				int allowed = 0;
				int refused = 0;
				for (Future<HttpResponse<String>> future : responses) {
					HttpResponse<String> response = future.get();
					assertThat(response.headers().firstValue("RateLimit-Policy")).hasValue("\"api\";q=10;w=3600");
					if (response.statusCode() == 200) {
						allowed++;
					}
					else {
						assertThat(response.statusCode()).isEqualTo(429);
						assertThat(response.headers().firstValue("Retry-After")).isPresent();
						refused++;
					}
				}
				assertThat(allowed).isEqualTo(LIMIT);
				assertThat(refused).isEqualTo(2 * REQUESTS_PER_INSTANCE - LIMIT);
			}
			finally {
				executor.shutdownNow();
			}
			for (SampleHttp instance : instances) {
				HttpResponse<String> refusal = instance.get("/api/hello");
				assertThat(refusal.statusCode()).isEqualTo(429);
				assertThat(refusal.headers().firstValue("RateLimit")).hasValueSatisfying(
						(value) -> assertThat(value).startsWith("\"api\";r=0;t="));
				HttpResponse<String> limiter = instance.get("/actuator/limiter/api");
				assertThat(limiter.body()).contains("\"store\":\"RedisRateLimitStore\"");
				HttpResponse<String> health = instance.get("/actuator/health");
				assertThat(health.statusCode()).isEqualTo(200);
				assertThat(health.body()).contains("\"status\":\"UP\"")
					.contains("\"limiter\":{\"details\":{\"redis\":\"available\","
							+ "\"failurePolicy\":\"local\"},\"status\":\"UP\"}");
			}
			assertThat(redis.command("KEYS", keyPrefix + "*")).asString().contains(keyPrefix);
		}
	}

	private static ConfigurableApplicationContext start(RedisServerProcess redis, String keyPrefix) {
		return new SpringApplicationBuilder(SampleApplication.class).profiles("redis")
			.run("--server.port=0", "--spring.data.redis.host=" + redis.host(),
					"--spring.data.redis.port=" + redis.port(), "--limiter.redis.key-prefix=" + keyPrefix,
					// a loaded test machine must not turn slow answers into local (per-instance) decisions
					"--limiter.redis.timeout=5s", "--spring.data.redis.timeout=5s",
					"--limiter.rate-limiters.api.limit=" + LIMIT,
					"--limiter.rate-limiters.api.burst=" + LIMIT, "--limiter.rate-limiters.api.period=1h");
	}

	private static int port(ConfigurableApplicationContext context) {
		return context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
	}

}
