package dev.limiter.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import dev.limiter.core.shedding.Priority;

/**
 * Guards calls of a Spring bean's method with the named load shedder ({@code limiter.load-shedders.<name>}): while
 * the process is overloaded a call throws {@link dev.limiter.core.shedding.OverloadException} without running. The
 * shedder name is checked at start-up. On a method returning a Reactor {@code Mono} or {@code Flux} each
 * subscription is decided, a refusal is the publisher's error, and the slot is given back when the subscription
 * completes, fails or is cancelled. {@link #priority()} marks calls that a concurrency-limiting shedder may refuse
 * first.
 *
 * @author limiter
 * @since 0.1.0
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface LoadShed {

	/**
	 * Name of the configured load shedder.
	 * @return the shedder's name
	 */
	String name();

	/**
	 * Priority of the calls at the shedder: {@link Priority#SHEDDABLE} calls are refused once 90% of a concurrency
	 * limit (keeping at least one slot) is in flight, {@link Priority#CRITICAL} ones may use all of it. The CPU
	 * shedder treats both alike.
	 * @return the calls' priority
	 */
	Priority priority() default Priority.CRITICAL;

}
