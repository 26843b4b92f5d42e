package dev.limiter.benchmarks.load;

import java.io.IOException;
import java.io.PrintStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import dev.limiter.benchmarks.load.OpenLoopSummary.Outcome;

/**
 * An open-loop HTTP load generator for {@code scripts/overload-e2e.sh}: {@code GET} requests to one loopback URL
 * arrive as a Poisson process at a fixed mean rate, and each is sent at its scheduled time whether or not earlier
 * ones have been answered, as independent users would send them (a sender thread per outstanding request, over
 * kept-alive connections: {@link KeepAliveClient}). A closed-loop driver (such as {@link ClosedLoopLoad} or wrk)
 * waits for an answer before sending more, so a slow server slows its own load down and the queue it builds stays
 * hidden; here the queue shows, because latency is counted from the scheduled arrival, not from the send.
 * <p>
 * A run is a list of phases ({@code label}, mean rate, length), each ending once all its requests are answered or
 * past the deadline. A request gets {@code deadline} from its scheduled arrival to be answered (the client gives up
 * then, closing the connection; a 200 read just after it is late, not good); at most {@code maxOutstanding}
 * requests are in flight, and an arrival beyond that is counted as an overflow, not sent. See {@link OpenLoopSummary}
 * for what is reported.
 * <p>
 * Only loopback targets are accepted: this is a driver for a local sample app, not a tool to load other hosts.
 * <p>
 * Usage: {@code OpenLoopLoad --url http://127.0.0.1:8080/pool --capacity 100 [--deadline-millis 1000]
 * [--max-outstanding 5000] [--seed 1] --phase warmup:50:5 --phase 3x:300:15 ...} ({@code label:rate:seconds}; phases
 * whose label starts with {@code warmup} are run but not printed)
 */
public final class OpenLoopLoad implements AutoCloseable {

	private static final int SPARE_SENDERS = 64;

	private final KeepAliveClient client;

	private final ThreadPoolExecutor senders;

	private final long deadlineNanos;

	private final int maxOutstanding;

	private final double capacityPerSecond;

	private final SplittableRandom random;

	/**
	 * @param url the loopback URL to request
	 * @param capacityPerSecond what the server can serve per second, the base of the goodput
	 * @param deadline the time from its scheduled arrival within which a 200 is good; the client gives up then
	 * @param maxOutstanding the most requests in flight at once, at least 1
	 * @param seed the seed of the arrival schedule
	 * @throws IllegalArgumentException for an invalid value or a target that is not a loopback address
	 */
	public OpenLoopLoad(URI url, double capacityPerSecond, Duration deadline, int maxOutstanding, long seed) {
		ClosedLoopLoad.requireLoopback(url);
		if (!(capacityPerSecond > 0)) {
			throw new IllegalArgumentException("capacity must be > 0 (was " + capacityPerSecond + ")");
		}
		if (deadline.isNegative() || deadline.isZero()) {
			throw new IllegalArgumentException("deadline must be > 0 (was " + deadline + ")");
		}
		if (maxOutstanding < 1) {
			throw new IllegalArgumentException("maxOutstanding must be >= 1 (was " + maxOutstanding + ")");
		}
		this.client = new KeepAliveClient(url);
		// a thread per outstanding request, kept for the next ones; a few spare for threads still returning
		this.senders = new ThreadPoolExecutor(0, maxOutstanding + SPARE_SENDERS, 30, TimeUnit.SECONDS,
				new SynchronousQueue<>(), (task) -> {
					Thread thread = new Thread(null, task, "open-loop-sender", 256 * 1024);
					thread.setDaemon(true);
					return thread;
				});
		this.deadlineNanos = deadline.toNanos();
		this.maxOutstanding = maxOutstanding;
		this.capacityPerSecond = capacityPerSecond;
		this.random = new SplittableRandom(seed);
	}

	/**
	 * Runs one phase and blocks until each of its requests is answered, has failed, or is past its deadline.
	 * @param phase what to offer
	 * @return what the phase saw
	 */
	public OpenLoopSummary run(Phase phase) {
		long[] arrivals = arrivals(phase.ratePerSecond(), phase.duration().toNanos(), this.random);
		int[] outcomes = new int[arrivals.length];
		long[] latencies = new long[arrivals.length];
		AtomicInteger outstanding = new AtomicInteger();
		long start = System.nanoTime();
		for (int i = 0; i < arrivals.length; i++) {
			long scheduled = start + arrivals[i];
			waitUntil(scheduled);
			if (outstanding.get() >= this.maxOutstanding) {
				outcomes[i] = Outcome.OVERFLOW.ordinal();
				continue;
			}
			outstanding.incrementAndGet();
			int slot = i;
			try {
				this.senders.execute(() -> {
					Outcome outcome = send(scheduled);
					latencies[slot] = System.nanoTime() - scheduled;
					outcomes[slot] = outcome.ordinal();
					outstanding.decrementAndGet(); // publishes the slot to the phase's end
				});
			}
			catch (RejectedExecutionException ex) {
				outstanding.decrementAndGet();
				outcomes[i] = Outcome.OVERFLOW.ordinal();
			}
		}
		// every request sent has given up by its deadline; allow a little for the client to report it
		long end = start + phase.duration().toNanos() + this.deadlineNanos + TimeUnit.SECONDS.toNanos(2);
		while (outstanding.get() > 0 && System.nanoTime() < end) {
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
		}
		return OpenLoopSummary.of(phase.label(), phase.ratePerSecond(), phase.duration().toNanos() / 1e9,
				this.capacityPerSecond, outcomes.clone(), latencies.clone());
	}

	/** Sends one request scheduled at the given time and says how it ended. */
	private Outcome send(long scheduled) {
		long deadline = scheduled + this.deadlineNanos;
		int status;
		try {
			status = this.client.get(deadline);
		}
		catch (SocketTimeoutException ex) {
			return Outcome.TIMEOUT;
		}
		catch (IOException | RuntimeException ex) {
			return Outcome.ERROR;
		}
		return switch (status) {
			case 200 -> (System.nanoTime() - deadline <= 0) ? Outcome.GOOD : Outcome.LATE;
			case 429, 503 -> Outcome.REJECTED;
			default -> Outcome.ERROR;
		};
	}

	/** Closes the connections and stops the sender threads. */
	@Override
	public void close() {
		this.senders.shutdownNow();
		this.client.close();
	}

	/**
	 * The arrival times of a Poisson process (exponential gaps) of the given mean rate, in nanoseconds from the
	 * phase's start, all before {@code durationNanos}.
	 */
	static long[] arrivals(double ratePerSecond, long durationNanos, SplittableRandom random) {
		if (!(ratePerSecond > 0)) {
			throw new IllegalArgumentException("rate must be > 0 (was " + ratePerSecond + ")");
		}
		double meanGapNanos = 1e9 / ratePerSecond;
		long[] arrivals = new long[16];
		int count = 0;
		double at = -meanGapNanos * Math.log(1 - random.nextDouble());
		while (at < durationNanos) {
			if (count == arrivals.length) {
				arrivals = Arrays.copyOf(arrivals, count * 2);
			}
			arrivals[count++] = (long) at;
			at += -meanGapNanos * Math.log(1 - random.nextDouble());
		}
		return Arrays.copyOf(arrivals, count);
	}

	/** Parks, then spins for the last stretch, until {@code System.nanoTime()} reaches the given time. */
	private static void waitUntil(long nanoTime) {
		long left;
		while ((left = nanoTime - System.nanoTime()) > 0) {
			if (left > 200_000) {
				LockSupport.parkNanos(left - 100_000);
			}
			else {
				Thread.onSpinWait();
			}
		}
	}

	/**
	 * One phase of a run.
	 * @param label its name in the output (no tabs or colons)
	 * @param ratePerSecond the mean arrival rate, positive
	 * @param duration how long arrivals are scheduled, positive
	 */
	public record Phase(String label, double ratePerSecond, Duration duration) {

		public Phase {
			if (!(ratePerSecond > 0)) {
				throw new IllegalArgumentException("rate must be > 0 (was " + ratePerSecond + ")");
			}
			if (duration.isNegative() || duration.isZero()) {
				throw new IllegalArgumentException("duration must be > 0 (was " + duration + ")");
			}
		}

		/** Parses {@code label:rate:seconds}, such as {@code 3x:300:15}. */
		static Phase parse(String text) {
			String[] parts = text.split(":");
			if (parts.length != 3 || parts[0].isEmpty()) {
				throw new IllegalArgumentException("a phase must be label:rate:seconds (was " + text + ")");
			}
			try {
				return new Phase(parts[0], Double.parseDouble(parts[1]),
						Duration.ofMillis(Math.round(Double.parseDouble(parts[2]) * 1000)));
			}
			catch (NumberFormatException ex) {
				throw new IllegalArgumentException("a phase must be label:rate:seconds (was " + text + ")", ex);
			}
		}

		boolean warmup() {
			return this.label.startsWith("warmup");
		}

	}

	/**
	 * Runs the phases from the command line, printing when each starts ({@code # phase <label> starts at <epoch
	 * millis>}) and one {@link OpenLoopSummary#resultLine()} per phase that is not a warm-up.
	 * @param args {@code --name value} pairs, see the class description; {@code --phase} may repeat
	 */
	public static void main(String[] args) {
		String url = null;
		double capacity = 0;
		long deadlineMillis = 1000;
		int maxOutstanding = 5000;
		long seed = 1;
		List<Phase> phases = new ArrayList<>();
		for (int i = 0; i < args.length; i += 2) {
			if (!args[i].startsWith("--") || i + 1 >= args.length) {
				throw new IllegalArgumentException("arguments must be --name value pairs (was " + args[i] + ")");
			}
			String value = args[i + 1];
			switch (args[i]) {
				case "--url" -> url = value;
				case "--capacity" -> capacity = Double.parseDouble(value);
				case "--deadline-millis" -> deadlineMillis = Long.parseLong(value);
				case "--max-outstanding" -> maxOutstanding = Integer.parseInt(value);
				case "--seed" -> seed = Long.parseLong(value);
				case "--phase" -> phases.add(Phase.parse(value));
				default -> throw new IllegalArgumentException("unknown option " + args[i]);
			}
		}
		if (url == null || phases.isEmpty()) {
			throw new IllegalArgumentException("--url and at least one --phase are required");
		}
		PrintStream out = System.out;
		try (OpenLoopLoad load = new OpenLoopLoad(URI.create(url), capacity, Duration.ofMillis(deadlineMillis),
				maxOutstanding, seed)) {
			for (Phase phase : phases) {
				out.println("# phase " + phase.label() + " starts at " + System.currentTimeMillis());
				out.flush();
				OpenLoopSummary summary = load.run(phase);
				if (!phase.warmup()) {
					out.println(summary.resultLine());
					out.flush();
				}
			}
		}
	}

}
