package dev.limiter.boot.dashboard;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.core.ManualClock;
import dev.limiter.core.breaker.ThresholdBreaker;
import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.InMemoryRateLimitStore;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.shedding.AdaptiveConcurrencyLimiter;
import dev.limiter.core.shedding.ConcurrencyLimiter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard's model on a {@link ManualClock}, sampled by explicit ticks: what it counts, when it samples, how
 * much it keeps.
 */
class LimiterDashboardTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	private final ManualClock clock = new ManualClock();

	private final RateLimiterRegistry rateLimiters = new RateLimiterRegistry(Map.of("api",
			new RateLimiter("api", new FixedWindowSpec(3, Duration.ofMinutes(1), false),
					InMemoryRateLimitStore.builder().clock(this.clock).build())));

	private final ThresholdBreaker breaker = ThresholdBreaker.builder("backend").clock(this.clock).build();

	private final AdaptiveConcurrencyLimiter adaptive = AdaptiveConcurrencyLimiter.builder()
		.name("auto")
		.initialLimit(20)
		.clock(this.clock)
		.build();

	private final LimiterDashboard dashboard = new LimiterDashboard(this.rateLimiters,
			new CircuitBreakerRegistry(Map.of("backend", this.breaker), Set.of()),
			new LoadShedderRegistry(Map.of("auto", this.adaptive, "cap", ConcurrencyLimiter.of("cap", 7)),
					Set.of("cap")),
			(name) -> false, (name) -> new double[] { 0.5, 1.0 }, null, () -> true, 5, this.clock);

	private final Recorder viewer = new Recorder();

	LimiterDashboardTests() {
		this.dashboard.sampleInForeground();
	}

	@AfterEach
	void close() {
		this.dashboard.close();
	}

	@Test
	void nothingIsSampledOrCountedWhileNobodyWatches() {
		call(3);
		assertThat(this.dashboard.tick()).isFalse();
		assertThat(this.dashboard.sampling()).isFalse();
		this.dashboard.watch(this.viewer, true);
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(this.dashboard.tick()).isTrue();
		assertThat(value(this.viewer.last(), "api", 0)).as("calls before the watch are not counted").isZero();
	}

	@Test
	void ratesArePerSecondOfTheTickInterval() {
		this.dashboard.watch(this.viewer, true);
		call(5);
		this.clock.advance(Duration.ofSeconds(2));
		this.dashboard.tick();
		JsonNode tick = this.viewer.last();
		assertThat(value(tick, "api", 0)).as("permitted/s").isEqualTo(1.5);
		assertThat(value(tick, "api", 1)).as("rejected/s").isEqualTo(1.0);
		assertThat(tick.get("top").get("api").get(0).get(0).asString()).isEqualTo("client");
	}

	@Test
	void samplingStopsWhenTheLastViewerLeaves() {
		this.dashboard.watch(this.viewer, true);
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(this.dashboard.tick()).isTrue();
		this.dashboard.unwatch(this.viewer);
		assertThat(this.dashboard.tick()).isFalse();
		assertThat(this.dashboard.sampling()).isFalse();
	}

	@Test
	void aPollerKeepsSamplingAliveForTheGracePeriod() {
		this.dashboard.poll(-1, true);
		this.clock.advance(LimiterDashboard.POLL_GRACE);
		assertThat(this.dashboard.tick()).isTrue();
		this.clock.advance(Duration.ofMillis(1));
		assertThat(this.dashboard.tick()).isFalse();
	}

	@Test
	void historyIsBoundedToFiveMinutes() {
		this.dashboard.watch(this.viewer, true);
		for (int i = 0; i < LimiterDashboard.CAPACITY + 50; i++) {
			this.clock.advance(Duration.ofSeconds(1));
			this.dashboard.tick();
		}
		JsonNode snapshot = json.readTree(this.dashboard.watch(new Recorder(), true).json());
		assertThat(snapshot.get("t").size()).isEqualTo(LimiterDashboard.CAPACITY);
		assertThat(snapshot.get("columns").get(0).size()).isEqualTo(LimiterDashboard.CAPACITY);
		assertThat(snapshot.get("t").get(LimiterDashboard.CAPACITY - 1).asLong())
				.isEqualTo(this.clock.currentTimeMillis());
		assertThat(this.viewer.ticks).hasSize(LimiterDashboard.CAPACITY + 50);
	}

	@Test
	void shedderSeriesShowTheLearntLimitAndTheCap() {
		this.dashboard.watch(this.viewer, true);
		this.clock.advance(Duration.ofSeconds(1));
		this.dashboard.tick();
		JsonNode tick = this.viewer.last();
		assertThat(value(tick, "auto", 0)).as("no CPU series").isNull();
		assertThat(value(tick, "auto", 2)).isEqualTo(this.adaptive.limit());
		assertThat(value(tick, "cap", 2)).isEqualTo(7.0);
		JsonNode snapshot = json.readTree(this.dashboard.watch(new Recorder(), true).json());
		assertThat(protector(snapshot, "auto").get("meta").get("type").asString()).isEqualTo("adaptive-concurrency");
		assertThat(protector(snapshot, "cap").get("meta").get("mode").asString()).isEqualTo("shadow");
	}

	@Test
	void eventsAreSentOnceAndStateChangesAreRecorded() {
		this.dashboard.watch(this.viewer, true);
		this.breaker.forceOpen();
		this.dashboard.event("write", "api", "limit=10");
		this.clock.advance(Duration.ofSeconds(1));
		this.dashboard.tick();
		assertThat(this.viewer.last().get("events")).extracting((event) -> event.get("text").asString())
			.containsExactly("closed \u2192 forced-open", "limit=10");
		assertThat(this.viewer.last().get("protectors")).as("descriptions follow a change").isNotNull();
		assertThat(value(this.viewer.last(), "backend", 0)).isEqualTo(
				dev.limiter.core.breaker.BreakerState.FORCED_OPEN.ordinal());
		this.clock.advance(Duration.ofSeconds(1));
		this.dashboard.tick();
		assertThat(this.viewer.last().get("events")).isEmpty();
		assertThat(this.viewer.last().has("protectors")).isFalse();
	}

	@Test
	void aViewerThatIsGoneIsDropped() {
		this.viewer.gone = true;
		this.dashboard.watch(this.viewer, true);
		this.clock.advance(Duration.ofSeconds(1));
		this.dashboard.tick();
		assertThat(this.dashboard.tick()).as("nobody left").isFalse();
	}

	@Test
	void heartbeatsReachViewersAndFindThoseThatAreGone() {
		Recorder gone = new Recorder();
		gone.gone = true;
		this.dashboard.watch(this.viewer, true);
		this.dashboard.watch(gone, true);
		this.dashboard.heartbeat();
		assertThat(this.viewer.heartbeats).isEqualTo(1);
		assertThat(gone.heartbeats).isEqualTo(1);
		this.dashboard.heartbeat();
		assertThat(gone.heartbeats).as("dropped").isEqualTo(1);
		assertThat(this.viewer.heartbeats).isEqualTo(2);
	}

	@Test
	void longKeysAreCutAndTheLimiterPrefixIsDropped() {
		assertThat(LimiterDashboard.shownKey("api", "api:10.0.0.1")).isEqualTo("10.0.0.1");
		assertThat(LimiterDashboard.shownKey("api", "apix")).isEqualTo("apix");
		assertThat(LimiterDashboard.shownKey("api", "k".repeat(100))).hasSize(81).endsWith("\u2026");
	}

	private void call(int calls) {
		RateLimiter limiter = this.rateLimiters.find("api");
		for (int i = 0; i < calls; i++) {
			limiter.acquire("client");
		}
	}

	private JsonNode protector(JsonNode snapshot, String name) {
		for (JsonNode protector : snapshot.get("protectors")) {
			if (protector.get("name").asString().equals(name)) {
				return protector;
			}
		}
		throw new AssertionError(name);
	}

	private Double value(JsonNode tick, String name, int series) {
		JsonNode snapshot = json.readTree(this.dashboard.poll(-1, true)).get("snapshot");
		int offset = protector(snapshot, name).get("offset").asInt();
		JsonNode value = tick.get("v").get(offset + series);
		return value.isNull() ? null : value.asDouble();
	}

	private static final class Recorder implements LimiterDashboard.Viewer {

		final List<String> ticks = new ArrayList<>();

		boolean gone;

		@Override
		public boolean send(long seq, String json) {
			this.ticks.add(json);
			return !this.gone;
		}

		int heartbeats;

		@Override
		public boolean heartbeat() {
			this.heartbeats++;
			return !this.gone;
		}

		JsonNode last() {
			return json.readTree(this.ticks.get(this.ticks.size() - 1));
		}

	}

}
