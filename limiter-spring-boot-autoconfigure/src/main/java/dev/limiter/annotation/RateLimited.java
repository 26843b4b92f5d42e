package dev.limiter.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Rate-limits calls of a Spring bean's method with the named rate limiter ({@code limiter.rate-limiters.<name>}).
 * A refused call throws {@link RateLimitExceededException} without running the method (in shadow mode it runs and
 * the refusal is only counted). The limiter name and the key expression are checked at start-up. On a method
 * returning a Reactor {@code Mono} or {@code Flux} each subscription is decided, and a refusal is the publisher's
 * error; nothing waits for permits, and a store that may block (Redis) is asked off the subscribing thread.
 *
 * @author limiter
 * @since 0.1.0
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface RateLimited {

	/**
	 * Name of the configured rate limiter.
	 * @return the limiter's name
	 */
	String name();

	/**
	 * SpEL expression over the method's arguments giving the key calls are counted under, such as
	 * {@code #userId} or {@code #p0.tenant}; empty for one key shared by every call.
	 * @return the key expression
	 */
	String key() default "";

	/**
	 * Permits each call takes, at least 1.
	 * @return the permits
	 */
	int permits() default 1;

}
