package dev.limiter.benchmarks.overload;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class RunAnalysisTest {

	private static final long SECOND = 1_000_000_000L;

	@Test
	void percentileIsTheNearestRank() {
		double[] sorted = new double[100];
		for (int i = 0; i < 100; i++) {
			sorted[i] = i + 1;
		}
		assertThat(RunAnalysis.percentile(sorted, 0.50)).isEqualTo(50);
		assertThat(RunAnalysis.percentile(sorted, 0.99)).isEqualTo(99);
		assertThat(RunAnalysis.percentile(new double[] { 7 }, 0.99)).isEqualTo(7);
		assertThat(RunAnalysis.percentile(new double[0], 0.5)).isNaN();
	}

	@Test
	void stepFiguresCountGoodputRejectionsAndUnfinishedRequests() {
		// 2 s at 100 req/s: every 10 ms one request; the first second's take 5 ms, the second's 50 ms, every tenth of
		// the second second is rejected and the last one never finishes
		RequestLog log = new RequestLog(1000);
		for (int i = 0; i < 200; i++) {
			long arrival = i * 10_000_000L;
			int request = log.arrive(arrival);
			if (i == 199) {
				continue;
			}
			if (i >= 100 && i % 10 == 0) {
				log.reject(request);
			}
			else {
				log.complete(request, arrival + ((i < 100) ? 5_000_000L : 50_000_000L));
			}
		}
		LoadGenerator.Phase first = new LoadGenerator.Phase("1x", 1, 100, SECOND);
		LoadGenerator.Phase second = new LoadGenerator.Phase("1x again", 1, 100, SECOND);
		RunAnalysis analysis = new RunAnalysis(log, 0, 2 * SECOND, 20, 100);
		List<RunAnalysis.Step> steps = analysis.steps(List.of(first, second), true);
		assertThat(steps.get(0).goodputOfCapacity()).isCloseTo(1.0, within(1e-9));
		assertThat(steps.get(0).p99Millis()).isEqualTo(5);
		assertThat(steps.get(0).rejectedFraction()).isZero();
		assertThat(steps.get(0).settleSeconds()).isZero();
		assertThat(steps.get(1).goodputOfCapacity()).isZero(); // 50 ms is over the 20 ms bound
		assertThat(steps.get(1).rejectedFraction()).isEqualTo(0.1);
		assertThat(steps.get(1).unfinished()).isEqualTo(1);
		assertThat(steps.get(1).p99Millis()).isInfinite();
		assertThat(steps.get(1).settleSeconds()).isNaN();
	}

}
