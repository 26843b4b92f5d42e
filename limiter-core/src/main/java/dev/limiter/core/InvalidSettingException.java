package dev.limiter.core;

/**
 * Thrown when a builder or a spec is given a value its setting does not accept; carries the setting's name (as the
 * builder method or record component spells it, such as {@code halfOpenCalls}) and the value, so that a caller that
 * configured it, such as limiter's Spring Boot layer, can name where the value came from.
 */
public class InvalidSettingException extends IllegalArgumentException {

	private static final long serialVersionUID = 1L;

	private final String setting;

	private final transient Object value;

	/**
	 * Creates the exception.
	 * @param setting the setting's name
	 * @param value the value it was given
	 * @param message the whole message, starting with the setting's name
	 */
	public InvalidSettingException(String setting, Object value, String message) {
		super(message);
		this.setting = setting;
		this.value = value;
	}

	/**
	 * Creates the exception for a value that breaks a rule, with the message {@code "<setting> <rule> (was <value>)"},
	 * such as {@code "burst must be >= 0 (was -1)"}.
	 * @param setting the setting's name
	 * @param value the value it was given
	 * @param rule the rule it breaks, such as {@code "must be >= 0"}
	 * @return the exception
	 */
	public static InvalidSettingException of(String setting, Object value, String rule) {
		return new InvalidSettingException(setting, value, setting + " " + rule + " (was " + value + ")");
	}

	/**
	 * Returns the name of the setting that was given a wrong value.
	 * @return the setting's name, such as {@code halfOpenCalls}
	 */
	public String getSetting() {
		return this.setting;
	}

	/**
	 * Returns the wrong value.
	 * @return the value
	 */
	public Object getValue() {
		return this.value;
	}

}
