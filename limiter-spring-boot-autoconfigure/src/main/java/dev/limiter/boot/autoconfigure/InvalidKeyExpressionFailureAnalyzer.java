package dev.limiter.boot.autoconfigure;

import dev.limiter.boot.aop.InvalidKeyExpressionException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports an {@link InvalidKeyExpressionException}: the expression, where it was given, and why it does not parse.
 *
 * @author limiter
 */
class InvalidKeyExpressionFailureAnalyzer extends AbstractFailureAnalyzer<InvalidKeyExpressionException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidKeyExpressionException cause) {
		String reason = (cause.getCause() != null) ? cause.getCause().getMessage() : "unknown";
		String description = "The key '" + cause.getExpression() + "' given by " + cause.getOrigin()
				+ " is not a valid SpEL expression: " + reason;
		String action = "Correct the SpEL expression given by " + cause.getOrigin()
				+ ". A web rule's key may also be one of ip, header:<Name>, principal or path;"
				+ " an annotation's key is evaluated over the method's arguments (#name, #p0).";
		return new FailureAnalysis(description, action, cause);
	}

}
