package dev.limiter.core.bucket;

import java.io.ByteArrayInputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every blocking wait of the buckets and throttled streams parks while holding no monitor and no
 * {@code java.util.concurrent} lock: a virtual thread waiting there never pins its carrier (JDK 21 to 23 pin on a
 * held monitor) and never blocks other callers. A platform thread is parked in each wait on the system clock (waits
 * of an hour), inspected with {@link ThreadMXBean}, then interrupted. Runs on every JDK, unlike the virtual-thread
 * test under {@code src/test/java21}.
 */
class WaitHoldsNoMonitorTest {

	private static final Duration HOUR = Duration.ofHours(1);

	interface Wait {

		void run() throws Exception;

	}

	static Arguments[] waits() {
		TokenBucket tokens = TokenBucket.every(HOUR, 1);
		tokens.tryAcquire();
		TokenBucket tokensWithDeadline = TokenBucket.every(HOUR, 1);
		tokensWithDeadline.tryAcquire();
		LeakyBucket leaky = LeakyBucket.builder(1).per(HOUR).withoutSlack().build();
		QuantumBucket quantum = QuantumBucket.of(HOUR, 1);
		QuantumBucket quantumWithDeadline = QuantumBucket.of(HOUR, 1);
		QuantumBucket reads = QuantumBucket.of(HOUR, 1);
		QuantumBucket writes = QuantumBucket.of(HOUR, 1);
		return new Arguments[] {
				Arguments.of("TokenBucket.acquire", (Wait) () -> tokens.acquire(1)),
				Arguments.of("TokenBucket.tryAcquire(n, maxWait)",
						(Wait) () -> tokensWithDeadline.tryAcquire(1, HOUR.multipliedBy(2))),
				Arguments.of("LeakyBucket.take", (Wait) () -> {
					leaky.take();
					leaky.take();
				}),
				Arguments.of("QuantumBucket.await", (Wait) () -> quantum.await(2)),
				Arguments.of("QuantumBucket.await(n, maxWait)",
						(Wait) () -> quantumWithDeadline.await(2, HOUR.multipliedBy(2))),
				Arguments.of("ThrottledInputStream.read", (Wait) () -> {
					try (ThrottledInputStream in = new ThrottledInputStream(new ByteArrayInputStream(new byte[2]),
							reads)) {
						in.readNBytes(2);
					}
				}),
				Arguments.of("ThrottledOutputStream.write", (Wait) () -> {
					try (ThrottledOutputStream out = new ThrottledOutputStream(OutputStream.nullOutputStream(),
							writes)) {
						out.write(new byte[2]);
					}
				}) };
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("waits")
	void parksHoldingNoMonitorOrLock(String name, Wait wait) throws Exception {
		CompletableFuture<Throwable> outcome = new CompletableFuture<>();
		Thread waiter = new Thread(() -> {
			try {
				wait.run();
				outcome.complete(null);
			}
			catch (Throwable ex) {
				outcome.complete(ex);
			}
		}, "waiter");
		waiter.start();
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		ThreadInfo parked = await().atMost(Duration.ofSeconds(20)).until(
				() -> threads.getThreadInfo(new long[] { waiter.getId() }, true, true)[0],
				(info) -> info != null && info.getThreadState() == Thread.State.TIMED_WAITING
						&& parksInClockSleep(info));
		waiter.interrupt();
		Throwable failure = outcome.get(20, TimeUnit.SECONDS);

		assertThat(parked.getLockedMonitors()).as("monitors held while waiting in %s", name).isEmpty();
		assertThat(parked.getLockedSynchronizers()).as("locks held while waiting in %s", name).isEmpty();
		assertThat(failure).isInstanceOfAny(InterruptedException.class, InterruptedIOException.class);
	}

	private static boolean parksInClockSleep(ThreadInfo info) {
		return Arrays.stream(info.getStackTrace())
			.anyMatch((frame) -> frame.getClassName().equals("dev.limiter.core.SystemClock")
					&& frame.getMethodName().equals("sleep"));
	}

}
