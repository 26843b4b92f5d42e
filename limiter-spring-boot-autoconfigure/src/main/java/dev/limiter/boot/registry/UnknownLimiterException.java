package dev.limiter.boot.registry;

import java.util.Objects;
import java.util.Set;

/**
 * Thrown at start-up when a web rule or an annotation names a rate limiter, circuit breaker or load shedder that is
 * not configured. Limiter's failure analyzer turns it into a start-up report.
 *
 * @author limiter
 * @since 0.1.0
 */
public class UnknownLimiterException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final LimiterKind kind;

	private final String name;

	private final String origin;

	private final Set<String> configured;

	/**
	 * Creates the exception.
	 * @param kind the kind that was looked up
	 * @param name the unknown name
	 * @param origin where the name was given, such as "property 'limiter.web.rules[0].rate-limiter'"
	 * @param configured the names that are configured
	 */
	public UnknownLimiterException(LimiterKind kind, String name, String origin, Set<String> configured) {
		super(capitalize(kind.displayName()) + " '" + name + "' named by " + origin + " is not configured");
		this.kind = Objects.requireNonNull(kind, "kind must not be null");
		this.name = Objects.requireNonNull(name, "name must not be null");
		this.origin = Objects.requireNonNull(origin, "origin must not be null");
		this.configured = Set.copyOf(configured);
	}

	/**
	 * Returns the kind that was looked up.
	 * @return the kind
	 */
	public LimiterKind getKind() {
		return this.kind;
	}

	/**
	 * Returns the unknown name.
	 * @return the name
	 */
	public String getName() {
		return this.name;
	}

	/**
	 * Returns where the name was given.
	 * @return the origin
	 */
	public String getOrigin() {
		return this.origin;
	}

	/**
	 * Returns the names that are configured.
	 * @return the configured names
	 */
	public Set<String> getConfigured() {
		return this.configured;
	}

	static String capitalize(String text) {
		return Character.toUpperCase(text.charAt(0)) + text.substring(1);
	}

}
