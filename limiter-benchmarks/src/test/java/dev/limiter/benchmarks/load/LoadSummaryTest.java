package dev.limiter.benchmarks.load;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class LoadSummaryTest {

	@Test
	void countsStatusesAndTransportErrorsAsOther() {
		int[] statuses = { 200, 429, 429, 503, 0, 404, 200, 99 };
		long[] latencies = new long[statuses.length];
		LoadSummary summary = LoadSummary.of("api", statuses, latencies, 7, 1_000_000_000L);
		assertThat(summary.requests()).isEqualTo(7);
		assertThat(summary.ok()).isEqualTo(2);
		assertThat(summary.tooManyRequests()).isEqualTo(2);
		assertThat(summary.unavailable()).isEqualTo(1);
		assertThat(summary.other()).isEqualTo(2);
		assertThat(summary.requestsPerSecond()).isEqualTo(7.0);
	}

	@Test
	void latencyPercentilesAreNearestRankInMillis() {
		int[] statuses = new int[100];
		long[] latencies = new long[100];
		for (int i = 0; i < 100; i++) {
			statuses[i] = 200;
			latencies[99 - i] = (i + 1) * 1_000_000L;
		}
		LoadSummary summary = LoadSummary.of("x", statuses, latencies, 100, 2_000_000_000L);
		assertThat(summary.latencyMillis(0.5)).isEqualTo(50.0);
		assertThat(summary.latencyMillis(0.99)).isEqualTo(99.0);
		assertThat(summary.latencyMillis(1.0)).isEqualTo(100.0);
		assertThat(summary.requestsPerSecond()).isEqualTo(50.0);
		assertThatIllegalArgumentException().isThrownBy(() -> summary.latencyMillis(0))
			.withMessage("p must be in (0, 1] (was 0.0)");
	}

	@Test
	void resultLineIsTabSeparatedWithDotDecimals() {
		LoadSummary summary = LoadSummary.of("slow", new int[] { 200, 503, 503 },
				new long[] { 500_000_000L, 1_250_000L, 2_000_000L }, 3, 1_500_000_000L);
		assertThat(summary.resultLine()).isEqualTo("RESULT\tslow\t3\t1\t0\t2\t0\t2.0\t2.0\t500.0");
	}

	@Test
	void emptyRunHasNoLatenciesAndNoThroughput() {
		LoadSummary summary = LoadSummary.of("none", new int[0], new long[0], 0, 0);
		assertThat(summary.resultLine()).isEqualTo("RESULT\tnone\t0\t0\t0\t0\t0\t0.0\t-\t-");
		assertThatIllegalArgumentException().isThrownBy(() -> LoadSummary.of("bad", new int[1], new long[1], 2, 1))
			.withMessage("count must be between 0 and the arrays' length (was 2)");
	}

}
