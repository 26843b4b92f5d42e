package dev.limiter.boot.aop;

import java.util.Objects;

/**
 * Thrown at start-up when a SpEL key, of a web rule or of {@code @RateLimited}, does not parse.
 * Limiter's failure analyzer turns it into a start-up
 * report.
 *
 * @author limiter
 * @since 0.1.0
 */
public class InvalidKeyExpressionException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final String expression;

	private final String origin;

	/**
	 * Creates the exception.
	 * @param expression the expression
	 * @param origin where it was given, such as "property 'limiter.web.rules[0].key'"
	 * @param cause the parse failure
	 */
	public InvalidKeyExpressionException(String expression, String origin, Throwable cause) {
		super("Key expression '" + expression + "' of " + origin + " does not parse: " + cause.getMessage(), cause);
		this.expression = Objects.requireNonNull(expression, "expression must not be null");
		this.origin = Objects.requireNonNull(origin, "origin must not be null");
	}

	/**
	 * Returns the expression that does not parse.
	 * @return the expression
	 */
	public String getExpression() {
		return this.expression;
	}

	/**
	 * Returns where the expression was given.
	 * @return the origin
	 */
	public String getOrigin() {
		return this.origin;
	}

}
