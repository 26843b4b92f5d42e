package dev.limiter.benchmarks.load;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A closed-loop HTTP load generator for {@code scripts/load.sh}, used when {@code wrk} is not installed: a number of
 * client threads send {@code GET} requests to one URL back to back, each waiting for its answer, until the duration
 * has passed or the request budget is spent. It prints the response headers of the first answer with a chosen
 * status, then one {@code RESULT} line (see {@link LoadSummary#resultLine()}).
 * <p>
 * Only loopback targets are accepted: this is a demo driver for a local sample app, not a tool to load other hosts.
 * <p>
 * Usage: {@code ClosedLoopLoad --url http://localhost:8080/api/hello [--label api] [--concurrency 4]
 * [--duration-seconds 10] [--max-requests 100000] [--timeout-seconds 10] [--show-headers 429]}
 */
public final class ClosedLoopLoad {

	private final HttpClient client;

	private final HttpRequest request;

	private final int concurrency;

	private final long durationNanos;

	private final int maxRequests;

	private final int showHeadersOf;

	private final AtomicReference<HttpResponse<?>> shownResponse = new AtomicReference<>();

	/**
	 * @param url the loopback URL to request
	 * @param concurrency client threads, at least 1
	 * @param duration how long to start new requests, positive
	 * @param maxRequests the most requests to send in all, at least 1
	 * @param timeout the longest one request may take; a request past it counts as a transport error
	 * @param showHeadersOf the status whose first response's headers to keep, or 0 for none
	 * @throws IllegalArgumentException for an invalid value or a target that is not a loopback address
	 */
	public ClosedLoopLoad(URI url, int concurrency, Duration duration, int maxRequests, Duration timeout,
			int showHeadersOf) {
		requireLoopback(url);
		if (concurrency < 1) {
			throw new IllegalArgumentException("concurrency must be >= 1 (was " + concurrency + ")");
		}
		if (duration.isNegative() || duration.isZero()) {
			throw new IllegalArgumentException("duration must be > 0 (was " + duration + ")");
		}
		if (maxRequests < 1) {
			throw new IllegalArgumentException("maxRequests must be >= 1 (was " + maxRequests + ")");
		}
		this.client = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(Duration.ofSeconds(2))
			.build();
		this.request = HttpRequest.newBuilder(url).timeout(timeout).GET().build();
		this.concurrency = concurrency;
		this.durationNanos = duration.toNanos();
		this.maxRequests = maxRequests;
		this.showHeadersOf = showHeadersOf;
	}

	/**
	 * Runs the load on {@code concurrency} threads and blocks until every request has finished.
	 * @param label the scenario's name for the summary
	 * @return what the run saw
	 * @throws InterruptedException if interrupted while waiting for the client threads
	 */
	public LoadSummary run(String label) throws InterruptedException {
		int[] statuses = new int[this.maxRequests];
		long[] latencies = new long[this.maxRequests];
		AtomicInteger issued = new AtomicInteger();
		CountDownLatch done = new CountDownLatch(this.concurrency);
		long start = System.nanoTime();
		long deadline = start + this.durationNanos;
		for (int t = 0; t < this.concurrency; t++) {
			Thread thread = new Thread(() -> {
				try {
					int slot;
					while (System.nanoTime() < deadline && (slot = issued.getAndIncrement()) < this.maxRequests) {
						long sent = System.nanoTime();
						statuses[slot] = send();
						latencies[slot] = System.nanoTime() - sent;
					}
				}
				finally {
					done.countDown();
				}
			}, "load-" + t);
			thread.setDaemon(true);
			thread.start();
		}
		done.await();
		long elapsed = System.nanoTime() - start;
		return LoadSummary.of(label, statuses, latencies, Math.min(issued.get(), this.maxRequests), elapsed);
	}

	/** The headers of the first response with the chosen status, or null if none came. */
	HttpResponse<?> shownResponse() {
		return this.shownResponse.get();
	}

	private int send() {
		try {
			HttpResponse<Void> response = this.client.send(this.request, HttpResponse.BodyHandlers.discarding());
			if (response.statusCode() == this.showHeadersOf) {
				this.shownResponse.compareAndSet(null, response);
			}
			return response.statusCode();
		}
		catch (IOException ex) {
			return 0;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return 0;
		}
	}

	/** Refuses any target whose host does not resolve to a loopback address. */
	static void requireLoopback(URI url) {
		String host = url.getHost();
		if (host == null || !"http".equals(url.getScheme())) {
			throw new IllegalArgumentException("url must be http://<loopback host>[:port]/... (was " + url + ")");
		}
		try {
			for (InetAddress address : InetAddress.getAllByName(host)) {
				if (!address.isLoopbackAddress()) {
					throw new IllegalArgumentException("url must target a loopback address (was " + url + ")");
				}
			}
		}
		catch (UnknownHostException ex) {
			throw new IllegalArgumentException("url's host does not resolve (was " + url + ")", ex);
		}
	}

	static Map<String, String> parseArgs(String[] args) {
		Map<String, String> options = new LinkedHashMap<>();
		for (int i = 0; i < args.length; i += 2) {
			if (!args[i].startsWith("--") || i + 1 >= args.length) {
				throw new IllegalArgumentException("arguments must be --name value pairs (was " + args[i] + ")");
			}
			options.put(args[i].substring(2), args[i + 1]);
		}
		return options;
	}

	/**
	 * Runs one scenario from the command line and prints its summary.
	 * @param args {@code --name value} pairs, see the class description
	 * @throws InterruptedException if interrupted while the load runs
	 */
	public static void main(String[] args) throws InterruptedException {
		Map<String, String> options = parseArgs(args);
		String url = options.get("url");
		if (url == null) {
			throw new IllegalArgumentException("--url is required");
		}
		ClosedLoopLoad generator = new ClosedLoopLoad(URI.create(url),
				Integer.parseInt(options.getOrDefault("concurrency", "4")),
				Duration.ofSeconds(Long.parseLong(options.getOrDefault("duration-seconds", "10"))),
				Integer.parseInt(options.getOrDefault("max-requests", "100000")),
				Duration.ofSeconds(Long.parseLong(options.getOrDefault("timeout-seconds", "10"))),
				Integer.parseInt(options.getOrDefault("show-headers", "0")));
		LoadSummary summary = generator.run(options.getOrDefault("label", "load"));
		PrintStream out = System.out;
		HttpResponse<?> shown = generator.shownResponse();
		if (shown != null) {
			out.println("HTTP/1.1 " + shown.statusCode());
			shown.headers().map().forEach((name, values) ->
					values.forEach((value) -> out.println(name + ": " + value)));
		}
		out.println(summary.resultLine());
	}

}
