package dev.limiter.boot.dashboard;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.core.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A browser's event stream on WebFlux: the snapshot first, ticks after it, handed over without waiting; a viewer
 * whose connection stalls until its buffer is full is dropped and its stream ends.
 */
class ReactiveSseViewerTests {

	private final ManualClock clock = new ManualClock();

	private final LimiterDashboard dashboard = new LimiterDashboard(new RateLimiterRegistry(Map.of()),
			new CircuitBreakerRegistry(Map.of(), Set.of()), new LoadShedderRegistry(Map.of(), Set.of()),
			(name) -> false, (name) -> null, null, () -> true, 5, this.clock);

	ReactiveSseViewerTests() {
		this.dashboard.sampleInForeground();
	}

	@AfterEach
	void close() {
		this.dashboard.close();
	}

	@Test
	void snapshotFirstThenTicksAfterIt() {
		StepVerifier.create(ReactiveSseViewer.events(this.dashboard, true))
			.assertNext((snapshot) -> {
				assertThat(snapshot.event()).isEqualTo("snapshot");
				assertThat(snapshot.retry()).isEqualTo(Duration.ofSeconds(3));
			})
			.then(this::tick)
			.assertNext((tick) -> {
				assertThat(tick.event()).isEqualTo("tick");
				assertThat(tick.id()).isEqualTo("1");
			})
			.thenCancel()
			.verify(Duration.ofSeconds(5));
	}

	@Test
	void stalledViewerIsDroppedWithoutHoldingUpTheSamplerAndItsStreamEnds() {
		StepVerifier.create(ReactiveSseViewer.events(this.dashboard, true), 1)
			.assertNext((snapshot) -> assertThat(snapshot.event()).isEqualTo("snapshot"))
			.then(() -> {
				for (int i = 0; i < 3 * SseViewer.MAX_SKIPPED; i++) {
					tick();
				}
			})
			.thenRequest(Long.MAX_VALUE)
			.thenConsumeWhile((event) -> "tick".equals(event.event()))
			.expectComplete()
			.verify(Duration.ofSeconds(5));
	}

	private void tick() {
		this.clock.advance(Duration.ofSeconds(1));
		this.dashboard.tick();
	}

}
