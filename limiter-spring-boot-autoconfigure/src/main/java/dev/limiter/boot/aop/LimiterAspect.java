package dev.limiter.boot.aop;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

import dev.limiter.annotation.CircuitBreaker;
import dev.limiter.annotation.LoadShed;
import dev.limiter.annotation.RateLimitExceededException;
import dev.limiter.annotation.RateLimited;
import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.registry.LimiterKind;
import dev.limiter.core.LimiterException;
import dev.limiter.core.Promise;
import dev.limiter.core.breaker.BreakerOpenException;
import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.shedding.OverloadException;
import org.aspectj.lang.ProceedingJoinPoint;
import org.jspecify.annotations.Nullable;
import org.aspectj.lang.annotation.Around;
import org.aspectj.lang.annotation.Aspect;
import org.aspectj.lang.reflect.MethodSignature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.aop.support.AopUtils;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.Expression;

/**
 * Applies {@link LoadShed @LoadShed}, {@link RateLimited @RateLimited} and {@link CircuitBreaker @CircuitBreaker} to
 * Spring bean methods, in that order when a method carries several (the shedder outermost, the breaker around the
 * call itself).
 *
 * <ul>
 * <li>{@code @LoadShed}: a shed call throws {@link OverloadException}; otherwise the call runs and the shedder's
 * promise is accepted (a pass, with its response time), even when the call throws, except when the call throws a
 * {@link LimiterException} (an inner shedder, breaker or rate limiter refused it): then the call leaves the flight
 * without a pass or a response time ({@link Promise#ignore()}).</li>
 * <li>{@code @RateLimited}: the key expression is evaluated over the arguments ({@code #name}, {@code #p0},
 * {@code #a0}; the arguments array is the root object) and the permits are taken (a key that is {@code null} or
 * whose expression throws is the shared key {@code "-"}; a failure is reported to the listener and logged once per
 * method); a refusal throws
 * {@link RateLimitExceededException} unless the limiter is in shadow mode, where it is counted and logged.</li>
 * <li>{@code @CircuitBreaker}: a call that throws is a failure, one that returns a success; a call that throws a
 * {@link LimiterException} (an inner breaker, shedder or rate limiter refused it) is neither
 * ({@link Promise#ignore()}); a dropped call runs the fallback with the same arguments (and the
 * {@link BreakerOpenException} when the fallback takes it), or throws the exception.</li>
 * </ul>
 * A breaker or shedder in shadow mode never refuses: a call it would have refused is counted ({@code shadow-rejected}
 * outcome), logged at debug level and runs, without a promise, so the breaker's state evolves as if it enforced.
 * A method returning a {@link CompletionStage} is judged when the stage completes; the caller gets the stage
 * unchanged.
 *
 * <p>A method returning a Reactor {@code Mono} or {@code Flux} (when Reactor is on the class path) is decided at
 * subscription instead of at call: the caller gets a deferred publisher, and each subscription takes the decisions
 * anew and then calls the method. A refusal is the publisher's error (the exception the blocking call would throw),
 * or a breaker's fallback publisher. Nothing waits for permits; a rate limiter asks its store asynchronously
 * ({@code acquireAsync}: the Redis store's answer is waited for by no thread), never blocking the subscribing thread.
 * A breaker's or shedder's promise is completed once per subscription: on completion (or a {@code Mono}'s value)
 * and on error as above, and ignored on a cancel that comes first (a shedder's slot is given back, the breaker
 * records nothing).
 *
 * <p>What each method needs is resolved once ({@link LimiterMethodPlans}) and checked at start-up by
 * {@link LimiterAnnotationValidator}. Thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
@Aspect
public final class LimiterAspect {

	private static final Logger logger = LoggerFactory.getLogger(LimiterAspect.class);

	private static final ParameterNameDiscoverer parameterNames = new DefaultParameterNameDiscoverer();

	/** The key of calls whose key expression gives {@code null} or fails: they share one budget. */
	private static final String ABSENT_KEY = "-";

	/*
	 * Spring AOP orders the around advice of one aspect by method name: applyLoadShed < limitRate <
	 * protectWithBreaker puts the shedder outermost and the breaker innermost, so a shed or rate-limited call never
	 * reaches, nor counts as a failure of, the breaker. Renaming these methods changes that order.
	 */

	private final LimiterMethodPlans plans;

	private final LimiterCallListener listener;

	private final LongAdder shadowRejections = new LongAdder();

	private final Set<Method> keyFailuresLogged = ConcurrentHashMap.newKeySet();

	private final Predicate<String> shadowBreakers;

	private final Predicate<String> shadowShedders;

	/**
	 * Creates the aspect.
	 * @param plans resolves what each annotated method needs
	 */
	public LimiterAspect(LimiterMethodPlans plans) {
		this(plans, LimiterCallListener.NONE);
	}

	/**
	 * Creates the aspect.
	 * @param plans resolves what each annotated method needs
	 * @param listener told of every decision
	 */
	public LimiterAspect(LimiterMethodPlans plans, LimiterCallListener listener) {
		this(plans, listener, (name) -> false, (name) -> false);
	}

	/**
	 * Creates the aspect.
	 * @param plans resolves what each annotated method needs
	 * @param listener told of every decision
	 * @param shadowBreakers says which circuit breakers run in shadow mode, by name
	 * @param shadowShedders says which load shedders run in shadow mode, by name
	 */
	public LimiterAspect(LimiterMethodPlans plans, LimiterCallListener listener, Predicate<String> shadowBreakers,
			Predicate<String> shadowShedders) {
		this.shadowBreakers = Objects.requireNonNull(shadowBreakers, "shadowBreakers must not be null");
		this.shadowShedders = Objects.requireNonNull(shadowShedders, "shadowShedders must not be null");
		this.plans = Objects.requireNonNull(plans, "plans must not be null");
		this.listener = Objects.requireNonNull(listener, "listener must not be null");
	}

	/**
	 * Guards a {@code @LoadShed} method.
	 * @param call the call
	 * @param loadShed the annotation
	 * @return the method's result
	 * @throws Throwable what the method threw, or {@link OverloadException} when shed
	 */
	@Around(value = "@annotation(loadShed)", argNames = "call,loadShed")
	public Object applyLoadShed(ProceedingJoinPoint call, LoadShed loadShed) throws Throwable {
		Method method = method(call);
		LimiterMethodPlans.ShedPlan plan = this.plans.shed(method, loadShed);
		if (plan.reactive()) {
			return ReactorCalls.defer(method.getReturnType(), () -> shed(call, plan, true));
		}
		return shed(call, plan, false);
	}

	private Object shed(ProceedingJoinPoint call, LimiterMethodPlans.ShedPlan plan, boolean reactive)
			throws Throwable {
		Promise promise;
		try {
			promise = plan.shedder().allow(plan.priority());
		}
		catch (OverloadException ex) {
			if (this.shadowShedders.test(plan.name())) {
				this.listener.onCall(LimiterKind.LOAD_SHEDDER, plan.name(),
						LimiterCallListener.Outcome.SHADOW_REJECTED);
				logger.debug("Load shedder '{}' (shadow mode) would have refused a call", plan.name());
				return call.proceed();
			}
			this.listener.onCall(LimiterKind.LOAD_SHEDDER, plan.name(), LimiterCallListener.Outcome.REJECTED);
			throw ex;
		}
		this.listener.onCall(LimiterKind.LOAD_SHEDDER, plan.name(), LimiterCallListener.Outcome.PERMITTED);
		return proceed(call, promise, false, reactive);
	}

	/**
	 * Rate-limits a {@code @RateLimited} method.
	 * @param call the call
	 * @param rateLimited the annotation
	 * @return the method's result
	 * @throws Throwable what the method threw, or {@link RateLimitExceededException} when refused
	 */
	@Around(value = "@annotation(rateLimited)", argNames = "call,rateLimited")
	public Object limitRate(ProceedingJoinPoint call, RateLimited rateLimited) throws Throwable {
		Method method = method(call);
		LimiterMethodPlans.RateLimitPlan plan = this.plans.rateLimit(method, rateLimited);
		if (plan.reactive()) {
			// like the WebFlux filters: the store's asynchronous decision (Redis: no thread waits for the answer)
			return ReactorCalls.deferAfter(method.getReturnType(), plan.limiter().store(), () -> {
				String key = key(call, method, plan);
				return plan.limiter()
					.acquireAsync(key, plan.permits())
					.thenAccept((decision) -> decided(plan, key, decision));
			}, call::proceed);
		}
		String key = key(call, method, plan);
		decided(plan, key, plan.limiter().acquire(key, plan.permits()));
		return call.proceed();
	}

	private String key(ProceedingJoinPoint call, Method method, LimiterMethodPlans.RateLimitPlan plan) {
		return (plan.key() != null) ? key(plan.key(), call, method, plan.limiter().name()) : "*";
	}

	/** Counts a decision, and refuses the call (throws) when it was refused and the limiter is not in shadow mode. */
	private void decided(LimiterMethodPlans.RateLimitPlan plan, String key, Decision decision) {
		String name = plan.limiter().name();
		if (decision.allowed()) {
			this.listener.onCall(LimiterKind.RATE_LIMITER, name, LimiterCallListener.Outcome.PERMITTED);
		}
		else {
			if (!plan.shadow()) {
				this.listener.onCall(LimiterKind.RATE_LIMITER, name, LimiterCallListener.Outcome.REJECTED);
				throw new RateLimitExceededException(name, decision);
			}
			this.listener.onCall(LimiterKind.RATE_LIMITER, name, LimiterCallListener.Outcome.SHADOW_REJECTED);
			this.shadowRejections.increment();
			logger.debug("Rate limiter '{}' (shadow mode) would have refused key '{}'", name, key);
		}
	}

	/**
	 * Runs a {@code @CircuitBreaker} method through its breaker.
	 * @param call the call
	 * @param circuitBreaker the annotation
	 * @return the method's result, or the fallback's
	 * @throws Throwable what the method or the fallback threw, or {@link BreakerOpenException} without fallback
	 */
	@Around(value = "@annotation(circuitBreaker)", argNames = "call,circuitBreaker")
	public Object protectWithBreaker(ProceedingJoinPoint call, CircuitBreaker circuitBreaker) throws Throwable {
		Method method = method(call);
		LimiterMethodPlans.BreakerPlan plan = this.plans.breaker(method, targetClass(call), circuitBreaker);
		if (plan.reactive()) {
			return ReactorCalls.defer(method.getReturnType(), () -> protect(call, plan, true));
		}
		return protect(call, plan, false);
	}

	private Object protect(ProceedingJoinPoint call, LimiterMethodPlans.BreakerPlan plan, boolean reactive)
			throws Throwable {
		Promise promise;
		try {
			promise = plan.breaker().allow();
		}
		catch (BreakerOpenException ex) {
			String name = plan.breaker().name();
			if (this.shadowBreakers.test(name)) {
				this.listener.onCall(LimiterKind.CIRCUIT_BREAKER, name, LimiterCallListener.Outcome.SHADOW_REJECTED);
				logger.debug("Circuit breaker '{}' (shadow mode) would have dropped a call", name);
				return call.proceed();
			}
			if (plan.fallback() == null) {
				this.listener.onCall(LimiterKind.CIRCUIT_BREAKER, name, LimiterCallListener.Outcome.REJECTED);
				throw ex;
			}
			this.listener.onCall(LimiterKind.CIRCUIT_BREAKER, name, LimiterCallListener.Outcome.FALLBACK);
			return fallback(call, plan, ex);
		}
		this.listener.onCall(LimiterKind.CIRCUIT_BREAKER, plan.breaker().name(), LimiterCallListener.Outcome.PERMITTED);
		return proceed(call, promise, true, reactive);
	}

	/**
	 * Runs a permitted call and completes its promise when the call ends: at once, when its
	 * {@link CompletionStage} completes, or when a subscription to its {@code Mono} or {@code Flux} ends (ignored
	 * when cancelled).
	 */
	private static Object proceed(ProceedingJoinPoint call, Promise promise, boolean errorsFail, boolean reactive)
			throws Throwable {
		Object result;
		try {
			result = call.proceed();
		}
		catch (Throwable ex) {
			complete(promise, errorsFail, ex);
			throw ex;
		}
		if (reactive && result != null) {
			return ReactorCalls.onEnd(result, (ex) -> complete(promise, errorsFail, ex), promise::ignore);
		}
		if (result instanceof CompletionStage<?> stage) {
			stage.whenComplete((value, ex) -> complete(promise, errorsFail, ex));
			return result;
		}
		promise.accept();
		return result;
	}

	/** Evaluates a key expression; {@code null} or a failure is the shared key "-" (a failure counted, warned once). */
	private String key(Expression expression, ProceedingJoinPoint call, Method method, String limiterName) {
		try {
			Object[] args = call.getArgs();
			Object value = expression.getValue(new MethodBasedEvaluationContext(args, method, args, parameterNames));
			return (value != null) ? value.toString() : ABSENT_KEY;
		}
		catch (Exception ex) {
			this.listener.onKeyFailure(LimiterKind.RATE_LIMITER, limiterName);
			if (this.keyFailuresLogged.add(method)) {
				logger.warn("Key '{}' of rate limiter '{}' failed on a call of {}; such calls share the key '{}'"
						+ " (logged once per method, then at debug level)", expression.getExpressionString(),
						limiterName, method, ABSENT_KEY, ex);
			}
			else if (logger.isDebugEnabled()) {
				logger.debug("Key of rate limiter '{}' failed on a call of {}: {}", limiterName, method,
						ex.toString());
			}
			return ABSENT_KEY;
		}
	}

	/**
	 * Ignores the promise of a call another protection refused; otherwise rejects it when the call failed and errors
	 * count as failures, else accepts it.
	 */
	private static void complete(Promise promise, boolean errorsFail, @Nullable Throwable ex) {
		if (unwrap(ex) instanceof LimiterException) {
			promise.ignore();
		}
		else if (errorsFail && ex != null) {
			Throwable cause = unwrap(ex);
			promise.reject((cause != null) ? cause.getClass().getName() : "failed");
		}
		else {
			promise.accept();
		}
	}

	private static @Nullable Throwable unwrap(@Nullable Throwable ex) {
		return (ex instanceof CompletionException && ex.getCause() != null) ? ex.getCause() : ex;
	}

	/**
	 * Returns how many calls rate limiters in shadow mode would have refused.
	 * @return the count
	 */
	public long shadowRejections() {
		return this.shadowRejections.sum();
	}

	/** A call the aspect runs, for the Reactor adaptation that defers it to each subscription. */
	@FunctionalInterface
	interface Call {

		@Nullable Object run() throws Throwable;

	}

	private static Object fallback(ProceedingJoinPoint call, LimiterMethodPlans.BreakerPlan plan,
			BreakerOpenException ex) throws Throwable {
		Object[] args = call.getArgs();
		if (plan.fallbackTakesThrowable()) {
			args = Arrays.copyOf(args, args.length + 1);
			args[args.length - 1] = ex;
		}
		try {
			return plan.fallback().invoke(call.getTarget(), args);
		}
		catch (InvocationTargetException invocation) {
			throw invocation.getTargetException();
		}
	}

	private static Method method(ProceedingJoinPoint call) {
		Method method = ((MethodSignature) call.getSignature()).getMethod();
		// Class-based proxies (Boot's default) already give the invoked class's method; only an interface method
		// (JDK proxies) needs resolving to the implementation that carries the annotation.
		if (method.getDeclaringClass().isInterface() && call.getTarget() != null) {
			return AopUtils.getMostSpecificMethod(method, targetClass(call));
		}
		return method;
	}

	private static Class<?> targetClass(ProceedingJoinPoint call) {
		return AopUtils.getTargetClass(call.getTarget());
	}

}
