package dev.limiter.benchmarks.load;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import dev.limiter.benchmarks.load.OpenLoopLoad.Phase;
import dev.limiter.benchmarks.load.OpenLoopSummary.Outcome;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

class OpenLoopLoadTest {

	@Test
	void sendsEveryScheduledArrivalAndSortsTheAnswersByOutcome() throws Exception {
		// every second answer is a 503; the deadline is long enough that no 200 can be late on a busy machine
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		AtomicInteger served = new AtomicInteger();
		server.createContext("/", (exchange) -> {
			exchange.sendResponseHeaders((served.incrementAndGet() % 2 == 0) ? 503 : 200, -1);
			exchange.close();
		});
		server.start();
		try {
			URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/pool");
			OpenLoopLoad load = new OpenLoopLoad(url, 1000, Duration.ofSeconds(20), 1000, 7);
			OpenLoopSummary summary = load.run(new Phase("steady", 100, Duration.ofMillis(500)));
			int scheduled = OpenLoopLoad.arrivals(100, Duration.ofMillis(500).toNanos(), new SplittableRandom(7))
				.length;
			assertThat(summary.offered()).isEqualTo(scheduled);
			assertThat(served.get()).isEqualTo(scheduled);
			assertThat(summary.count(Outcome.GOOD)).isEqualTo((scheduled + 1) / 2);
			assertThat(summary.count(Outcome.REJECTED)).isEqualTo(scheduled / 2);
			assertThat(summary.count(Outcome.LATE) + summary.count(Outcome.TIMEOUT) + summary.count(Outcome.ERROR)
					+ summary.count(Outcome.OVERFLOW)).isZero();
			assertThat(summary.resultLine()).startsWith("OPENLOOP\tsteady\t100.0\t0.5\t" + scheduled + "\t");
		}
		finally {
			server.stop(0);
		}
	}

	@Test
	void requestsUnansweredByTheDeadlineAreTimeoutsAndArrivalsBeyondTheOutstandingCapAreOverflows()
			throws Exception {
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		CountDownLatch release = new CountDownLatch(1);
		ExecutorService handlers = Executors.newCachedThreadPool();
		server.setExecutor(handlers);
		server.createContext("/", (exchange) -> {
			try {
				release.await(30, TimeUnit.SECONDS);
				exchange.sendResponseHeaders(200, -1);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			finally {
				exchange.close();
			}
		});
		server.start();
		try {
			URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/pool");
			OpenLoopLoad load = new OpenLoopLoad(url, 100, Duration.ofMillis(200), 2, 3);
			OpenLoopSummary summary = load.run(new Phase("stuck", 100, Duration.ofMillis(500)));
			assertThat(summary.offered()).isGreaterThan(2);
			assertThat(summary.count(Outcome.TIMEOUT)).isGreaterThanOrEqualTo(2);
			assertThat(summary.count(Outcome.OVERFLOW)).isPositive();
			assertThat(summary.count(Outcome.TIMEOUT) + summary.count(Outcome.OVERFLOW)).isEqualTo(summary.offered());
			assertThat(summary.goodput()).isZero();
			assertThat(summary.admittedMillis(0.99)).isNaN();
		}
		finally {
			release.countDown();
			server.stop(0);
			handlers.shutdownNow();
		}
	}

	@Test
	void arrivalsArePoissonAtTheMeanRateWithinThePhase() {
		long duration = Duration.ofSeconds(100).toNanos();
		long[] arrivals = OpenLoopLoad.arrivals(200, duration, new SplittableRandom(42));
		assertThat((double) arrivals.length).isCloseTo(20_000, within(600.0));
		assertThat(arrivals).isSorted();
		assertThat(arrivals[arrivals.length - 1]).isLessThan(duration);
		// exponential gaps: their standard deviation equals their mean (5 ms)
		double mean = 0;
		double square = 0;
		for (int i = 1; i < arrivals.length; i++) {
			double gap = (arrivals[i] - arrivals[i - 1]) / 1e6;
			mean += gap;
			square += gap * gap;
		}
		mean /= arrivals.length - 1;
		double deviation = Math.sqrt(square / (arrivals.length - 1) - mean * mean);
		assertThat(mean).isCloseTo(5.0, within(0.2));
		assertThat(deviation).isCloseTo(5.0, within(0.3));
	}

	@Test
	void goodputIsGoodAnswersPerSecondAsAFractionOfWhatTheServerCanServe() {
		// 10 s at 3 x a capacity of 100/s: 3000 offered, 900 good, 50 late, 2000 shed, 50 timed out
		int[] outcomes = new int[3000];
		long[] latencies = new long[3000];
		for (int i = 0; i < 3000; i++) {
			Outcome outcome = (i < 900) ? Outcome.GOOD : (i < 950) ? Outcome.LATE
					: (i < 2950) ? Outcome.REJECTED : Outcome.PENDING;
			outcomes[i] = outcome.ordinal();
			latencies[i] = TimeUnit.MILLISECONDS.toNanos((i < 950) ? 1 + i : 0);
		}
		OpenLoopSummary summary = OpenLoopSummary.of("3x", 300, 10, 100, outcomes, latencies);
		assertThat(summary.goodPerSecond()).isEqualTo(90.0);
		assertThat(summary.goodput()).isCloseTo(0.9, within(1e-9));
		assertThat(summary.rejectedFraction()).isCloseTo(2000 / 3000.0, within(1e-9));
		assertThat(summary.count(Outcome.TIMEOUT)).as("pending requests are timeouts").isEqualTo(50);
		assertThat(summary.admittedMillis(0.5)).isEqualTo(475.0);
		assertThat(summary.admittedMillis(0.99)).isEqualTo(941.0);
		assertThat(summary.resultLine())
			.isEqualTo("OPENLOOP\t3x\t300.0\t10.0\t3000\t900\t50\t2000\t50\t0\t0\t90.0\t66.7\t475.0\t941.0");
		// below capacity the base is the offered rate: 40 good of 50/s offered over 1 s
		int[] light = new int[50];
		for (int i = 0; i < 50; i++) {
			light[i] = ((i < 40) ? Outcome.GOOD : Outcome.ERROR).ordinal();
		}
		assertThat(OpenLoopSummary.of("light", 50, 1, 100, light, new long[50]).goodput()).isCloseTo(0.8,
				within(1e-9));
	}

	@Test
	void phasesParseFromLabelRateAndSeconds() {
		assertThat(Phase.parse("3x:300:15")).isEqualTo(new Phase("3x", 300, Duration.ofSeconds(15)));
		assertThat(Phase.parse("warmup:50:2.5").warmup()).isTrue();
		assertThatIllegalArgumentException().isThrownBy(() -> Phase.parse("3x:300"))
			.withMessage("a phase must be label:rate:seconds (was 3x:300)");
		assertThatIllegalArgumentException().isThrownBy(() -> Phase.parse("3x:0:15"))
			.withMessage("rate must be > 0 (was 0.0)");
	}

	@Test
	void refusesTargetsThatAreNotLoopback() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new OpenLoopLoad(URI.create("http://192.0.2.1:8080/pool"), 100, Duration.ofSeconds(1),
					10, 1))
			.withMessage("url must target a loopback address (was http://192.0.2.1:8080/pool)");
	}

}
