package dev.limiter.boot.web;

import java.util.Locale;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import org.springframework.expression.EvaluationContext;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.SimpleEvaluationContext;
import org.springframework.http.server.PathContainer;

/**
 * A parsed value of {@code limiter.web.rules[].key}, independent of the web stack: {@code ip},
 * {@code header:<Name>}, {@code principal}, {@code path} or a SpEL expression (parsed once, here). The servlet
 * filters resolve it through a {@link KeyResolver}, the reactive ones over a {@code ServerWebExchange}; both use the
 * helpers here, so that a key means the same on either stack. Immutable and thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class RequestKey {

	private static final SpelExpressionParser PARSER = new SpelExpressionParser();

	private static final EvaluationContext CONTEXT = SimpleEvaluationContext.forReadOnlyDataBinding()
		.withInstanceMethods()
		.build();

	private final Kind kind;

	private final String value;

	private final @Nullable String header;

	private final @Nullable Expression expression;

	private RequestKey(Kind kind, String value, @Nullable String header, @Nullable Expression expression) {
		this.kind = kind;
		this.value = value;
		this.header = header;
		this.expression = expression;
	}

	/**
	 * Parses a {@code key} property value.
	 * @param key {@code ip}, {@code header:<Name>}, {@code principal}, {@code path} or a SpEL expression
	 * @return the parsed key
	 * @throws IllegalArgumentException if {@code header:} has no header name or the key is blank
	 * @throws ParseException if a SpEL expression does not parse
	 */
	public static RequestKey parse(String key) {
		Objects.requireNonNull(key, "key must not be null");
		String value = key.trim();
		if (value.isEmpty()) {
			throw new IllegalArgumentException("Key must not be blank");
		}
		switch (value) {
			case "ip" -> {
				return new RequestKey(Kind.IP, value, null, null);
			}
			case "principal" -> {
				return new RequestKey(Kind.PRINCIPAL, value, null, null);
			}
			case "path" -> {
				return new RequestKey(Kind.PATH, value, null, null);
			}
			default -> {
			}
		}
		if (value.startsWith("header:")) {
			String header = value.substring("header:".length()).trim();
			if (header.isEmpty()) {
				throw new IllegalArgumentException("Key 'header:' needs a header name, as in 'header:X-Api-Key'");
			}
			return new RequestKey(Kind.HEADER, value, header, null);
		}
		return new RequestKey(Kind.EXPRESSION, value, null, PARSER.parseExpression(value));
	}

	/**
	 * Returns the kind of key.
	 * @return the kind
	 */
	public Kind kind() {
		return this.kind;
	}

	/**
	 * Returns the key as configured, trimmed.
	 * @return the value
	 */
	public String value() {
		return this.value;
	}

	/**
	 * Returns the header name of a {@link Kind#HEADER} key.
	 * @return the header name, or {@code null} for other kinds
	 */
	public @Nullable String header() {
		return this.header;
	}

	/**
	 * Returns whether the key needs the authenticated user: {@code principal}, or an expression that names the
	 * principal, the remote user, a role, the authentication type or Spring Security. Rate limits with such keys
	 * apply after Spring Security.
	 * @return whether the key needs the authenticated user
	 */
	public boolean needsPrincipal() {
		return switch (this.kind) {
			case PRINCIPAL -> true;
			case EXPRESSION -> needsPrincipal(this.value);
			default -> false;
		};
	}

	/**
	 * Returns whether a {@code key} value needs the authenticated user (see {@link #needsPrincipal()}), without
	 * parsing it.
	 * @param key the key value, or {@code null}
	 * @return whether it needs the authenticated user
	 */
	public static boolean needsPrincipal(@Nullable String key) {
		if (key == null) {
			return false;
		}
		String value = key.trim().toLowerCase(Locale.ROOT);
		if (value.equals("ip") || value.equals("path") || value.startsWith("header:")) {
			return false;
		}
		return value.contains("principal") || value.contains("remoteuser") || value.contains("userinrole")
				|| value.contains("authtype") || value.contains("authentication") || value.contains("security");
	}

	/**
	 * Evaluates an {@link Kind#EXPRESSION} key: property reads and instance methods are allowed; types,
	 * constructors and bean references are not.
	 * @param root the root object (the servlet request, or the reactive key root)
	 * @return the key, or {@code null} when the expression evaluates to {@code null}
	 * @throws IllegalStateException if the key is not an expression
	 * @throws RuntimeException if the expression fails on this root
	 */
	public @Nullable String evaluate(Object root) {
		if (this.expression == null) {
			throw new IllegalStateException("Key '" + this.value + "' is not an expression");
		}
		Object result = this.expression.getValue(CONTEXT, root);
		return (result != null) ? result.toString() : null;
	}

	/**
	 * Returns the {@code path} key of a request path within the application: percent-decoded, without path
	 * parameters ({@code ;name=value}), so that {@code /api/orders}, {@code /api/ord%65rs} and
	 * {@code /api/orders;x=1} are one key.
	 * @param pathWithinApplication the parsed path, as rule patterns match it
	 * @return the key
	 */
	public static String path(PathContainer pathWithinApplication) {
		String raw = pathWithinApplication.value();
		if (raw.indexOf('%') < 0 && raw.indexOf(';') < 0) {
			return raw;
		}
		StringBuilder decoded = new StringBuilder(raw.length());
		for (PathContainer.Element element : pathWithinApplication.elements()) {
			decoded.append((element instanceof PathContainer.PathSegment segment) ? segment.valueToMatch()
					: element.value());
		}
		return decoded.toString();
	}

	@Override
	public String toString() {
		return this.value;
	}

	/** The kinds of key. */
	public enum Kind {

		/** The client address, X-Forwarded-For only from trusted proxies, IPv6 grouped by prefix. */
		IP,

		/** The value of a request header. */
		HEADER,

		/** The name of the authenticated principal. */
		PRINCIPAL,

		/** The decoded, normalised path within the application. */
		PATH,

		/** A SpEL expression over the request. */
		EXPRESSION

	}

}
