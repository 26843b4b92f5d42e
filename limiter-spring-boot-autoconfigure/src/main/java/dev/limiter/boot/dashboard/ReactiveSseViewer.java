package dev.limiter.boot.dashboard;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;

import org.springframework.http.codec.ServerSentEvent;

/**
 * One browser's event stream on WebFlux: the snapshot first, then the ticks after it. The sampler hands each tick
 * over without waiting (into a small buffer); a viewer whose connection stalls long enough to fill it is gone, and
 * its stream ends so the browser reconnects.
 */
final class ReactiveSseViewer implements LimiterDashboard.Viewer {

	/** Emitted into by the sampler thread only; read by the connection. */
	private final Sinks.Many<ServerSentEvent<String>> events = Sinks.many()
		.unicast()
		.onBackpressureBuffer(Queues.<ServerSentEvent<String>>get(SseViewer.MAX_SKIPPED).get());

	private volatile long snapshotSeq = Long.MAX_VALUE;

	private ReactiveSseViewer() {
	}

	/**
	 * Returns the events of one new viewer per subscription, watching the dashboard until the subscription ends.
	 * @param dashboard the dashboard to watch
	 * @param controls whether the viewer may use the controls
	 * @return the events
	 */
	static Flux<ServerSentEvent<String>> events(LimiterDashboard dashboard, boolean controls) {
		return Flux.defer(() -> {
			ReactiveSseViewer viewer = new ReactiveSseViewer();
			LimiterDashboard.Snapshot snapshot = dashboard.watch(viewer, controls);
			viewer.snapshotSeq = snapshot.seq();
			ServerSentEvent<String> first = ServerSentEvent.builder(snapshot.json())
				.event("snapshot")
				.retry(DashboardContent.STREAM_RETRY)
				.build();
			return Flux.concat(Mono.just(first), viewer.events.asFlux())
				.take(DashboardContent.STREAM_TIMEOUT)
				.doFinally((signal) -> dashboard.unwatch(viewer));
		});
	}

	@Override
	public boolean send(long seq, String json) {
		if (seq <= this.snapshotSeq) {
			return true;
		}
		return emit(ServerSentEvent.builder(json).id(Long.toString(seq)).event("tick").build());
	}

	@Override
	public boolean heartbeat() {
		return emit(ServerSentEvent.<String>builder().comment("heartbeat").build());
	}

	private boolean emit(ServerSentEvent<String> event) {
		if (this.events.tryEmitNext(event).isSuccess()) {
			return true;
		}
		this.events.tryEmitComplete();
		return false;
	}

}
