package dev.limiter.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs calls of a Spring bean's method through the named circuit breaker ({@code limiter.circuit-breakers.<name>}).
 * A call that throws is a failure. A dropped call runs the fallback method when one is named, or throws
 * {@link dev.limiter.core.breaker.BreakerOpenException}. The breaker name and the fallback's signature are checked
 * at start-up. On a method returning a Reactor {@code Mono} or {@code Flux} each subscription is decided, a refusal
 * is the publisher's error (or the fallback's publisher), and the outcome is taken when the subscription completes
 * or fails; a cancelled one is neither a success nor a failure.
 *
 * @author limiter
 * @since 0.1.0
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface CircuitBreaker {

	/**
	 * Name of the configured circuit breaker.
	 * @return the breaker's name
	 */
	String name();

	/**
	 * Name of a method of the same class run instead of a dropped call: it takes the annotated method's
	 * parameters, optionally followed by a {@link Throwable} (receiving the
	 * {@link dev.limiter.core.breaker.BreakerOpenException}), and returns a type assignable to the annotated
	 * method's return type. Empty for none.
	 * @return the fallback method's name
	 */
	String fallbackMethod() default "";

}
