package dev.limiter.boot.autoconfigure.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore.FailurePolicy;
import dev.limiter.core.redis.testing.RedisConnectionFactories;
import dev.limiter.core.redis.testing.RedisFaultProxy;
import dev.limiter.core.redis.testing.RedisServerProcess;
import dev.limiter.core.redis.testing.RedisServerTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * BlockHound over the reactive path to Redis (a private redis-server): the WebFlux rate-limit filter, run from a
 * Reactor {@code parallel} thread, and the Redis store's asynchronous decisions, also while Redis hangs, make no
 * blocking call on a non-blocking thread (Reactor's, and Lettuce's I/O threads, where the store's replies complete).
 * Runs in a JVM of its own (the "blockhound" surefire execution): BlockHound stays installed once installed.
 */
@Tag("blockhound")
@RedisServerTest
class ReactiveRedisBlockHoundTests {

	private static final Queue<String> blockingCalls = new ConcurrentLinkedQueue<>();

	private final List<AutoCloseable> closeables = new ArrayList<>();

	@BeforeAll
	static void installBlockHound() {
		BlockHound.install((builder) -> builder
			.nonBlockingThreadPredicate((current) -> current.or((thread) -> thread.getName().startsWith("lettuce-")))
			.blockingMethodCallback((method) -> {
				blockingCalls.add(method + " on " + Thread.currentThread().getName());
				throw new BlockingOperationError(method);
			}));
	}

	@AfterEach
	void close() throws Exception {
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
		assertThat(blockingCalls).as("blocking calls on non-blocking threads").isEmpty();
	}

	@Test
	void blockHoundIsInstalled() {
		assertThatExceptionOfType(RuntimeException.class)
			.isThrownBy(() -> Mono.fromCallable(() -> {
				Thread.sleep(1);
				return 1;
			}).subscribeOn(Schedulers.parallel()).block(Duration.ofSeconds(5)))
			.withCauseInstanceOf(BlockingOperationError.class);
		blockingCalls.clear();
	}

	@Test
	void theRateLimitFilterOverRedisNeverBlocks(RedisServerProcess redis) {
		ReactiveRedisIntegrationTests.contextRunner(redis)
			.withPropertyValues("limiter.redis.key-prefix=blockhound-" + UUID.randomUUID() + ":")
			.run((context) -> {
				RedisRateLimitStore store = context.getBean(RedisRateLimitStore.class);
				await().atMost(Duration.ofSeconds(5)).until(() -> {
					store.acquire("warm-up", new TokenBucketSpec(100, Duration.ofSeconds(1), 100), 1);
					return store.isAvailable();
				});
				HttpHandler handler = WebHttpHandlerBuilder.applicationContext(context).build();
				List<HttpStatusCode> statuses = new ArrayList<>();
				for (int i = 0; i < 3; i++) {
					MockServerHttpRequest request = MockServerHttpRequest.get("/api/ok")
						.header("X-Api-Key", "k1")
						.build();
					MockServerHttpResponse response = new MockServerHttpResponse();
					Mono.defer(() -> handler.handle(request, response))
						.subscribeOn(Schedulers.parallel())
						.block(Duration.ofSeconds(10));
					statuses.add(response.getStatusCode());
				}
				assertThat(statuses).containsExactly(HttpStatus.OK, HttpStatus.OK, HttpStatus.TOO_MANY_REQUESTS);
			});
	}

	@Test
	void asynchronousDecisionsNeverBlockEvenWhileRedisHangs(RedisServerProcess redis) {
		RedisFaultProxy proxy = RedisFaultProxy.to(redis);
		this.closeables.add(proxy);
		LettuceConnectionFactory factory = RedisConnectionFactories.standalone(proxy);
		this.closeables.add(factory::destroy);
		RedisRateLimitStore store = RedisRateLimitStore.builder(factory)
			.failurePolicy(FailurePolicy.LOCAL)
			.timeout(Duration.ofSeconds(1))
			.build();
		this.closeables.add(0, store);
		RateLimiter limiter = new RateLimiter("blockhound-" + UUID.randomUUID(),
				new FixedWindowSpec(5, Duration.ofMinutes(1), false), store, 2);
		await().atMost(Duration.ofSeconds(5)).until(() -> store.acquire("warm-up", limiter.spec(), 1) != null
				&& store.isAvailable());
		List<Decision> answered = decideOnParallelThreads(limiter, "key", 8);
		// a lease may hold the last permit unspent: the documented bound is the limit minus one lease
		assertThat(answered).filteredOn(Decision::allowed).hasSizeBetween(4, 5);
		proxy.hang();
		// another key: the first is refused from the local cache now, without asking Redis
		List<Decision> duringHang = decideOnParallelThreads(limiter, "other", 4);
		assertThat(duringHang).hasSize(4);
		assertThat(store.isAvailable()).isFalse();
	}

	@Test
	void decisionsSentFromReactorAndOtherThreadsAtOnceNeverBlock(RedisServerProcess redis) {
		LettuceConnectionFactory factory = RedisConnectionFactories.standalone(redis);
		this.closeables.add(factory::destroy);
		RedisRateLimitStore store = RedisRateLimitStore.builder(factory).timeout(Duration.ofSeconds(5)).build();
		this.closeables.add(0, store);
		RateLimiter limiter = new RateLimiter("blockhound-" + UUID.randomUUID(),
				new TokenBucketSpec(1_000_000, Duration.ofSeconds(1), 1_000_000), store);
		await().atMost(Duration.ofSeconds(5)).until(() -> store.acquire("warm-up", limiter.spec(), 1) != null
				&& store.isAvailable());
		// Lettuce's writer lock contended between Reactor's threads and this one, the case that once hung the build
		Mono<Long> reactorSide = Flux.range(0, 20_000)
			.parallel(2)
			.runOn(Schedulers.parallel())
			.concatMap((i) -> Mono.fromCompletionStage(() -> limiter.acquireAsync("k" + (i % 64))))
			.sequential()
			.count()
			.cache();
		reactorSide.subscribe();
		for (int i = 0; i < 20_000; i++) {
			limiter.acquireAsync("k" + (i % 64));
		}
		assertThat(reactorSide.block(Duration.ofSeconds(60))).isEqualTo(20_000);
	}

	private static List<Decision> decideOnParallelThreads(RateLimiter limiter, String key, int count) {
		return Flux.range(0, count)
			.flatMap((i) -> Mono.fromCompletionStage(() -> limiter.acquireAsync(key))
				.subscribeOn(Schedulers.parallel()))
			.collectList()
			.block(Duration.ofSeconds(10));
	}

}
