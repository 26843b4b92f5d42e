package dev.limiter.boot.dashboard;

import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.core.Clock;
import dev.limiter.core.breaker.Breaker;
import dev.limiter.core.breaker.BreakerListener;
import dev.limiter.core.breaker.BreakerState;
import dev.limiter.core.breaker.SreBreaker;
import dev.limiter.core.breaker.ThresholdBreaker;
import dev.limiter.core.ratelimit.RateLimitStore;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * The model behind the live dashboard: a bounded history of every rate limiter, circuit breaker and load shedder
 * (one sample a second, {@link #CAPACITY} samples), the top keys of each rate limiter, the rate-limit store's state
 * and a tail of events (breaker state changes, configuration writes).
 * <p>
 * Sampling runs only while someone watches: from the first {@link #watch viewer} or {@link #poll poll} until no
 * viewer is left and nobody polled for {@link #POLL_GRACE}. Meanwhile rate limiters count their decisions and keys
 * on the request thread, allocating nothing; while nobody watches they count nothing. Breaker state changes are
 * recorded always (they are rare). Each sample is rendered to JSON once and handed to every viewer.
 * Thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class LimiterDashboard implements AutoCloseable {

	/** Samples kept: five minutes at one a second. */
	public static final int CAPACITY = 300;

	/** How long a poller counts as watching after its last poll. */
	public static final Duration POLL_GRACE = Duration.ofSeconds(15);

	private static final Logger logger = LoggerFactory.getLogger(LimiterDashboard.class);

	private static final int EVENTS = 100;

	private static final int RECENT_TICKS = 15;

	private static final double TOP_KEYS_DECAY = 0.7;

	private static final int HEARTBEAT_TICKS = 15;

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final List<Probe> probes = new ArrayList<>();

	private final List<RateLimiterTap> taps = new ArrayList<>();

	private final int width;

	private final int topKeys;

	private final @Nullable RateLimitStore store;

	private final BooleanSupplier controls;

	private final Clock clock;

	private final List<Viewer> viewers = new CopyOnWriteArrayList<>();

	private final Deque<Event> events = new ArrayDeque<>();

	private final Deque<Tick> recentTicks = new ArrayDeque<>();

	private @Nullable HistoryRing history;

	private @Nullable ScheduledExecutorService sampler;

	private long seq;

	/** Read and written by the sampler thread only. */
	private int ticksSinceHeartbeat;

	private long eventSeq;

	private long eventsSent;

	private long lastTickNanos;

	private long lastPollNanos;

	private boolean polled;

	private boolean metaChanged;

	private boolean active;

	private boolean background = true;

	/**
	 * Creates the dashboard and puts a tap in front of every rate limiter's store.
	 * @param rateLimiters the rate limiters
	 * @param breakers the circuit breakers
	 * @param shedders the load shedders
	 * @param shadow says which rate limiters run in shadow mode, by name
	 * @param thresholds the failure-rate and slow-call-rate thresholds of a threshold breaker, by name
	 * @param store the rate-limit store, or {@code null} when there is none
	 * @param controls says whether the endpoint's write operations are available, so the page shows controls
	 * @param topKeys how many keys to keep per rate limiter, at most {@value TopKeys#MAX_SIZE}
	 * @param clock the clock
	 */
	public LimiterDashboard(RateLimiterRegistry rateLimiters, CircuitBreakerRegistry breakers,
			LoadShedderRegistry shedders, Predicate<String> shadow, Function<String, double @Nullable []> thresholds,
			@Nullable RateLimitStore store,
			BooleanSupplier controls, int topKeys, Clock clock) {
		this.store = store;
		this.controls = Objects.requireNonNull(controls, "controls must not be null");
		this.clock = Objects.requireNonNull(clock, "clock must not be null");
		this.topKeys = topKeys;
		rateLimiters.decorateStores((name, current) -> {
			RateLimiterTap tap = new RateLimiterTap(current, shadow.test(name), topKeys);
			this.taps.add(tap);
			this.probes.add(new Probes.RateLimiterProbe(name, rateLimiters, tap));
			return tap;
		});
		BreakerListener listener = new BreakerListener() {

			@Override
			public void onStateChange(Breaker breaker, BreakerState from, BreakerState to) {
				event("state", breaker.name(), Probes.state(from) + " \u2192 " + Probes.state(to));
			}

		};
		breakers.all().forEach((name, breaker) -> {
			this.probes.add(new Probes.BreakerProbe(name, breaker, thresholds.apply(name), breakers.isShadow(name)));
			if (breaker instanceof ThresholdBreaker threshold) {
				threshold.addListener(listener);
			}
			else if (breaker instanceof SreBreaker sre) {
				sre.addListener(listener);
			}
		});
		shedders.all()
			.forEach((name, shedder) ->
					this.probes.add(new Probes.ShedderProbe(name, shedder, shedders.isShadow(name))));
		int offset = 0;
		for (Probe probe : this.probes) {
			probe.offset = offset;
			offset += probe.series().length;
		}
		this.width = offset;
	}

	/**
	 * Returns whether the endpoint's write operations are available on the web, so that the page may show controls
	 * to those allowed to write.
	 * @return whether writes are possible
	 */
	public boolean controls() {
		return this.controls.getAsBoolean();
	}

	/**
	 * Returns whether samples are being taken.
	 * @return whether someone watches
	 */
	public synchronized boolean sampling() {
		return this.active;
	}

	/**
	 * Adds a viewer, which gets every sample from now on, and starts sampling if needed.
	 * @param viewer the viewer
	 * @param controls whether the viewer may use the endpoint's write operations
	 * @return the snapshot to show first; the viewer gets the samples after it
	 */
	public synchronized Snapshot watch(Viewer viewer, boolean controls) {
		start();
		this.viewers.add(viewer);
		return new Snapshot(this.seq, snapshot(controls));
	}

	/**
	 * Removes a viewer; sampling stops at the next tick when nobody else watches.
	 * @param viewer the viewer
	 */
	public void unwatch(Viewer viewer) {
		this.viewers.remove(viewer);
	}

	/**
	 * Answers a poll: the samples after {@code since} when they are still at hand, else a snapshot. Keeps sampling
	 * for {@link #POLL_GRACE}.
	 * @param since the sequence number of the last sample the poller has, or a negative number for none
	 * @param controls whether the poller may use the endpoint's write operations
	 * @return {@code {"ticks":[...]}} or {@code {"snapshot":{...}}}
	 */
	public synchronized String poll(long since, boolean controls) {
		this.lastPollNanos = this.clock.nanoTime();
		this.polled = true;
		start();
		boolean continuous = since >= 0 && since <= this.seq && (this.recentTicks.isEmpty() ? since == this.seq
				: this.recentTicks.peekFirst().seq() <= since + 1);
		if (continuous) {
			return render((json) -> {
				json.writeStartObject().writeName("ticks").writeStartArray();
				for (Tick tick : this.recentTicks) {
					if (tick.seq() > since) {
						json.writeRawValue(tick.json());
					}
				}
				json.writeEndArray().writeEndObject();
			});
		}
		String snapshot = snapshot(controls);
		return render((json) -> json.writeStartObject().writeName("snapshot").writeRawValue(snapshot).writeEndObject());
	}

	/**
	 * Records a configuration write (or any other event) in the tail.
	 * @param kind a short kind, such as "write" or "state"
	 * @param name the instance's name
	 * @param text what happened
	 */
	public synchronized void event(String kind, String name, String text) {
		this.events.addLast(new Event(++this.eventSeq, this.clock.currentTimeMillis(), kind, name, text));
		if (this.events.size() > EVENTS) {
			this.events.removeFirst();
		}
		this.metaChanged = true;
	}

	private void start() {
		if (this.history == null) {
			this.history = new HistoryRing(CAPACITY, this.width);
		}
		if (!this.active) {
			this.taps.forEach((tap) -> tap.watch(true));
			this.lastTickNanos = this.clock.nanoTime();
			this.active = true;
		}
		if (this.background && this.sampler == null) {
			ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor((runnable) -> {
				Thread thread = new Thread(runnable, "limiter-dashboard");
				thread.setDaemon(true);
				return thread;
			});
			executor.scheduleAtFixedRate(this::tickSafely, 1, 1, TimeUnit.SECONDS);
			this.sampler = executor;
		}
	}

	/** Leaves sampling to explicit {@link #tick()} calls (tests). */
	synchronized void sampleInForeground() {
		this.background = false;
	}

	private void tickSafely() {
		try {
			if (this.ticksSinceHeartbeat++ % HEARTBEAT_TICKS == 0) {
				heartbeat();
			}
			if (!tick()) {
				synchronized (this) {
					if (this.sampler != null && !this.active) {
						this.sampler.shutdown();
						this.sampler = null;
					}
				}
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Dashboard sample failed", ex);
		}
	}

	/**
	 * Takes one sample and sends it to every viewer, or stops sampling when nobody watches any more.
	 * @return whether a sample was taken
	 */
	boolean tick() {
		Tick tick;
		synchronized (this) {
			long now = this.clock.nanoTime();
			if (this.polled && now - this.lastPollNanos > POLL_GRACE.toNanos()) {
				this.polled = false;
			}
			if (this.history == null || this.viewers.isEmpty() && !this.polled) {
				if (this.active) {
					this.taps.forEach((tap) -> tap.watch(false));
					this.active = false;
				}
				return false;
			}
			double seconds = Math.max(1e-3, (now - this.lastTickNanos) / 1e9);
			this.lastTickNanos = now;
			float[] row = this.history.next();
			for (Probe probe : this.probes) {
				probe.sample(row, probe.offset, seconds);
			}
			long time = this.clock.currentTimeMillis();
			this.history.commit(time);
			this.seq++;
			tick = new Tick(this.seq, renderTick(row, time));
			this.recentTicks.addLast(tick);
			if (this.recentTicks.size() > RECENT_TICKS) {
				this.recentTicks.removeFirst();
			}
			for (RateLimiterTap tap : this.taps) {
				tap.topKeys().decay(TOP_KEYS_DECAY);
			}
		}
		for (Viewer viewer : this.viewers) {
			if (!viewer.send(tick.seq(), tick.json())) {
				this.viewers.remove(viewer);
			}
		}
		return true;
	}

	/**
	 * Sends a heartbeat to every viewer, dropping those that are gone.
	 */
	public void heartbeat() {
		for (Viewer viewer : this.viewers) {
			if (!viewer.heartbeat()) {
				this.viewers.remove(viewer);
			}
		}
	}

	private String renderTick(float[] row, long time) {
		return render((json) -> {
			json.writeStartObject().writeNumberProperty("seq", this.seq).writeNumberProperty("t", time);
			json.writeName("v");
			writeRow(json, row);
			writeTopKeys(json);
			writeStore(json);
			json.writeName("events").writeStartArray();
			for (Event event : this.events) {
				if (event.seq() > this.eventsSent) {
					writeEvent(json, event);
				}
			}
			json.writeEndArray();
			this.eventsSent = this.eventSeq;
			if (this.metaChanged) {
				writeProtectors(json);
				this.metaChanged = false;
			}
			json.writeEndObject();
		});
	}

	private String snapshot(boolean controls) {
		HistoryRing history = Objects.requireNonNull(this.history);
		int size = history.size();
		return render((json) -> {
			json.writeStartObject()
				.writeNumberProperty("seq", this.seq)
				.writeNumberProperty("capacity", CAPACITY)
				.writeBooleanProperty("controls", controls && controls());
			writeProtectors(json);
			json.writeName("t").writeStartArray();
			for (int i = 0; i < size; i++) {
				json.writeNumber(history.time(i));
			}
			json.writeEndArray();
			json.writeName("columns").writeStartArray();
			for (int column = 0; column < this.width; column++) {
				json.writeStartArray();
				for (int i = 0; i < size; i++) {
					writeNumber(json, history.row(i)[column]);
				}
				json.writeEndArray();
			}
			json.writeEndArray();
			writeTopKeys(json);
			writeStore(json);
			json.writeName("events").writeStartArray();
			this.events.forEach((event) -> writeEvent(json, event));
			json.writeEndArray().writeEndObject();
		});
	}

	private static String render(Consumer<JsonGenerator> body) {
		StringWriter out = new StringWriter(256);
		try (JsonGenerator json = JSON.createGenerator(out)) {
			body.accept(json);
		}
		return out.toString();
	}

	private static void writeRow(JsonGenerator json, float[] row) {
		json.writeStartArray();
		for (float value : row) {
			writeNumber(json, value);
		}
		json.writeEndArray();
	}

	/** Writes NaN (no value) as null, and whole numbers without a fraction. */
	static void writeNumber(JsonGenerator json, double value) {
		if (Double.isNaN(value) || Double.isInfinite(value)) {
			json.writeNull();
		}
		else if (value == Math.rint(value) && Math.abs(value) < 1e15) {
			json.writeNumber((long) value);
		}
		else {
			json.writeNumber((float) value);
		}
	}

	private void writeProtectors(JsonGenerator json) {
		json.writeName("protectors").writeStartArray();
		for (Probe probe : this.probes) {
			json.writeStartObject()
				.writeStringProperty("kind", probe.kind())
				.writeStringProperty("name", probe.name())
				.writeNumberProperty("offset", probe.offset);
			json.writeName("series").writeArray(probe.series(), 0, probe.series().length);
			json.writeName("meta").writeStartObject();
			probe.meta(json);
			json.writeEndObject().writeEndObject();
		}
		json.writeEndArray();
	}

	private void writeTopKeys(JsonGenerator json) {
		json.writeName("top").writeStartObject();
		for (Probe probe : this.probes) {
			if (probe instanceof Probes.RateLimiterProbe limiter) {
				List<TopKeys.Entry> top = limiter.tap().topKeys().top(this.topKeys);
				if (!top.isEmpty()) {
					json.writeName(limiter.name()).writeStartArray();
					for (TopKeys.Entry entry : top) {
						json.writeStartArray()
							.writeString(shownKey(limiter.name(), entry.key()))
							.writeNumber(Math.round(entry.share() * 1000) / 1000.0)
							.writeEndArray();
					}
					json.writeEndArray();
				}
			}
		}
		json.writeEndObject();
	}

	/** Store keys start with the limiter's name and a colon; the page shows the rest, cut at 80 characters. */
	static String shownKey(String limiter, String key) {
		String shown = (key.startsWith(limiter) && key.length() > limiter.length()
				&& key.charAt(limiter.length()) == ':') ? key.substring(limiter.length() + 1) : key;
		return (shown.length() > 80) ? shown.substring(0, 80) + "\u2026" : shown;
	}

	private void writeStore(JsonGenerator json) {
		json.writeName("store").writeStartObject();
		if (this.store != null) {
			Probes.storeState(this.store).forEach((name, value) -> {
				if (value instanceof Boolean flag) {
					json.writeBooleanProperty(name, flag);
				}
				else {
					json.writeStringProperty(name, String.valueOf(value));
				}
			});
		}
		json.writeEndObject();
	}

	private static void writeEvent(JsonGenerator json, Event event) {
		json.writeStartObject()
			.writeNumberProperty("t", event.time())
			.writeStringProperty("kind", event.kind())
			.writeStringProperty("name", event.name())
			.writeStringProperty("text", event.text())
			.writeEndObject();
	}

	/**
	 * Returns the name of one watched instance, to check write access with.
	 * @return a name, or {@code null} when nothing is watched
	 */
	public @Nullable String anyName() {
		return this.probes.isEmpty() ? null : this.probes.get(0).name();
	}

	/**
	 * Returns the names of the watched instances with their kinds, in page order.
	 * @return kind and name of each instance
	 */
	public Map<String, String> protectors() {
		Map<String, String> protectors = new LinkedHashMap<>();
		this.probes.forEach((probe) -> protectors.put(probe.kind() + ":" + probe.name(), probe.kind()));
		return protectors;
	}

	@Override
	public synchronized void close() {
		if (this.sampler != null) {
			this.sampler.shutdownNow();
			this.sampler = null;
		}
		this.viewers.clear();
		this.taps.forEach((tap) -> tap.watch(false));
		this.active = false;
	}

	/**
	 * Someone watching the dashboard: gets each sample as JSON.
	 */
	public interface Viewer {

		/**
		 * Sends one sample; called on the sampler thread.
		 * @param seq the sample's sequence number
		 * @param json the sample
		 * @return {@code false} when the viewer is gone
		 */
		boolean send(long seq, String json);

		/**
		 * Sends a heartbeat.
		 * @return {@code false} when the viewer is gone
		 */
		boolean heartbeat();

	}

	/** One sampled instance: its series and how to read them. */
	abstract static class Probe {

		int offset;

		private final String kind;

		private final String name;

		private final String[] series;

		Probe(String kind, String name, String[] series) {
			this.kind = kind;
			this.name = name;
			this.series = series;
		}

		final String kind() {
			return this.kind;
		}

		final String name() {
			return this.name;
		}

		final String[] series() {
			return this.series;
		}

		abstract void sample(float[] row, int at, double seconds);

		abstract void meta(JsonGenerator json);

	}

	private record Event(long seq, long time, String kind, String name, String text) {
	}

	private record Tick(long seq, String json) {
	}

	/**
	 * What a new viewer sees first.
	 * @param seq the sequence number of the last sample in it
	 * @param json the history, instances, top keys, store state and events
	 */
	public record Snapshot(long seq, String json) {
	}

	static String lower(Enum<?> value) {
		return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

}
