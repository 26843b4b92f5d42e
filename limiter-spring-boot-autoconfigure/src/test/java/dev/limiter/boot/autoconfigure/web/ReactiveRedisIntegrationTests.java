package dev.limiter.boot.autoconfigure.web;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.autoconfigure.redis.LimiterRedisAutoConfiguration;
import dev.limiter.boot.testing.BlockHoundInstalled;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore.DecisionSource;
import dev.limiter.core.redis.testing.RedisServerProcess;
import dev.limiter.core.redis.testing.RedisServerTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webflux.autoconfigure.HttpHandlerAutoConfiguration;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A WebFlux application over the Redis store (a private redis-server): the web rules answer as with the in-memory
 * store, and Redis decisions are completed by Lettuce's I/O thread (the store's asynchronous path): no thread, the
 * calling one or a {@code boundedElastic} one, waits for Redis.
 */
@ExtendWith(BlockHoundInstalled.class)
@RedisServerTest
class ReactiveRedisIntegrationTests {

	@Test
	void redisDecisionsAreCompletedByLettucesIoThread(RedisServerProcess redis) {
		List<String> threads = new CopyOnWriteArrayList<>();
		RedisRateLimitStore.Listener listener = new RedisRateLimitStore.Listener() {

			@Override
			public void onDecision(DecisionSource source, long latencyNanos) {
				threads.add(source + " " + Thread.currentThread().getName());
			}

		};
		contextRunner(redis).withBean(RedisRateLimitStore.Listener.class, () -> listener).run((context) -> {
			RedisRateLimitStore store = context.getBean(RedisRateLimitStore.class);
			await().atMost(Duration.ofSeconds(5)).until(() -> {
				store.acquire("warm-up", new TokenBucketSpec(100, Duration.ofSeconds(1), 100), 1);
				return store.isAvailable();
			});
			threads.clear();
			WebTestClient client = WebTestClient.bindToApplicationContext(context).build();
			client.get().uri("/api/ok").header("X-Api-Key", "k1").exchange()
				.expectStatus().isOk()
				.expectHeader().valueEquals("RateLimit", "\"api\";r=1;t=1800");
			client.get().uri("/api/ok").header("X-Api-Key", "k1").exchange().expectStatus().isOk();
			client.get().uri("/api/ok").header("X-Api-Key", "k1").exchange()
				.expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
				.expectHeader().valueEquals("Retry-After", "1800")
				.expectBody().jsonPath("$.violated-policies[0]").isEqualTo("api");
			// Lettuce's I/O thread completes a decision, or the calling one when Redis answered before the store
			// registered for the reply; never a boundedElastic thread
			assertThat(threads).hasSize(3)
				.allSatisfy((decision) -> assertThat(decision).startsWith("REDIS ").doesNotContain("boundedElastic"))
				.anySatisfy((decision) -> assertThat(decision).startsWith("REDIS lettuce-"));
		});
	}

	/**
	 * Returns a WebFlux application over the Redis store on the given server, with the {@code api} limit (2 an hour
	 * per {@code X-Api-Key}) on {@code /api/**} and a route {@code GET /api/ok}.
	 */
	static ReactiveWebApplicationContextRunner contextRunner(RedisServerProcess redis) {
		return new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, LimiterAutoConfiguration.class,
					LimiterRedisAutoConfiguration.class, LimiterReactiveWebAutoConfiguration.class,
					WebFluxAutoConfiguration.class, HttpHandlerAutoConfiguration.class))
			.withUserConfiguration(Routes.class)
			.withPropertyValues("spring.data.redis.host=" + redis.host(), "spring.data.redis.port=" + redis.port(),
					"limiter.store=redis", "limiter.rate-limiters.api.limit=2", "limiter.rate-limiters.api.period=1h",
					"limiter.web.rules[0].paths=/api/**", "limiter.web.rules[0].rate-limiter=api",
					"limiter.web.rules[0].key=header:X-Api-Key");
	}

	@Configuration(proxyBeanMethods = false)
	static class Routes {

		@Bean
		RouterFunction<ServerResponse> routes() {
			return RouterFunctions.route().GET("/api/ok", (request) -> ServerResponse.ok().bodyValue("ok")).build();
		}

	}

}
