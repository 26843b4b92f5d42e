package dev.limiter.boot.aop;

import java.lang.reflect.Method;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * Thrown at start-up when the fallback method named by {@code @CircuitBreaker(fallbackMethod = ...)} does not exist
 * or does not fit the annotated method. Limiter's failure analyzer turns it into a start-up report.
 *
 * @author limiter
 * @since 0.1.0
 */
public class InvalidFallbackMethodException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final transient Method method;

	private final String fallbackMethod;

	private final String reason;

	/**
	 * Creates the exception.
	 * @param method the annotated method
	 * @param fallbackMethod the fallback method's name
	 * @param reason why it does not fit, such as "no method with parameters (String) or (String, Throwable)"
	 */
	public InvalidFallbackMethodException(Method method, String fallbackMethod, String reason) {
		super("Fallback method '" + fallbackMethod + "' of method '" + describe(method) + "' does not fit: " + reason);
		this.method = Objects.requireNonNull(method, "method must not be null");
		this.fallbackMethod = Objects.requireNonNull(fallbackMethod, "fallbackMethod must not be null");
		this.reason = Objects.requireNonNull(reason, "reason must not be null");
	}

	/**
	 * Returns the annotated method.
	 * @return the method
	 */
	public Method getMethod() {
		return this.method;
	}

	/**
	 * Returns the fallback method's name.
	 * @return the name
	 */
	public String getFallbackMethod() {
		return this.fallbackMethod;
	}

	/**
	 * Returns why the fallback does not fit.
	 * @return the reason
	 */
	public String getReason() {
		return this.reason;
	}

	/**
	 * Describes a method as {@code com.example.Service.call(String, int)}.
	 * @param method the method
	 * @return the description
	 */
	public static String describe(Method method) {
		StringJoiner parameters = new StringJoiner(", ", "(", ")");
		for (Class<?> type : method.getParameterTypes()) {
			parameters.add(type.getSimpleName());
		}
		return method.getDeclaringClass().getName() + "." + method.getName() + parameters;
	}

}
