package dev.limiter.boot.dashboard;

import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

import org.springframework.web.servlet.function.ServerResponse;

/**
 * One browser's event stream: the snapshot first, then the ticks after it, each written by the executor so that the
 * sampler never waits for a connection. While a write is still under way, later ticks and heartbeats for this viewer
 * are skipped; a viewer that has let {@link #MAX_SKIPPED} in a row go by, or whose write failed, is gone.
 */
final class SseViewer implements LimiterDashboard.Viewer {

	/** Ticks a viewer may miss in a row (its connection stalled) before it is dropped. */
	static final int MAX_SKIPPED = 30;

	private final ServerResponse.SseBuilder sse;

	private final boolean controls;

	private final Executor writer;

	private final AtomicBoolean writing = new AtomicBoolean(true);

	private volatile boolean failed;

	private volatile long snapshotSeq = Long.MAX_VALUE;

	/** Read and written by the sampler thread only. */
	private int skipped;

	SseViewer(ServerResponse.SseBuilder sse, boolean controls, Executor writer) {
		this.sse = sse;
		this.controls = controls;
		this.writer = writer;
	}

	/**
	 * Starts watching and sends the snapshot, on the calling thread.
	 * @param dashboard the dashboard to watch
	 */
	void start(LimiterDashboard dashboard) {
		LimiterDashboard.Snapshot snapshot = dashboard.watch(this, this.controls);
		this.snapshotSeq = snapshot.seq();
		try {
			this.sse.retry(DashboardContent.STREAM_RETRY).event("snapshot").data(snapshot.json());
		}
		catch (IOException | IllegalStateException ex) {
			this.failed = true;
			dashboard.unwatch(this);
		}
		finally {
			this.writing.set(false);
		}
	}

	@Override
	public boolean send(long seq, String json) {
		if (seq <= this.snapshotSeq) {
			return !this.failed;
		}
		return write((sse) -> sse.id(Long.toString(seq)).event("tick").data(json));
	}

	@Override
	public boolean heartbeat() {
		return write((sse) -> sse.comment("heartbeat").send());
	}

	private boolean write(Write write) {
		if (this.failed) {
			return false;
		}
		if (!this.writing.compareAndSet(false, true)) {
			return ++this.skipped < MAX_SKIPPED;
		}
		this.skipped = 0;
		try {
			this.writer.execute(() -> {
				try {
					write.to(this.sse);
				}
				catch (IOException | RuntimeException ex) {
					this.failed = true;
				}
				finally {
					this.writing.set(false);
				}
			});
		}
		catch (RuntimeException ex) {
			this.writing.set(false);
			this.failed = true;
		}
		return !this.failed;
	}

	@FunctionalInterface
	private interface Write {

		void to(ServerResponse.SseBuilder sse) throws IOException;

	}

}
