package dev.limiter.boot.aop;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;

import dev.limiter.annotation.CircuitBreaker;
import dev.limiter.annotation.LoadShed;
import dev.limiter.annotation.RateLimited;
import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.core.breaker.Breaker;
import dev.limiter.core.breaker.BreakerOpenException;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.shedding.Priority;
import dev.limiter.core.shedding.Shedder;
import org.jspecify.annotations.Nullable;

import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.ClassUtils;

/**
 * What each annotated method needs at call time, resolved once per method (and, for a breaker's fallback, once per
 * bean class: beans inheriting one annotated method each have their own fallback): the named instance, the parsed key
 * expression, the fallback method. Resolving checks everything a call would otherwise discover late: unknown names,
 * keys that do not parse, fallbacks that do not fit, so {@link LimiterAnnotationValidator} can fail start-up.
 * Thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class LimiterMethodPlans {

	private static final SpelExpressionParser PARSER = new SpelExpressionParser();

	private static final boolean REACTOR = ClassUtils.isPresent("reactor.core.publisher.Mono",
			LimiterMethodPlans.class.getClassLoader());

	private final RateLimiterRegistry rateLimiters;

	private final CircuitBreakerRegistry breakers;

	private final LoadShedderRegistry shedders;

	private final Predicate<String> shadow;

	private final Map<Method, RateLimitPlan> rateLimitPlans = new ConcurrentHashMap<>();

	/** By annotated method, then by bean class: a fallback is looked up in the class of the bean called. */
	private final Map<Method, Map<Class<?>, BreakerPlan>> breakerPlans = new ConcurrentHashMap<>();

	private final Map<Method, ShedPlan> shedPlans = new ConcurrentHashMap<>();

	/**
	 * Creates the plans.
	 * @param rateLimiters the rate limiters
	 * @param breakers the circuit breakers
	 * @param shedders the load shedders
	 * @param shadow says which rate limiters run in shadow mode, by name
	 */
	public LimiterMethodPlans(RateLimiterRegistry rateLimiters, CircuitBreakerRegistry breakers,
			LoadShedderRegistry shedders, Predicate<String> shadow) {
		this.rateLimiters = Objects.requireNonNull(rateLimiters, "rateLimiters must not be null");
		this.breakers = Objects.requireNonNull(breakers, "breakers must not be null");
		this.shedders = Objects.requireNonNull(shedders, "shedders must not be null");
		this.shadow = Objects.requireNonNull(shadow, "shadow must not be null");
	}

	/**
	 * Resolves and checks every limiter annotation of a method.
	 * @param method the method, as declared by the bean's class
	 * @param targetClass the bean's class, where a breaker's fallback is looked up
	 * @return whether the method carries any limiter annotation
	 */
	public boolean prepare(Method method, Class<?> targetClass) {
		boolean annotated = false;
		RateLimited rateLimited = method.getAnnotation(RateLimited.class);
		if (rateLimited != null) {
			rateLimit(method, rateLimited);
			annotated = true;
		}
		CircuitBreaker circuitBreaker = method.getAnnotation(CircuitBreaker.class);
		if (circuitBreaker != null) {
			breaker(method, targetClass, circuitBreaker);
			annotated = true;
		}
		LoadShed loadShed = method.getAnnotation(LoadShed.class);
		if (loadShed != null) {
			shed(method, loadShed);
			annotated = true;
		}
		return annotated;
	}

	RateLimitPlan rateLimit(Method method, RateLimited annotation) {
		return this.rateLimitPlans.computeIfAbsent(method, (m) -> {
			String origin = "@RateLimited on method '" + InvalidFallbackMethodException.describe(m) + "'";
			Supplier<RateLimiter> limiter = this.rateLimiters.source(annotation.name(), origin);
			if (annotation.permits() < 1) {
				throw new IllegalStateException(
						"permits must be >= 1 (was " + annotation.permits() + ") in " + origin);
			}
			Expression key = null;
			if (!annotation.key().isBlank()) {
				try {
					key = PARSER.parseExpression(annotation.key());
				}
				catch (ParseException ex) {
					throw new InvalidKeyExpressionException(annotation.key(), origin, ex);
				}
			}
			return new RateLimitPlan(limiter, key, annotation.permits(), this.shadow.test(annotation.name()),
					decidedAtSubscription(m));
		});
	}

	BreakerPlan breaker(Method method, Class<?> targetClass, CircuitBreaker annotation) {
		Map<Class<?>, BreakerPlan> byClass = this.breakerPlans.get(method);
		BreakerPlan plan = (byClass != null) ? byClass.get(targetClass) : null;
		if (plan != null) {
			return plan;
		}
		return this.breakerPlans.computeIfAbsent(method, (m) -> new ConcurrentHashMap<>())
			.computeIfAbsent(targetClass, (type) -> resolveBreaker(method, type, annotation));
	}

	private BreakerPlan resolveBreaker(Method method, Class<?> targetClass, CircuitBreaker annotation) {
		String origin = "@CircuitBreaker on method '" + InvalidFallbackMethodException.describe(method) + "'";
		Breaker breaker = this.breakers.get(annotation.name(), origin);
		boolean reactive = decidedAtSubscription(method);
		if (annotation.fallbackMethod().isBlank()) {
			return new BreakerPlan(breaker, null, false, reactive);
		}
		Method fallback = findFallback(method, targetClass, annotation.fallbackMethod());
		boolean takesThrowable = fallback.getParameterCount() == method.getParameterCount() + 1;
		fallback.setAccessible(true);
		return new BreakerPlan(breaker, fallback, takesThrowable, reactive);
	}

	ShedPlan shed(Method method, LoadShed annotation) {
		return this.shedPlans.computeIfAbsent(method, (m) -> {
			String origin = "@LoadShed on method '" + InvalidFallbackMethodException.describe(m) + "'";
			return new ShedPlan(annotation.name(), this.shedders.get(annotation.name(), origin),
					annotation.priority(), decidedAtSubscription(m));
		});
	}

	/** A method returning a {@code Mono} or {@code Flux} is decided at subscription; Reactor may be absent. */
	private static boolean decidedAtSubscription(Method method) {
		return REACTOR && ReactorCalls.decidesAtSubscription(method.getReturnType());
	}

	private static Method findFallback(Method method, Class<?> targetClass, String name) {
		Class<?>[] parameters = method.getParameterTypes();
		Class<?>[] withThrowable = Arrays.copyOf(parameters, parameters.length + 1);
		boolean named = false;
		for (Class<?> type = targetClass; type != null && type != Object.class; type = type.getSuperclass()) {
			for (Method candidate : type.getDeclaredMethods()) {
				if (!candidate.getName().equals(name) || candidate.isBridge()) {
					continue;
				}
				named = true;
				Class<?>[] candidateParameters = candidate.getParameterTypes();
				boolean plain = Arrays.equals(candidateParameters, parameters);
				boolean throwing = candidateParameters.length == withThrowable.length
						&& Arrays.equals(candidateParameters, 0, parameters.length, parameters, 0, parameters.length)
						&& candidateParameters[parameters.length].isAssignableFrom(BreakerOpenException.class);
				if (!plain && !throwing) {
					continue;
				}
				if (!ClassUtils.isAssignable(method.getReturnType(), candidate.getReturnType())) {
					throw new InvalidFallbackMethodException(method, name, "it returns "
							+ candidate.getReturnType().getSimpleName() + ", which is not assignable to "
							+ method.getReturnType().getSimpleName() + ", in " + targetClass.getName());
				}
				return candidate;
			}
		}
		String expected = "(" + simpleNames(parameters) + ") or ("
				+ (parameters.length > 0 ? simpleNames(parameters) + ", " : "") + "Throwable)";
		throw new InvalidFallbackMethodException(method, name, named
				? "no method '" + name + "' with parameters " + expected + " in " + targetClass.getName()
				: "there is no method named '" + name + "' in " + targetClass.getName());
	}

	private static String simpleNames(Class<?>[] types) {
		StringBuilder names = new StringBuilder();
		for (int i = 0; i < types.length; i++) {
			names.append((i > 0) ? ", " : "").append(types[i].getSimpleName());
		}
		return names.toString();
	}

	/**
	 * A rate-limited method's plan.
	 * @param source supplies the limiter's current instance
	 * @param key the key expression, or {@code null} for one shared key
	 * @param permits permits per call
	 * @param shadow whether refusals only count
	 * @param reactive whether the method returns a {@code Mono} or {@code Flux}, decided at subscription
	 */
	record RateLimitPlan(Supplier<RateLimiter> source, @Nullable Expression key, int permits, boolean shadow,
			boolean reactive) {

		RateLimiter limiter() {
			return this.source.get();
		}

	}

	/**
	 * A method wrapped in a breaker.
	 * @param breaker the breaker
	 * @param fallback the fallback, or {@code null}
	 * @param fallbackTakesThrowable whether the fallback's last parameter receives the exception
	 * @param reactive whether the method returns a {@code Mono} or {@code Flux}, decided at subscription
	 */
	record BreakerPlan(Breaker breaker, @Nullable Method fallback, boolean fallbackTakesThrowable,
			boolean reactive) {
	}

	/**
	 * A method guarded by a shedder.
	 * @param name the shedder's name
	 * @param shedder the shedder
	 * @param priority the priority the calls ask the shedder with
	 * @param reactive whether the method returns a {@code Mono} or {@code Flux}, decided at subscription
	 */
	record ShedPlan(String name, Shedder shedder, Priority priority, boolean reactive) {
	}

}
