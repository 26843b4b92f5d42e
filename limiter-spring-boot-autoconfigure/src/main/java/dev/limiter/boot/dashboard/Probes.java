package dev.limiter.boot.dashboard;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.core.breaker.Breaker;
import dev.limiter.core.breaker.BreakerState;
import dev.limiter.core.breaker.SreBreaker;
import dev.limiter.core.breaker.ThresholdBreaker;
import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.RateLimitStore;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.ratelimit.SlidingWindowSpec;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore;
import dev.limiter.core.shedding.AdaptiveConcurrencyLimiter;
import dev.limiter.core.shedding.AdaptiveShedder;
import dev.limiter.core.shedding.CappedShedder;
import dev.limiter.core.shedding.ConcurrencyLimiter;
import dev.limiter.core.shedding.Shedder;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonGenerator;

import org.springframework.util.ClassUtils;

/**
 * How the dashboard reads each kind of instance: the series it samples each second and the description it shows.
 */
final class Probes {

	private static final boolean REDIS_PRESENT = ClassUtils
		.isPresent("org.springframework.data.redis.connection.RedisConnectionFactory", Probes.class.getClassLoader());

	private static final BreakerState[] STATES = BreakerState.values();

	private Probes() {
	}

	static String state(BreakerState state) {
		return LimiterDashboard.lower(state);
	}

	static String mode(boolean shadow) {
		return shadow ? "shadow" : "enforce";
	}

	/**
	 * Describes the rate-limit store: its type and, for Redis, whether Redis answers and what happens when not.
	 */
	static Map<String, Object> storeState(RateLimitStore store) {
		Map<String, Object> state = new LinkedHashMap<>();
		if (REDIS_PRESENT && RedisState.describe(store, state)) {
			return state;
		}
		state.put("type", store.getClass().getSimpleName());
		return state;
	}

	/** Kept apart so that nothing loads the Redis store's class when Spring Data Redis is absent. */
	private static final class RedisState {

		static boolean describe(RateLimitStore store, Map<String, Object> state) {
			if (!(store instanceof RedisRateLimitStore redis)) {
				return false;
			}
			boolean available = redis.isAvailable();
			state.put("type", "redis");
			state.put("available", available);
			state.put("failurePolicy", LimiterDashboard.lower(redis.failurePolicy()));
			state.put("deciding", available ? "redis" : "fallback: " + LimiterDashboard.lower(redis.failurePolicy()));
			return true;
		}

	}

	/** Calls per second by outcome, and the spec. */
	static final class RateLimiterProbe extends LimiterDashboard.Probe {

		private static final String[] SERIES = { "permitted", "rejected", "shadow-rejected" };

		private final RateLimiterRegistry registry;

		private final RateLimiterTap tap;

		RateLimiterProbe(String name, RateLimiterRegistry registry, RateLimiterTap tap) {
			super("rate-limiter", name, SERIES);
			this.registry = registry;
			this.tap = tap;
		}

		RateLimiterTap tap() {
			return this.tap;
		}

		@Override
		void sample(float[] row, int at, double seconds) {
			row[at] = (float) (this.tap.takePermitted() / seconds);
			row[at + 1] = (float) (this.tap.takeRejected() / seconds);
			row[at + 2] = (float) (this.tap.takeShadowRejected() / seconds);
		}

		@Override
		void meta(JsonGenerator json) {
			json.writeStringProperty("mode", mode(this.tap.shadow()));
			RateLimiter limiter = this.registry.find(name());
			if (limiter == null) {
				return;
			}
			LimitSpec spec = limiter.spec();
			if (spec instanceof TokenBucketSpec bucket) {
				json.writeStringProperty("algorithm", "token-bucket")
					.writeNumberProperty("limit", bucket.limit())
					.writeStringProperty("period", bucket.period().toString())
					.writeNumberProperty("burst", bucket.burst());
			}
			else if (spec instanceof FixedWindowSpec window) {
				json.writeStringProperty("algorithm", "fixed-window")
					.writeNumberProperty("limit", window.quota())
					.writeStringProperty("period", window.period().toString());
			}
			else if (spec instanceof SlidingWindowSpec window) {
				json.writeStringProperty("algorithm", "sliding-window")
					.writeNumberProperty("limit", window.limit())
					.writeStringProperty("period", window.window().toString());
			}
		}

	}

	/** The state (as a number: {@link BreakerState} ordinal) and the rates the breaker decides on. */
	static final class BreakerProbe extends LimiterDashboard.Probe {

		private static final String[] THRESHOLD_SERIES = { "state", "failure-rate", "slow-call-rate" };

		private static final String[] ADAPTIVE_SERIES = { "state", "drop-ratio" };

		private static final String[] OTHER_SERIES = { "state" };

		private final Breaker breaker;

		private final double @Nullable [] thresholds;

		private final boolean shadow;

		BreakerProbe(String name, Breaker breaker, double @Nullable [] thresholds, boolean shadow) {
			super("circuit-breaker", name, series(breaker));
			this.breaker = breaker;
			this.thresholds = thresholds;
			this.shadow = shadow;
		}

		private static String[] series(Breaker breaker) {
			if (breaker instanceof ThresholdBreaker) {
				return THRESHOLD_SERIES;
			}
			return (breaker instanceof SreBreaker) ? ADAPTIVE_SERIES : OTHER_SERIES;
		}

		@Override
		void sample(float[] row, int at, double seconds) {
			row[at] = this.breaker.state().ordinal();
			if (this.breaker instanceof ThresholdBreaker threshold) {
				row[at + 1] = rate(threshold.failureRate());
				row[at + 2] = rate(threshold.slowCallRate());
			}
			else if (this.breaker instanceof SreBreaker sre) {
				row[at + 1] = (float) sre.dropRatio();
			}
		}

		private static float rate(double rate) {
			return (rate < 0) ? Float.NaN : (float) rate;
		}

		@Override
		void meta(JsonGenerator json) {
			String type = (this.breaker instanceof ThresholdBreaker) ? "threshold"
					: (this.breaker instanceof SreBreaker) ? "adaptive" : this.breaker.getClass().getSimpleName();
			json.writeStringProperty("type", type)
				.writeStringProperty("state", state(this.breaker.state()))
				.writeStringProperty("mode", mode(this.shadow));
			if (this.thresholds != null && this.breaker instanceof ThresholdBreaker) {
				json.writeNumberProperty("failureRateThreshold", this.thresholds[0])
					.writeNumberProperty("slowCallRateThreshold", this.thresholds[1]);
			}
			json.writeName("states").writeStartArray();
			for (BreakerState state : STATES) {
				json.writeString(state(state));
			}
			json.writeEndArray();
		}

	}

	/**
	 * CPU usage, calls in flight and the limit on calls in flight: the concurrency cap, the limit an
	 * adaptive-concurrency shedder has learnt, or a CPU shedder's estimated capacity. Series a shedder does not have
	 * are null.
	 */
	static final class ShedderProbe extends LimiterDashboard.Probe {

		private static final String[] SERIES = { "cpu", "in-flight", "limit" };

		private final Shedder shedder;

		private final boolean shadow;

		private final @Nullable AdaptiveShedder cpu;

		private final @Nullable AdaptiveConcurrencyLimiter adaptive;

		private final @Nullable ConcurrencyLimiter cap;

		ShedderProbe(String name, Shedder shedder, boolean shadow) {
			super("load-shedder", name, SERIES);
			this.shedder = shedder;
			this.shadow = shadow;
			Shedder inner = shedder;
			ConcurrencyLimiter cap = null;
			if (shedder instanceof CappedShedder capped) {
				cap = capped.cap();
				inner = capped.shedder();
			}
			else if (shedder instanceof ConcurrencyLimiter limiter) {
				cap = limiter;
			}
			this.cap = cap;
			this.cpu = (inner instanceof AdaptiveShedder cpuShedder) ? cpuShedder : null;
			this.adaptive = (inner instanceof AdaptiveConcurrencyLimiter limiter) ? limiter : null;
		}

		@Override
		void sample(float[] row, int at, double seconds) {
			row[at] = (this.cpu != null) ? (float) this.cpu.cpuUsage() : Float.NaN;
			row[at + 1] = inFlight();
			row[at + 2] = limit();
		}

		private float inFlight() {
			if (this.cap != null) {
				return this.cap.inFlight();
			}
			if (this.adaptive != null) {
				return this.adaptive.inFlight();
			}
			return (this.cpu != null) ? this.cpu.inFlight() : Float.NaN;
		}

		private float limit() {
			float limit = (this.cap != null) ? this.cap.maxConcurrency() : Float.NaN;
			if (this.adaptive != null) {
				limit = Float.isNaN(limit) ? this.adaptive.limit() : Math.min(limit, this.adaptive.limit());
			}
			else if (this.cpu != null && Float.isNaN(limit)) {
				limit = (float) this.cpu.maxFlight();
			}
			return limit;
		}

		@Override
		void meta(JsonGenerator json) {
			String type = (this.adaptive != null) ? "adaptive-concurrency" : (this.cpu != null) ? "adaptive"
					: (this.cap != null) ? "concurrency" : this.shedder.getClass().getSimpleName();
			json.writeStringProperty("type", type).writeStringProperty("mode", mode(this.shadow));
			if (this.cpu != null) {
				json.writeNumberProperty("cpuThreshold", this.cpu.cpuThreshold());
			}
			if (this.cap != null) {
				json.writeNumberProperty("maxConcurrency", this.cap.maxConcurrency());
			}
			String limitKind = (this.adaptive != null) ? "learnt"
					: (this.cap != null) ? "max-concurrency" : (this.cpu != null) ? "estimated capacity" : null;
			if (limitKind != null) {
				json.writeStringProperty("limitKind", limitKind);
			}
		}

	}

}
