package dev.limiter.core.shedding;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import java.util.function.DoubleUnaryOperator;

import dev.limiter.core.ManualClock;
import dev.limiter.core.Promise;

/**
 * A virtual-time simulation of a service behind a shedder: Poisson arrivals at a rate scripted over time, a FIFO
 * queue in front of {@code servers} servers (scripted over time) with exponential service times of a scripted mean:
 * an M/M/c queue. With {@link #processorSharing(DoubleUnaryOperator)} the calls in service share fewer cores: n of
 * them on k cores each progress at min(1, k/n) of full speed (as CPU-bound work on a machine's cores; with as many
 * servers as calls, M/M/k-PS). With {@link #lognormalService(double)} service times are lognormal instead of
 * exponential. With {@link #waitQueue(WaitQueue)} a refused call waits in front of the shedder for a slot (see
 * {@link WaitQueue}); with {@link #priorities(double)} half of the calls are sheddable and refused earlier. Latency
 * is measured from the arrival, wait included. Single-threaded and deterministic for a seed; the shedder's clock is
 * moved to every event.
 */
final class QueueSimulation {

	private static final double SAMPLE_SECONDS = 0.1;

	private final ManualClock clock;

	private final Shedder shedder;

	private final SplittableRandom random;

	private DoubleUnaryOperator arrivalsPerSecond = (t) -> 0;

	private DoubleUnaryOperator servers = (t) -> 1;

	private DoubleUnaryOperator meanServiceSeconds = (t) -> 0.04;

	private DoubleUnaryOperator meanOutsideSeconds = (t) -> 0;

	private final List<double[]> limits = new ArrayList<>();

	private final List<double[]> admitted = new ArrayList<>();

	private final List<Double> rejected = new ArrayList<>();

	private final List<Double> arrived = new ArrayList<>();

	private final PriorityQueue<Event> events = new PriorityQueue<>((a, b) -> Double.compare(a.time, b.time));

	private final ArrayDeque<Request> queue = new ArrayDeque<>();

	private int busy;

	private DoubleUnaryOperator cores;

	private double sigma = Double.NaN;

	/** Calls running on processor-sharing cores, with the work (seconds at full speed) each has left. */
	private final List<Running> running = new ArrayList<>();

	private double workUpdatedAt;

	/** Tags the one scheduled processor-sharing completion that is still valid. */
	private long schedule;

	private double now;

	private int maxInFlightOverLimit = Integer.MIN_VALUE;

	private WaitQueue waitQueue;

	/** Calls waiting for a slot in front of the shedder, oldest first. */
	private final ArrayDeque<Request> waiters = new ArrayDeque<>();

	private double lastEmpty;

	private double sheddableFraction = Double.NaN;

	private boolean reserveOne;

	private double criticalShare = Double.NaN;

	QueueSimulation(ManualClock clock, Shedder shedder, long seed) {
		this.clock = clock;
		this.shedder = shedder;
		this.random = new SplittableRandom(seed);
	}

	QueueSimulation arrivals(DoubleUnaryOperator perSecond) {
		this.arrivalsPerSecond = perSecond;
		return this;
	}

	QueueSimulation servers(DoubleUnaryOperator servers) {
		this.servers = servers;
		return this;
	}

	QueueSimulation meanService(DoubleUnaryOperator seconds) {
		this.meanServiceSeconds = seconds;
		return this;
	}

	/** The calls in service share this many cores, scripted over time (see the class description). */
	QueueSimulation processorSharing(DoubleUnaryOperator cores) {
		this.cores = cores;
		return this;
	}

	/** Service times become lognormal of this sigma, of the scripted mean. */
	QueueSimulation lognormalService(double sigma) {
		this.sigma = sigma;
		return this;
	}

	/**
	 * Time a call spends in flight outside the servers once served (as a web container's own work, which gets
	 * slower when the CPU is starved): exponential of a scripted mean, no queueing.
	 */
	QueueSimulation meanOutside(DoubleUnaryOperator seconds) {
		this.meanOutsideSeconds = seconds;
		return this;
	}

	/** Refused calls wait in this queue for a slot instead of being refused at once. */
	QueueSimulation waitQueue(WaitQueue waitQueue) {
		this.waitQueue = waitQueue;
		return this;
	}

	/**
	 * Half of the calls (at random) become sheddable: refused once the in-flight count of the
	 * {@link AdaptiveConcurrencyLimiter} is at least {@code sheddableFraction} of its limit; critical ones go up to
	 * the limit.
	 */
	QueueSimulation priorities(double sheddableFraction) {
		return priorities(sheddableFraction, false);
	}

	/**
	 * As {@link #priorities(double)}; with {@code reserveOne} sheddable calls are also refused at the limit minus
	 * one, so that at small limits at least one slot is kept for critical calls.
	 */
	QueueSimulation priorities(double sheddableFraction, boolean reserveOne) {
		this.sheddableFraction = sheddableFraction;
		this.reserveOne = reserveOne;
		return this;
	}

	/**
	 * A share of the calls (at random) is critical, the rest sheddable, each asking the shedder's
	 * {@link Shedder#allow(Priority)} with its priority (the built rule, not the study's emulation above).
	 */
	QueueSimulation priorityShare(double criticalShare) {
		this.criticalShare = criticalShare;
		return this;
	}

	/** Runs from the current virtual time for {@code seconds} more. */
	QueueSimulation run(double seconds) {
		double end = this.now + seconds;
		if (this.events.isEmpty()) {
			this.events.add(new Event(nextArrival(this.now), Event.ARRIVAL, null, 0));
			this.events.add(new Event(this.now, Event.SAMPLE, null, 0));
		}
		while (!this.events.isEmpty() && this.events.peek().time <= end) {
			Event event = this.events.poll();
			this.clock.advanceNanos(Math.round(event.time * 1e9) - Math.round(this.now * 1e9));
			this.now = event.time;
			switch (event.kind) {
				case Event.ARRIVAL -> arrive();
				case Event.COMPLETION -> complete(event.request);
				case Event.DONE -> done(event.request);
				case Event.SHARED_COMPLETION -> completeShared(event.tag);
				default -> sample();
			}
		}
		this.clock.advanceNanos(Math.round(end * 1e9) - Math.round(this.now * 1e9));
		this.now = end;
		return this;
	}

	private void arrive() {
		this.events.add(new Event(nextArrival(this.now), Event.ARRIVAL, null, 0));
		this.arrived.add(this.now);
		boolean critical = (Double.isNaN(this.criticalShare))
				? Double.isNaN(this.sheddableFraction) || this.random.nextBoolean()
				: this.random.nextDouble() < this.criticalShare;
		Request request = new Request(this.now, critical);
		if (this.waitQueue != null) {
			if (this.waiters.isEmpty()) {
				this.lastEmpty = this.now;
			}
			this.waiters.add(request);
			dispatch();
		}
		else if (!admit(request)) {
			this.rejected.add(this.now);
		}
	}

	/** Hands free slots to waiters, newest or oldest first, after those that waited too long left. */
	private void dispatch() {
		if (this.waitQueue == null) {
			return;
		}
		double maxWait = this.waitQueue.maxWait(this.now - this.lastEmpty);
		while (!this.waiters.isEmpty() && this.now - this.waiters.peekFirst().arrival > maxWait) {
			this.rejected.add(this.waiters.pollFirst().arrival);
		}
		Iterator<Request> next = this.waitQueue.lifo() ? this.waiters.descendingIterator() : this.waiters.iterator();
		while (next.hasNext()) {
			Request request = next.next();
			if (admit(request)) {
				next.remove();
			}
			else if (request.critical) {
				break; // the limit is in flight; a sheddable call refused earlier leaves room for critical ones
			}
		}
		if (this.waiters.isEmpty()) {
			this.lastEmpty = this.now;
		}
	}

	/** Asks the shedder for a slot and starts the call if given one. */
	private boolean admit(Request request) {
		if (!request.critical && this.shedder instanceof AdaptiveConcurrencyLimiter adaptive
				&& adaptive.inFlight() >= Math.min(this.sheddableFraction * adaptive.limit(),
						this.reserveOne ? adaptive.limit() - 1 : Double.MAX_VALUE)) {
			return false;
		}
		try {
			request.promise = (Double.isNaN(this.criticalShare)) ? this.shedder.allow()
					: this.shedder.allow(request.critical ? Priority.CRITICAL : Priority.SHEDDABLE);
		}
		catch (OverloadException ex) {
			return false;
		}
		if (this.shedder instanceof AdaptiveConcurrencyLimiter adaptive) {
			this.maxInFlightOverLimit = Math.max(this.maxInFlightOverLimit, adaptive.inFlight() - adaptive.limit());
		}
		if (this.queue.isEmpty() && this.busy < (int) this.servers.applyAsDouble(this.now)) {
			start(request);
		}
		else {
			this.queue.add(request);
		}
		return true;
	}

	private void start(Request request) {
		this.busy++;
		if (this.cores != null) {
			advanceSharedWork();
			this.running.add(new Running(request, service(this.now)));
			scheduleSharedCompletion();
		}
		else {
			this.events.add(new Event(this.now + service(this.now), Event.COMPLETION, request, 0));
		}
	}

	/** Moves every running call's work on by the time since the last change, at the speed each had. */
	private void advanceSharedWork() {
		if (!this.running.isEmpty()) {
			double done = (this.now - this.workUpdatedAt) * speed();
			for (Running call : this.running) {
				call.work -= done;
			}
		}
		this.workUpdatedAt = this.now;
	}

	private double speed() {
		return Math.min(1, this.cores.applyAsDouble(this.now) / this.running.size());
	}

	private void scheduleSharedCompletion() {
		this.schedule++;
		if (this.running.isEmpty()) {
			return;
		}
		double least = Double.MAX_VALUE;
		for (Running call : this.running) {
			least = Math.min(least, call.work);
		}
		this.events.add(new Event(this.now + Math.max(0, least) / speed(), Event.SHARED_COMPLETION, null,
				this.schedule));
	}

	private void completeShared(long tag) {
		if (tag != this.schedule) {
			return; // an arrival or a completion since has rescheduled
		}
		advanceSharedWork();
		List<Running> finished = new ArrayList<>();
		for (Running call : this.running) {
			if (call.work <= 1e-9) {
				finished.add(call);
			}
		}
		this.running.removeAll(finished);
		for (Running call : finished) {
			complete(call.request);
		}
		scheduleSharedCompletion();
	}

	private void complete(Request request) {
		this.busy--;
		leave(request);
		while (!this.queue.isEmpty() && this.busy < (int) this.servers.applyAsDouble(this.now)) {
			start(this.queue.poll());
		}
	}

	/** A served call spends its time outside the servers, then completes. */
	private void leave(Request request) {
		double outside = this.meanOutsideSeconds.applyAsDouble(this.now);
		if (outside > 0) {
			double done = this.now - Math.log(1 - this.random.nextDouble()) * outside;
			this.events.add(new Event(done, Event.DONE, request, 0));
		}
		else {
			done(request);
		}
	}

	private void done(Request request) {
		this.admitted.add(new double[] { request.arrival, this.now - request.arrival, request.critical ? 1 : 0 });
		request.promise.accept();
		dispatch();
	}

	private void sample() {
		// servers added by the script start on queued calls
		while (!this.queue.isEmpty() && this.busy < (int) this.servers.applyAsDouble(this.now)) {
			start(this.queue.poll());
		}
		dispatch();
		if (this.shedder instanceof AdaptiveConcurrencyLimiter adaptive) {
			this.limits.add(new double[] { this.now, adaptive.limit() });
		}
		if (this.cores != null) {
			// cores added or taken by the script change every running call's speed
			advanceSharedWork();
			scheduleSharedCompletion();
		}
		this.events.add(new Event(this.now + SAMPLE_SECONDS, Event.SAMPLE, null, 0));
	}

	/** Mean limit sampled in [from, to). */
	double meanLimit(double from, double to) {
		return this.limits.stream()
			.filter((s) -> s[0] >= from && s[0] < to)
			.mapToDouble((s) -> s[1])
			.average()
			.orElseThrow();
	}

	/** Lowest and highest limit sampled in [from, to). */
	double[] limitRange(double from, double to) {
		double min = Double.MAX_VALUE;
		double max = 0;
		for (double[] s : this.limits) {
			if (s[0] >= from && s[0] < to) {
				min = Math.min(min, s[1]);
				max = Math.max(max, s[1]);
			}
		}
		return new double[] { min, max };
	}

	/** Fraction of arrivals in [from, to) that were refused. */
	double rejectedFraction(double from, double to) {
		long arrivals = this.arrived.stream().filter((t) -> t >= from && t < to).count();
		long refused = this.rejected.stream().filter((t) -> t >= from && t < to).count();
		return (arrivals == 0) ? 0 : (double) refused / arrivals;
	}

	/** Calls that arrived in [from, to) and completed within {@code bound} seconds, per second. */
	double goodput(double from, double to, double bound) {
		return this.admitted.stream().filter((a) -> a[0] >= from && a[0] < to && a[1] <= bound).count() / (to - from);
	}

	/** Critical calls (see {@link #priorities(double)}) that arrived in [from, to) and completed within bound. */
	double criticalGoodput(double from, double to, double bound) {
		return this.admitted.stream()
			.filter((a) -> a[0] >= from && a[0] < to && a[1] <= bound && a[2] == 1)
			.count() / (to - from);
	}

	/** The 99th percentile latency (seconds) of admitted calls that arrived in [from, to). */
	double p99(double from, double to) {
		return p99(from, to, false);
	}

	/** The 99th percentile latency (seconds) of admitted critical calls that arrived in [from, to). */
	double criticalP99(double from, double to) {
		return p99(from, to, true);
	}

	private double p99(double from, double to, boolean critical) {
		double[] latencies = this.admitted.stream()
			.filter((a) -> a[0] >= from && a[0] < to && (!critical || a[2] == 1))
			.mapToDouble((a) -> a[1])
			.sorted()
			.toArray();
		return (latencies.length == 0) ? 0 : latencies[(int) Math.min(latencies.length - 1, latencies.length * 0.99)];
	}

	/** The most the in-flight count exceeded the limit right after an admission. */
	int maxInFlightOverLimit() {
		return this.maxInFlightOverLimit;
	}

	List<double[]> limits() {
		return this.limits;
	}

	private double nextArrival(double now) {
		double rate = Math.max(1e-6, this.arrivalsPerSecond.applyAsDouble(now));
		return now - Math.log(1 - this.random.nextDouble()) / rate;
	}

	private double service(double now) {
		double mean = this.meanServiceSeconds.applyAsDouble(now);
		if (Double.isNaN(this.sigma)) {
			return -Math.log(1 - this.random.nextDouble()) * mean;
		}
		return mean * Math.exp(this.sigma * this.random.nextGaussian() - this.sigma * this.sigma / 2);
	}

	private static final class Request {

		final double arrival;

		final boolean critical;

		Promise promise;

		Request(double arrival, boolean critical) {
			this.arrival = arrival;
			this.critical = critical;
		}

	}

	/**
	 * A wait queue in front of the shedder: a refused call waits up to a max wait for a slot; each freed slot goes
	 * to the newest waiter ({@code lifo}) or the oldest. The max wait is {@code longWait}, or {@code shortWait} once
	 * the queue has not been empty for {@code interval} seconds (CoDel's idea: a standing queue is only delay).
	 * @param lifo whether the newest waiter gets a freed slot first
	 * @param longWait the max wait (seconds) while the queue empties now and then
	 * @param shortWait the max wait (seconds) once it has not for {@code interval}
	 * @param interval seconds without an empty queue after which {@code shortWait} applies
	 */
	record WaitQueue(boolean lifo, DoubleSupplier longWait, DoubleSupplier shortWait, double interval) {

		static WaitQueue lifo(DoubleSupplier maxWait) {
			return new WaitQueue(true, maxWait, maxWait, Double.POSITIVE_INFINITY);
		}

		static WaitQueue fifo(DoubleSupplier maxWait) {
			return new WaitQueue(false, maxWait, maxWait, Double.POSITIVE_INFINITY);
		}

		static WaitQueue codel(DoubleSupplier longWait, DoubleSupplier shortWait, double interval) {
			return new WaitQueue(true, longWait, shortWait, interval);
		}

		double maxWait(double sinceEmpty) {
			return (sinceEmpty > this.interval) ? this.shortWait.getAsDouble() : this.longWait.getAsDouble();
		}

	}

	private static final class Running {

		final Request request;

		double work;

		Running(Request request, double work) {
			this.request = request;
			this.work = work;
		}

	}

	private record Event(double time, int kind, Request request, long tag) {

		static final int ARRIVAL = 0;

		static final int COMPLETION = 1;

		static final int SAMPLE = 2;

		static final int DONE = 3;

		static final int SHARED_COMPLETION = 4;

	}

}
