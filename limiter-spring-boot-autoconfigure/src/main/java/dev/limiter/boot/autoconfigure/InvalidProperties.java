package dev.limiter.boot.autoconfigure;

import java.util.Locale;

import dev.limiter.core.InvalidSettingException;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Start-up failures that name the property a wrong value came from. limiter-core checks each value once and names
 * the setting it refused ({@link InvalidSettingException}); this maps it to the property that configured the
 * setting, such as {@code halfOpenCalls} to {@code limiter.circuit-breakers.backend.half-open-calls}.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class InvalidProperties {

	private InvalidProperties() {
	}

	/**
	 * Returns the property of a setting: {@code prefix.setting-in-kebab-case}.
	 * @param prefix the property path of the instance, such as {@code limiter.circuit-breakers.backend}
	 * @param setting the setting's name in limiter-core, such as {@code halfOpenCalls}
	 * @return the property path
	 */
	public static String property(String prefix, String setting) {
		return prefix + "." + setting.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
	}

	/**
	 * Reports a value limiter-core refused as a wrong value of the given property.
	 * @param property the full property path
	 * @param ex what limiter-core threw
	 * @return the exception to throw
	 */
	public static InvalidConfigurationPropertyValueException of(String property, InvalidSettingException ex) {
		String message = (ex.getMessage() != null) ? ex.getMessage() : "";
		String rule = message.startsWith(ex.getSetting() + " ") ? message.substring(ex.getSetting().length() + 1)
				: message;
		return new InvalidConfigurationPropertyValueException(property, ex.getValue(), reason(rule), ex);
	}

	/**
	 * Creates the exception reporting a wrong value.
	 * @param property the full property path
	 * @param value the value
	 * @param reason the rule it breaks, a sentence ending with a dot
	 * @return the exception
	 */
	public static InvalidConfigurationPropertyValueException of(String property, @Nullable Object value,
			String reason) {
		return new InvalidConfigurationPropertyValueException(property, value, reason);
	}

	/** Turns a core message ("must be >= 0 (was -1)") into a reason ("Must be >= 0 (was -1)."). */
	static String reason(@Nullable String message) {
		if (message == null || message.isEmpty()) {
			return "Invalid value.";
		}
		String reason = Character.toUpperCase(message.charAt(0)) + message.substring(1);
		return reason.endsWith(".") ? reason : reason + ".";
	}

}
