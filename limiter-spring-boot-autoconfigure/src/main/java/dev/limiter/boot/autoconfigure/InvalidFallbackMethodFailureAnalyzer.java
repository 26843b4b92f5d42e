package dev.limiter.boot.autoconfigure;

import java.lang.reflect.Method;
import java.util.StringJoiner;

import dev.limiter.boot.aop.InvalidFallbackMethodException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports an {@link InvalidFallbackMethodException}: the annotated method, the fallback, and the signatures that
 * would fit.
 *
 * @author limiter
 */
class InvalidFallbackMethodFailureAnalyzer extends AbstractFailureAnalyzer<InvalidFallbackMethodException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidFallbackMethodException cause) {
		Method method = cause.getMethod();
		String description = "The fallback method '" + cause.getFallbackMethod() + "' of @CircuitBreaker on method '"
				+ InvalidFallbackMethodException.describe(method) + "' does not fit: " + cause.getReason() + ".";
		StringJoiner parameters = new StringJoiner(", ");
		for (Class<?> type : method.getParameterTypes()) {
			parameters.add(type.getSimpleName());
		}
		String returnType = method.getReturnType().getSimpleName();
		String withThrowable = (parameters.length() > 0) ? parameters + ", Throwable" : "Throwable";
		String action = "Declare '" + returnType + " " + cause.getFallbackMethod() + "(" + parameters + ")' or '"
				+ returnType + " " + cause.getFallbackMethod() + "(" + withThrowable + ")' in "
				+ method.getDeclaringClass().getName() + ", or correct the fallbackMethod attribute.";
		return new FailureAnalysis(description, action, cause);
	}

}
