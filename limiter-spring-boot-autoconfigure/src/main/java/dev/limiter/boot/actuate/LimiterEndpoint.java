package dev.limiter.boot.actuate;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.core.breaker.Breaker;
import dev.limiter.core.breaker.BreakerControls;
import dev.limiter.core.breaker.SreBreaker;
import dev.limiter.core.breaker.ThresholdBreaker;
import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.RateLimitStore;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.ratelimit.SlidingWindowSpec;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import dev.limiter.core.shedding.AdaptiveConcurrencyLimiter;
import dev.limiter.core.shedding.AdaptiveShedder;
import dev.limiter.core.shedding.CappedShedder;
import dev.limiter.core.shedding.ConcurrencyLimiter;
import dev.limiter.core.shedding.Shedder;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

/**
 * The {@code limiter} actuator endpoint: the configuration and live state of every rate limiter, circuit breaker
 * and load shedder ({@code GET /actuator/limiter}), or of those with one name ({@code GET /actuator/limiter/{name}});
 * and changes ({@code POST /actuator/limiter/{name}}):
 * <ul>
 * <li>a rate limiter's {@code limit} (the quota of a fixed window), {@code period} (the window of a sliding window)
 * and {@code burst} (token buckets): the limiter gets the new spec at once, keys keep the state the store carries
 * over, and the change lasts until restart;</li>
 * <li>a circuit breaker's {@code action}: {@code force-open}, {@code force-closed}, {@code disable} or {@code reset}.
 * Threshold and adaptive breakers support every action.</li>
 * </ul>
 * A write is checked whole before anything changes: a value that does not fit, or an action the breaker does not
 * support, is a 400 and changes nothing. Writes to one name apply one after the other, so concurrent writes of
 * different fields all take effect. A name no instance has is a 404, for writes as for reads.
 *
 * @author limiter
 * @since 0.1.0
 */
@Endpoint(id = "limiter")
public class LimiterEndpoint {

	private final RateLimiterRegistry rateLimiters;

	private final CircuitBreakerRegistry breakers;

	private final LoadShedderRegistry shedders;

	private final Predicate<String> shadow;

	private final @Nullable RateLimitStore store;

	/** One lock per configured name: writes to a name read, check and replace its state as one step. */
	private final Map<String, Object> writeLocks = new ConcurrentHashMap<>();

	/**
	 * Creates the endpoint.
	 * @param rateLimiters the rate limiters
	 * @param breakers the circuit breakers
	 * @param shedders the load shedders
	 * @param shadow says which rate limiters run in shadow mode, by name
	 * @param store the rate-limit store, or {@code null} when there is none
	 */
	public LimiterEndpoint(RateLimiterRegistry rateLimiters, CircuitBreakerRegistry breakers,
			LoadShedderRegistry shedders, Predicate<String> shadow, @Nullable RateLimitStore store) {
		this.rateLimiters = Objects.requireNonNull(rateLimiters, "rateLimiters must not be null");
		this.breakers = Objects.requireNonNull(breakers, "breakers must not be null");
		this.shedders = Objects.requireNonNull(shedders, "shedders must not be null");
		this.shadow = Objects.requireNonNull(shadow, "shadow must not be null");
		this.store = store;
	}

	/**
	 * Describes every instance.
	 * @return the description
	 */
	@ReadOperation
	public LimitersDescriptor limiters() {
		return describe((name) -> true);
	}

	/**
	 * Describes the instances with the given name (a rate limiter, a breaker and a shedder may share one).
	 * @param name the name
	 * @return the description, or {@code null} (404) when no instance has the name
	 */
	@ReadOperation
	public @Nullable LimitersDescriptor limiter(@Selector String name) {
		LimitersDescriptor descriptor = describe(name::equals);
		boolean found = !descriptor.rateLimiters().isEmpty() || !descriptor.circuitBreakers().isEmpty()
				|| !descriptor.loadShedders().isEmpty();
		return found ? descriptor : null;
	}

	/**
	 * Changes the rate limiter and acts on the circuit breaker of the given name: all of it, or (400) nothing.
	 * @param name the name
	 * @param limit the rate limiter's new limit (or quota), or {@code null} to keep it
	 * @param period the rate limiter's new period (or sliding window), or {@code null} to keep it
	 * @param burst the token bucket's new burst, or {@code null} to keep it
	 * @param action what to do to the circuit breaker, or {@code null} for nothing
	 * @return the instances of that name afterwards, or a 404 when none has the name
	 * @throws InvalidEndpointRequestException (400) when a value does not fit or an action is not supported
	 */
	@WriteOperation
	public WebEndpointResponse<LimitersDescriptor> update(@Selector String name, @Nullable Long limit,
			@Nullable Duration period, @Nullable Long burst, @Nullable BreakerAction action) {
		if (!exists(name)) {
			return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
		}
		synchronized (writeLock(name)) {
			LimitSpec spec = null;
			if (limit != null || period != null || burst != null) {
				RateLimiter limiter = this.rateLimiters.find(name);
				if (limiter == null) {
					throw invalid("There is no rate limiter '" + name + "'");
				}
				if (burst != null && !(limiter.spec() instanceof TokenBucketSpec)) {
					throw invalid("Rate limiter '" + name + "' is not a token bucket: it has no burst");
				}
				try {
					spec = limiter.spec().with(limit, period, burst);
				}
				catch (IllegalArgumentException ex) {
					throw invalid("Invalid change of rate limiter '" + name + "': " + ex.getMessage());
				}
			}
			BreakerControls breaker = (action != null) ? actionable(name, action) : null;
			if (spec != null) {
				this.rateLimiters.update(name, spec);
			}
			if (breaker != null) {
				act(breaker, action);
			}
		}
		return new WebEndpointResponse<>(limiter(name));
	}

	/**
	 * Acts on a circuit breaker.
	 * @param name the breaker's name
	 * @param action what to do
	 * @return the breaker's state afterwards
	 * @throws InvalidEndpointRequestException (400) when there is no such breaker or it does not support the action
	 */
	public BreakerDescriptor updateCircuitBreaker(String name, BreakerAction action) {
		BreakerControls controls = actionable(name, action);
		synchronized (writeLock(name)) {
			act(controls, action);
		}
		return describe(this.breakers.find(name), mode(this.breakers.isShadow(name)));
	}

	private boolean exists(String name) {
		return this.rateLimiters.find(name) != null || this.breakers.find(name) != null
				|| this.shedders.find(name) != null;
	}

	private Object writeLock(String name) {
		// only names of configured instances get here, so the locks are bounded
		return this.writeLocks.computeIfAbsent(name, (key) -> new Object());
	}

	private BreakerControls actionable(String name, BreakerAction action) {
		Breaker breaker = this.breakers.find(name);
		if (breaker == null) {
			throw invalid("There is no circuit breaker '" + name + "'");
		}
		if (!(breaker instanceof BreakerControls controls)) {
			throw invalid("Circuit breaker '" + name + "' does not support " + action);
		}
		return controls;
	}

	private static void act(BreakerControls breaker, BreakerAction action) {
		switch (action) {
			case FORCE_OPEN -> breaker.forceOpen();
			case FORCE_CLOSED -> breaker.forceClosed();
			case DISABLE -> breaker.disable();
			case RESET -> breaker.reset();
		}
	}

	private static InvalidEndpointRequestException invalid(String message) {
		return new InvalidEndpointRequestException(message, message);
	}

	private LimitersDescriptor describe(Predicate<String> names) {
		Map<String, RateLimiterDescriptor> rateLimiters = new LinkedHashMap<>();
		this.rateLimiters.all().forEach((name, limiter) -> {
			if (names.test(name)) {
				rateLimiters.put(name, describe(name, limiter));
			}
		});
		Map<String, BreakerDescriptor> breakers = new LinkedHashMap<>();
		this.breakers.all().forEach((name, breaker) -> {
			if (names.test(name)) {
				breakers.put(name, describe(breaker, mode(this.breakers.isShadow(name))));
			}
		});
		Map<String, ShedderDescriptor> shedders = new LinkedHashMap<>();
		this.shedders.all().forEach((name, shedder) -> {
			if (names.test(name)) {
				shedders.put(name, describe(shedder, mode(this.shedders.isShadow(name))));
			}
		});
		String store = (this.store != null) ? this.store.getClass().getSimpleName() : null;
		return new LimitersDescriptor(store, rateLimiters, breakers, shedders);
	}

	private RateLimiterDescriptor describe(String name, RateLimiter limiter) {
		LimitSpec spec = limiter.spec();
		String mode = mode(this.shadow.test(name));
		Integer leasePermits = (limiter.leasePermits() > 0) ? limiter.leasePermits() : null;
		if (spec instanceof TokenBucketSpec tokenBucket) {
			return new RateLimiterDescriptor("token-bucket", tokenBucket.limit(), tokenBucket.period().toString(),
					tokenBucket.burst(), null, null, leasePermits, mode);
		}
		if (spec instanceof FixedWindowSpec fixedWindow) {
			return new RateLimiterDescriptor("fixed-window", fixedWindow.quota(), fixedWindow.period().toString(),
					null, fixedWindow.align(), fixedWindow.align() ? fixedWindow.zone().getId() : null, leasePermits,
					mode);
		}
		SlidingWindowSpec slidingWindow = (SlidingWindowSpec) spec;
		return new RateLimiterDescriptor("sliding-window", slidingWindow.limit(), slidingWindow.window().toString(),
				null, null, null, leasePermits, mode);
	}

	private static String mode(boolean shadow) {
		return shadow ? "shadow" : "enforce";
	}

	private static BreakerDescriptor describe(Breaker breaker, String mode) {
		String state = breaker.state().name().toLowerCase().replace('_', '-');
		if (breaker instanceof SreBreaker sre) {
			return new BreakerDescriptor("adaptive", state, sre.dropRatio(), null, null, mode);
		}
		if (breaker instanceof ThresholdBreaker threshold) {
			return new BreakerDescriptor("threshold", state, null, threshold.failureRate(), threshold.slowCallRate(),
					mode);
		}
		return new BreakerDescriptor(breaker.getClass().getSimpleName(), state, null, null, null, mode);
	}

	private static ShedderDescriptor describe(Shedder shedder, String mode) {
		Integer maxConcurrency = null;
		Long inFlight = null;
		Shedder inner = shedder;
		if (shedder instanceof CappedShedder capped) {
			maxConcurrency = capped.cap().maxConcurrency();
			inFlight = (long) capped.cap().inFlight();
			inner = capped.shedder();
		}
		else if (shedder instanceof ConcurrencyLimiter cap) {
			return new ShedderDescriptor("concurrency", null, null, (long) cap.inFlight(), cap.maxConcurrency(),
					null, mode);
		}
		if (inner instanceof AdaptiveConcurrencyLimiter adaptive) {
			return new ShedderDescriptor("adaptive-concurrency", null, null,
					(inFlight != null) ? inFlight : adaptive.inFlight(), maxConcurrency, adaptive.limit(), mode);
		}
		if (inner instanceof AdaptiveShedder adaptive) {
			return new ShedderDescriptor("adaptive", adaptive.cpuThreshold(), adaptive.cpuUsage(),
					(inFlight != null) ? inFlight : adaptive.inFlight(), maxConcurrency, null, mode);
		}
		return new ShedderDescriptor(shedder.getClass().getSimpleName(), null, null, inFlight, maxConcurrency, null,
				mode);
	}

	/** What an operator can do to a circuit breaker. */
	public enum BreakerAction {

		/** Refuse every call until released. */
		FORCE_OPEN,

		/** Permit every call, still recording outcomes, until released. */
		FORCE_CLOSED,

		/** Permit every call and record nothing. */
		DISABLE,

		/** Back to closed with an empty window. */
		RESET

	}

	/**
	 * Every described instance.
	 * @param store the rate-limit store's type, or {@code null} when there is none
	 * @param rateLimiters the rate limiters by name
	 * @param circuitBreakers the circuit breakers by name
	 * @param loadShedders the load shedders by name
	 */
	public record LimitersDescriptor(@Nullable String store, Map<String, RateLimiterDescriptor> rateLimiters,
			Map<String, BreakerDescriptor> circuitBreakers,
			Map<String, ShedderDescriptor> loadShedders) implements OperationResponseBody {
	}

	/**
	 * A rate limiter's configuration.
	 * @param algorithm token-bucket, fixed-window or sliding-window
	 * @param limit permits per period (the quota of a fixed window)
	 * @param period the period, or the window of a sliding window (ISO-8601)
	 * @param burst a token bucket's capacity
	 * @param align whether fixed windows are aligned
	 * @param zone the zone of aligned windows
	 * @param leasePermits the most permits of a key one lease takes from the store ({@code lease-permits}), or
	 * {@code null} when every decision asks the store
	 * @param mode enforce or shadow
	 */
	public record RateLimiterDescriptor(String algorithm, long limit, String period, @Nullable Long burst,
			@Nullable Boolean align, @Nullable String zone, @Nullable Integer leasePermits, String mode)
			implements OperationResponseBody {
	}

	/**
	 * A circuit breaker's state.
	 * @param type adaptive or threshold
	 * @param state its state, such as closed or forced-open
	 * @param dropRatio the share of calls an adaptive breaker drops now
	 * @param failureRate a threshold breaker's failure rate (-1 below the minimum number of calls)
	 * @param slowCallRate a threshold breaker's slow-call rate (-1 below the minimum number of calls)
	 * @param mode enforce or shadow
	 */
	public record BreakerDescriptor(String type, String state, @Nullable Double dropRatio, @Nullable Double failureRate,
			@Nullable Double slowCallRate, String mode) implements OperationResponseBody {
	}

	/**
	 * A load shedder's state.
	 * @param type adaptive (CPU), adaptive-concurrency or concurrency
	 * @param cpuThreshold the CPU usage from which calls may be shed (raised for priority shedders)
	 * @param cpuUsage the CPU usage it sees now
	 * @param inFlight calls in flight
	 * @param maxConcurrency the cap on calls in flight, if any
	 * @param limit the limit on calls in flight an adaptive-concurrency shedder has learnt
	 * @param mode enforce or shadow
	 */
	public record ShedderDescriptor(String type, @Nullable Double cpuThreshold, @Nullable Double cpuUsage,
			@Nullable Long inFlight, @Nullable Integer maxConcurrency, @Nullable Integer limit,
			String mode) implements OperationResponseBody {
	}

}
