package dev.limiter.boot.web.reactive;

import java.time.Duration;

import dev.limiter.boot.testing.BlockHoundInstalled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/** BlockHound is active in the WebFlux tests: a blocking call on a non-blocking thread fails. */
@ExtendWith(BlockHoundInstalled.class)
class BlockHoundTests {

	@Test
	void sleepingOnAParallelThreadFails() {
		Mono<String> sleeping = Mono.fromCallable(() -> {
			Thread.sleep(1);
			return "slept";
		}).subscribeOn(Schedulers.parallel());
		StepVerifier.create(sleeping)
			.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(BlockingOperationError.class)
				.hasMessageContaining("Thread.sleep"))
			.verify(Duration.ofSeconds(10));
	}

}
