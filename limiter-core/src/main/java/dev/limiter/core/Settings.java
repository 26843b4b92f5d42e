package dev.limiter.core;

import java.time.Duration;
import java.util.Objects;

/**
 * The rules several of limiter's builders and specs share: a name that is not empty, a positive duration or count,
 * a window divided into buckets of at least a nanosecond. Each method returns the value it checked or throws with
 * the message every builder gives, so that one rule has one wording. For implementations; users meet these rules
 * through the builders.
 */
public final class Settings {

	private Settings() {
	}

	/**
	 * Checks the name of a limiter, breaker or shedder.
	 * @param name the name
	 * @return {@code name}
	 * @throws NullPointerException if {@code name} is null
	 * @throws IllegalArgumentException if {@code name} is empty
	 */
	public static String name(String name) {
		Objects.requireNonNull(name, "name must not be null");
		if (name.isEmpty()) {
			throw new IllegalArgumentException("name must not be empty");
		}
		return name;
	}

	/**
	 * Checks that a duration is positive.
	 * @param setting the setting's name, such as {@code window}
	 * @param value the duration
	 * @return {@code value}
	 * @throws NullPointerException if {@code value} is null
	 * @throws InvalidSettingException if {@code value} is zero or negative ({@code "window must be > 0 (was PT0S)"})
	 */
	public static Duration positive(String setting, Duration value) {
		if (value == null) {
			throw new NullPointerException(setting + " must not be null");
		}
		if (value.isNegative() || value.isZero()) {
			throw InvalidSettingException.of(setting, value, "must be > 0");
		}
		return value;
	}

	/**
	 * Checks that a count is positive.
	 * @param setting the setting's name, such as {@code buckets}
	 * @param value the count
	 * @return {@code value}
	 * @throws InvalidSettingException if {@code value} is below 1 ({@code "buckets must be > 0 (was 0)"})
	 */
	public static int positive(String setting, int value) {
		if (value < 1) {
			throw InvalidSettingException.of(setting, value, "must be > 0");
		}
		return value;
	}

	/**
	 * Returns the length of one bucket of a rolling window, {@code window / buckets} in whole nanoseconds.
	 * @param window the window, positive
	 * @param buckets the number of buckets, positive
	 * @return the bucket's length in nanoseconds, at least 1
	 * @throws InvalidSettingException (for the setting {@code window}) if the window does not fit in a long of
	 * nanoseconds or is shorter than one nanosecond per bucket
	 */
	public static long bucketNanos(Duration window, int buckets) {
		long windowNanos;
		try {
			windowNanos = window.toNanos();
		}
		catch (ArithmeticException ex) {
			throw InvalidSettingException.of("window", window, "must fit in a long of nanoseconds");
		}
		long bucketNanos = windowNanos / buckets;
		if (bucketNanos < 1) {
			throw new InvalidSettingException("window", window,
					"window must be at least 1ns per bucket (was " + window + " for " + buckets + " buckets)");
		}
		return bucketNanos;
	}

}
