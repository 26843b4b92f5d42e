package dev.limiter.core;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

class SettingsTest {

	@Test
	void aNameIsNeitherNullNorEmpty() {
		assertThat(Settings.name("api")).isEqualTo("api");
		assertThatNullPointerException().isThrownBy(() -> Settings.name(null)).withMessage("name must not be null");
		assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> Settings.name(""))
			.withMessage("name must not be empty");
	}

	@Test
	void positiveValuesAreReturnedAndOthersNamed() {
		assertThat(Settings.positive("window", Duration.ofNanos(1))).isEqualTo(Duration.ofNanos(1));
		assertThat(Settings.positive("buckets", 1)).isEqualTo(1);
		assertThatNullPointerException().isThrownBy(() -> Settings.positive("window", null))
			.withMessage("window must not be null");
		assertThatExceptionOfType(InvalidSettingException.class)
			.isThrownBy(() -> Settings.positive("window", Duration.ofSeconds(-1)))
			.withMessage("window must be > 0 (was PT-1S)")
			.satisfies((ex) -> assertThat(ex.getSetting()).isEqualTo("window"));
		assertThatExceptionOfType(InvalidSettingException.class).isThrownBy(() -> Settings.positive("buckets", 0))
			.withMessage("buckets must be > 0 (was 0)")
			.satisfies((ex) -> assertThat(ex.getValue()).isEqualTo(0));
	}

	@Test
	void aBucketIsTheWholeNanosecondsOfItsShareOfTheWindow() {
		assertThat(Settings.bucketNanos(Duration.ofSeconds(10), 40)).isEqualTo(250_000_000L);
		assertThat(Settings.bucketNanos(Duration.ofNanos(79), 40)).isEqualTo(1);
		assertThatExceptionOfType(InvalidSettingException.class)
			.isThrownBy(() -> Settings.bucketNanos(Duration.ofNanos(39), 40))
			.withMessage("window must be at least 1ns per bucket (was PT0.000000039S for 40 buckets)");
		assertThatExceptionOfType(InvalidSettingException.class)
			.isThrownBy(() -> Settings.bucketNanos(Duration.ofDays(365 * 300), 40))
			.withMessage("window must fit in a long of nanoseconds (was PT2628000H)")
			.satisfies((ex) -> assertThat(ex.getSetting()).isEqualTo("window"));
	}

}
