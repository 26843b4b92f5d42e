package dev.limiter.core.bucket;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 10,000 virtual threads wait in each blocking call of the buckets and throttled streams, on the system clock; all
 * must finish (bounded: 20 s for about 0.1 s of permits), none may be refused, the rate must hold (the last finishes
 * no earlier than the permits allow), and JFR must record no {@code jdk.VirtualThreadPinned} event with a limiter frame
 * on its stack. On JDK 21 to 23 a monitor held across the wait pins the carrier, which that event reports; JDK 24+
 * no longer pins on monitors (JEP 491), so there {@code WaitHoldsNoMonitorTest} is what catches a held monitor.
 *
 * <p>Compiled only on JDK 21+ (the {@code jdk21-tests} profile of the parent pom adds {@code src/test/java21}).
 */
class VirtualThreadWaitsTest {

	private static final int THREADS = 10_000;

	/** 100,000 permits per second: 10,000 one-permit waits take about 0.1 s. */
	private static final int RATE = 100_000;

	private static final Duration TEN_MICROS = Duration.ofNanos(1_000_000_000L / RATE);

	/**
	 * The least time 10,000 permits can take at the rate after the one in the bucket, less 10% for rounding and for
	 * the buckets' own time origins.
	 */
	private static final Duration LEAST = Duration.ofNanos((THREADS - 1) * TEN_MICROS.toNanos() * 9 / 10);

	private static final Duration BOUND = Duration.ofSeconds(20);

	interface Wait {

		void run() throws Exception;

	}

	@TempDir
	Path recordings;

	@Test
	void tokenBucketAcquire() throws Exception {
		TokenBucket bucket = TokenBucket.of(RATE, 1);
		runOnVirtualThreads(() -> bucket.acquire(1));
	}

	@Test
	void tokenBucketTryAcquireWithDeadline() throws Exception {
		TokenBucket bucket = TokenBucket.of(RATE, 1);
		runOnVirtualThreads(() -> granted(bucket.tryAcquire(1, BOUND)));
	}

	@Test
	void leakyBucketTake() throws Exception {
		LeakyBucket bucket = LeakyBucket.builder(RATE).withoutSlack().build();
		runOnVirtualThreads(bucket::take);
	}

	@Test
	void quantumBucketAwait() throws Exception {
		QuantumBucket bucket = QuantumBucket.of(TEN_MICROS, 1);
		runOnVirtualThreads(() -> bucket.await(1));
	}

	@Test
	void quantumBucketAwaitWithDeadline() throws Exception {
		QuantumBucket bucket = QuantumBucket.of(TEN_MICROS, 1);
		runOnVirtualThreads(() -> granted(bucket.await(1, BOUND)));
	}

	@Test
	void throttledStreams() throws Exception {
		QuantumBucket bucket = QuantumBucket.of(TEN_MICROS, 1);
		runOnVirtualThreads(() -> {
			if (Thread.currentThread().threadId() % 2 == 0) {
				try (ThrottledInputStream in = new ThrottledInputStream(new ByteArrayInputStream(new byte[1]), bucket)) {
					granted(in.read() == 0);
				}
			}
			else {
				try (ThrottledOutputStream out = new ThrottledOutputStream(OutputStream.nullOutputStream(), bucket)) {
					out.write(0);
				}
			}
		});
	}

	/** Plain code, not AssertJ, inside the virtual threads: class initialisation there may pin a carrier. */
	private static void granted(boolean granted) {
		if (!granted) {
			throw new IllegalStateException("refused within " + BOUND);
		}
	}

	private void runOnVirtualThreads(Wait wait) throws Exception {
		// one call first, so that class loading and initialisation (which may pin) happen before the recording
		Thread warmUp = Thread.ofVirtual().start(() -> {
			try {
				wait.run();
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		});
		assertThat(warmUp.join(BOUND)).isTrue();
		Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
		CountDownLatch done = new CountDownLatch(THREADS);
		Path file = this.recordings.resolve("pinned.jfr");
		long start;
		long end;
		try (Recording recording = new Recording()) {
			recording.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
			recording.start();
			start = System.nanoTime();
			for (int i = 0; i < THREADS; i++) {
				Thread.ofVirtual().start(() -> {
					try {
						wait.run();
					}
					catch (Throwable ex) {
						failures.add(ex);
					}
					finally {
						done.countDown();
					}
				});
			}
			assertThat(done.await(BOUND.toSeconds(), TimeUnit.SECONDS))
				.as("all %d virtual threads finished within %s (%d left)", THREADS, BOUND, done.getCount())
				.isTrue();
			end = System.nanoTime();
			recording.stop();
			recording.dump(file);
		}
		assertThat(failures).isEmpty();
		assertThat(Duration.ofNanos(end - start)).as("time for %d permits at %d/s", THREADS, RATE)
			.isGreaterThanOrEqualTo(LEAST);
		List<RecordedEvent> pinnedInLimiter = RecordingFile.readAllEvents(file)
			.stream()
			.filter(VirtualThreadWaitsTest::hasLimiterFrame)
			.toList();
		assertThat(pinnedInLimiter).as("virtual threads pinned in limiter code").isEmpty();
		Files.deleteIfExists(file);
	}

	private static boolean hasLimiterFrame(RecordedEvent event) {
		if (event.getStackTrace() == null) {
			return false;
		}
		for (RecordedFrame frame : event.getStackTrace().getFrames()) {
			String type = frame.getMethod().getType().getName();
			if (type.startsWith("dev.limiter.core.") && !type.startsWith(VirtualThreadWaitsTest.class.getName())) {
				return true;
			}
		}
		return false;
	}

}
