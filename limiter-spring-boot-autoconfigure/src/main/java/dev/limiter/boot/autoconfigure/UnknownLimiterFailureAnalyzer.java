package dev.limiter.boot.autoconfigure;

import java.util.TreeSet;

import dev.limiter.boot.registry.UnknownLimiterException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports an {@link UnknownLimiterException}: which name, given where, and which names are configured.
 *
 * @author limiter
 */
class UnknownLimiterFailureAnalyzer extends AbstractFailureAnalyzer<UnknownLimiterException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, UnknownLimiterException cause) {
		String kind = cause.getKind().displayName();
		String plural = kind + "s";
		String configured = cause.getConfigured().isEmpty() ? "No " + plural + " are configured."
				: "Configured " + plural + ": " + String.join(", ", new TreeSet<>(cause.getConfigured())) + ".";
		String description = "The " + kind + " '" + cause.getName() + "' named by " + cause.getOrigin()
				+ " is not configured. " + configured;
		String action = "Configure it under '" + cause.getKind().propertyPrefix() + "." + cause.getName()
				+ "', or correct " + cause.getOrigin() + " to name a configured " + kind + ".";
		return new FailureAnalysis(description, action, cause);
	}

}
