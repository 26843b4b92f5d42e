package dev.limiter.boot.metrics;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LimiterKind;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.core.breaker.Breaker;
import dev.limiter.core.breaker.BreakerState;
import dev.limiter.core.breaker.SreBreaker;
import dev.limiter.core.breaker.ThresholdBreaker;
import dev.limiter.core.shedding.AdaptiveConcurrencyLimiter;
import dev.limiter.core.shedding.AdaptiveShedder;
import dev.limiter.core.shedding.CappedShedder;
import dev.limiter.core.shedding.ConcurrencyLimiter;
import dev.limiter.core.shedding.Shedder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * Limiter's Micrometer meters, tagged by instance name and kind, never by key, address or path:
 * <ul>
 * <li>{@code limiter.calls} (counter; tags {@code name}, {@code kind} = rate-limiter | circuit-breaker |
 * load-shedder, {@code outcome} = permitted | rejected | shadow-rejected | fallback);</li>
 * <li>{@code limiter.key.failures} (counter; tags {@code name}, {@code kind}): calls whose key expression threw,
 * counted under the shared key {@code "-"};</li>
 * <li>{@code limiter.breaker.state} (gauge, 1 for the breaker's current {@code state} tag, else 0);
 * {@code limiter.breaker.drop.ratio} (adaptive breakers); {@code limiter.breaker.failure.rate} and
 * {@code limiter.breaker.slow.call.rate} (threshold breakers; -1 while the window holds fewer than the minimum
 * number of calls);</li>
 * <li>{@code limiter.shedder.cpu} (CPU usage an adaptive shedder sees, 0..1) and {@code limiter.shedder.in.flight}
 * (calls in flight; of the concurrency cap when there is one); {@code limiter.shedder.limit} (the limit an
 * adaptive-concurrency shedder has learnt).</li>
 * </ul>
 * Counters of the configured instances are registered up front, so recording a call looks up an existing counter
 * and allocates nothing. Thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class LimiterMetrics implements LimiterCallListener {

	private static final LimiterCallListener.Outcome[] OUTCOMES = LimiterCallListener.Outcome.values();

	private final MeterRegistry registry;

	private final Map<LimiterKind, Map<String, Counter[]>> counters = new EnumMap<>(LimiterKind.class);

	private final Map<LimiterKind, Map<String, Counter>> keyFailures = new EnumMap<>(LimiterKind.class);

	/**
	 * Creates the meters of the configured instances.
	 * @param registry where to register the meters
	 * @param rateLimiters the rate limiters
	 * @param breakers the circuit breakers
	 * @param shedders the load shedders
	 */
	public LimiterMetrics(MeterRegistry registry, RateLimiterRegistry rateLimiters, CircuitBreakerRegistry breakers,
			LoadShedderRegistry shedders) {
		this.registry = Objects.requireNonNull(registry, "registry must not be null");
		for (LimiterKind kind : LimiterKind.values()) {
			this.counters.put(kind, new ConcurrentHashMap<>());
			this.keyFailures.put(kind, new ConcurrentHashMap<>());
		}
		rateLimiters.names().forEach((name) -> {
			counters(LimiterKind.RATE_LIMITER, name);
			keyFailures(LimiterKind.RATE_LIMITER, name);
		});
		breakers.all().forEach((name, breaker) -> {
			counters(LimiterKind.CIRCUIT_BREAKER, name);
			bindBreaker(name, breaker);
		});
		shedders.all().forEach((name, shedder) -> {
			counters(LimiterKind.LOAD_SHEDDER, name);
			bindShedder(name, shedder);
		});
	}

	@Override
	public void onCall(LimiterKind kind, String name, Outcome outcome) {
		Counter[] byOutcome = this.counters.get(kind).get(name);
		if (byOutcome == null) {
			byOutcome = counters(kind, name);
		}
		byOutcome[outcome.ordinal()].increment();
	}

	@Override
	public void onKeyFailure(LimiterKind kind, String name) {
		Counter failures = this.keyFailures.get(kind).get(name);
		if (failures == null) {
			failures = keyFailures(kind, name);
		}
		failures.increment();
	}

	private Counter keyFailures(LimiterKind kind, String name) {
		return this.keyFailures.get(kind)
			.computeIfAbsent(name, (key) -> Counter.builder("limiter.key.failures")
				.description("Calls whose key expression failed, counted under the shared key '-'")
				.tags(Tags.of("name", key, "kind", tag(kind)))
				.register(this.registry));
	}

	private Counter[] counters(LimiterKind kind, String name) {
		return this.counters.get(kind).computeIfAbsent(name, (key) -> {
			Counter[] byOutcome = new Counter[OUTCOMES.length];
			for (Outcome outcome : OUTCOMES) {
				byOutcome[outcome.ordinal()] = Counter.builder("limiter.calls")
					.description("Calls decided by limiter's rate limiters, circuit breakers and load shedders")
					.tags(Tags.of("name", key, "kind", tag(kind), "outcome", outcome.tag()))
					.register(this.registry);
			}
			return byOutcome;
		});
	}

	private void bindBreaker(String name, Breaker breaker) {
		for (BreakerState state : BreakerState.values()) {
			Gauge.builder("limiter.breaker.state", breaker, (b) -> (b.state() == state) ? 1 : 0)
				.description("Whether the circuit breaker is in the state (1) or not (0)")
				.tags("name", name, "state", state.name().toLowerCase().replace('_', '-'))
				.register(this.registry);
		}
		if (breaker instanceof SreBreaker sre) {
			Gauge.builder("limiter.breaker.drop.ratio", sre, SreBreaker::dropRatio)
				.description("Share of calls an adaptive circuit breaker drops now")
				.tags("name", name)
				.register(this.registry);
		}
		if (breaker instanceof ThresholdBreaker threshold) {
			Gauge.builder("limiter.breaker.failure.rate", threshold, ThresholdBreaker::failureRate)
				.description("Failure rate over a threshold circuit breaker's window")
				.tags("name", name)
				.register(this.registry);
			Gauge.builder("limiter.breaker.slow.call.rate", threshold, ThresholdBreaker::slowCallRate)
				.description("Slow-call rate over a threshold circuit breaker's window")
				.tags("name", name)
				.register(this.registry);
		}
	}

	private void bindShedder(String name, Shedder shedder) {
		Shedder inner = shedder;
		if (shedder instanceof CappedShedder capped) {
			inFlight(name, capped.cap(), ConcurrencyLimiter::inFlight);
			inner = capped.shedder();
		}
		else if (shedder instanceof ConcurrencyLimiter cap) {
			inFlight(name, cap, ConcurrencyLimiter::inFlight);
		}
		if (inner instanceof AdaptiveConcurrencyLimiter adaptive) {
			Gauge.builder("limiter.shedder.limit", adaptive, AdaptiveConcurrencyLimiter::limit)
				.description("Limit on calls in flight an adaptive-concurrency load shedder has learnt")
				.tags("name", name)
				.register(this.registry);
			if (inner == shedder) {
				inFlight(name, adaptive, AdaptiveConcurrencyLimiter::inFlight);
			}
		}
		if (inner instanceof AdaptiveShedder adaptive) {
			Gauge.builder("limiter.shedder.cpu", adaptive, AdaptiveShedder::cpuUsage)
				.description("CPU usage a load shedder sees, from 0 to 1")
				.tags("name", name)
				.register(this.registry);
			if (inner == shedder) {
				inFlight(name, adaptive, AdaptiveShedder::inFlight);
			}
		}
	}

	private <T> void inFlight(String name, T shedder, java.util.function.ToDoubleFunction<T> inFlight) {
		Gauge.builder("limiter.shedder.in.flight", shedder, inFlight)
			.description("Calls in flight through a load shedder")
			.tags("name", name)
			.register(this.registry);
	}

	private static String tag(LimiterKind kind) {
		return kind.name().toLowerCase().replace('_', '-');
	}

}
