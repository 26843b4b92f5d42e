package dev.limiter.boot.dashboard;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.Executor;

import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.core.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

import org.springframework.web.servlet.function.ServerResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.RETURNS_SELF;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

/**
 * A browser's event stream: the snapshot first, ticks after it in order, written off the sampler thread; a viewer
 * whose connection stalls misses ticks instead of holding up the sampler, and is dropped after
 * {@link SseViewer#MAX_SKIPPED} in a row.
 */
class SseViewerTests {

	private final ManualClock clock = new ManualClock();

	private final LimiterDashboard dashboard = new LimiterDashboard(new RateLimiterRegistry(Map.of()),
			new CircuitBreakerRegistry(Map.of(), Set.of()), new LoadShedderRegistry(Map.of(), Set.of()),
			(name) -> false, (name) -> null, null, () -> true, 5, this.clock);

	private final ServerResponse.SseBuilder sse = mock(ServerResponse.SseBuilder.class, RETURNS_SELF);

	/** Runs writes only when told: a connection that stalls until {@link #runAll}. */
	private final Queue<Runnable> writes = new ArrayDeque<>();

	private final Executor writer = this.writes::add;

	SseViewerTests() {
		this.dashboard.sampleInForeground();
	}

	@AfterEach
	void close() {
		this.dashboard.close();
	}

	@Test
	void snapshotFirstThenTicksAfterIt() throws IOException {
		SseViewer viewer = new SseViewer(this.sse, true, this.writer);
		viewer.start(this.dashboard);
		assertThat(viewer.send(0, "{\"old\":true}")).as("in the snapshot already").isTrue();
		assertThat(this.writes).isEmpty();
		this.clock.advance(Duration.ofSeconds(1));
		this.dashboard.tick();
		runAll();
		InOrder order = inOrder(this.sse);
		order.verify(this.sse).event("snapshot");
		order.verify(this.sse).id("1");
		order.verify(this.sse).event("tick");
		verify(this.sse, never()).data("{\"old\":true}");
	}

	@Test
	void stalledViewerMissesTicksThenIsDroppedWithoutHoldingUpTheSampler() {
		SseViewer viewer = new SseViewer(this.sse, true, this.writer);
		viewer.start(this.dashboard);
		assertThat(viewer.send(1, "{}")).isTrue();
		assertThat(this.writes).as("handed to the writer").hasSize(1);
		for (int i = 2; i <= SseViewer.MAX_SKIPPED; i++) {
			assertThat(viewer.send(i, "{}")).as("tick %d skipped", i).isTrue();
		}
		assertThat(viewer.heartbeat()).as("one too many").isFalse();
		assertThat(this.writes).hasSize(1);
	}

	@Test
	void viewerThatCatchesUpGetsTheNextTicks() {
		SseViewer viewer = new SseViewer(this.sse, true, this.writer);
		viewer.start(this.dashboard);
		viewer.send(1, "{}");
		viewer.send(2, "{}");
		runAll();
		assertThat(viewer.send(3, "{}")).isTrue();
		assertThat(this.writes).hasSize(1);
	}

	@Test
	void failedWriteEndsTheViewer() throws IOException {
		doThrow(new IOException("broken pipe")).when(this.sse).data("{\"seq\":1}");
		SseViewer viewer = new SseViewer(this.sse, true, this.writer);
		viewer.start(this.dashboard);
		assertThat(viewer.send(1, "{\"seq\":1}")).isTrue();
		runAll();
		assertThat(viewer.send(2, "{\"seq\":2}")).isFalse();
		assertThat(this.writes).isEmpty();
	}

	@Test
	void failedSnapshotEndsTheViewer() throws IOException {
		doThrow(new IOException("broken pipe")).when(this.sse).data(any());
		SseViewer viewer = new SseViewer(this.sse, true, this.writer);
		viewer.start(this.dashboard);
		assertThat(viewer.send(1, "{}")).isFalse();
		verify(this.sse, never()).id(anyString());
	}

	private void runAll() {
		Runnable write;
		while ((write = this.writes.poll()) != null) {
			write.run();
		}
	}

}
