package dev.limiter.core.breaker;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SreBucketsTest {

	// go-zero bucket_test.go TestBucketAdd
	@Test
	void addCountsEachKindAndTheSum() {
		SreBuckets buckets = new SreBuckets(1, 1_000, 0);
		buckets.add(SreBuckets.SUCCESS, 0);
		assertThat(counters(buckets)).containsExactly(1, 1, 0, 0);
		buckets.add(SreBuckets.FAILURE, 0);
		assertThat(counters(buckets)).containsExactly(2, 1, 1, 0);
		buckets.add(SreBuckets.DROP, 0);
		assertThat(counters(buckets)).containsExactly(3, 1, 1, 1);
	}

	// go-zero bucket_test.go TestBucketReset
	@Test
	void clearZeroesEveryCounter() {
		SreBuckets buckets = new SreBuckets(1, 1_000, 0);
		buckets.add(SreBuckets.SUCCESS, 0);
		buckets.add(SreBuckets.FAILURE, 0);
		buckets.add(SreBuckets.DROP, 0);
		buckets.clear();
		assertThat(counters(buckets)).containsExactly(0, 0, 0, 0);
		assertThat(buckets.visibleTotal(0)).isZero();
		assertThat(buckets.visibleAccepts(0)).isZero();
	}

	@Test
	void runningTotalsMatchAFullScan() {
		SreBuckets buckets = new SreBuckets(4, 10, 0);
		long now = 0;
		for (int i = 0; i < 1_000; i++) {
			now += (i * 7919L) % 13;
			buckets.add(i % 3, now);
			long probe = now + (i % 5) * 10;
			int span = buckets.span(probe);
			buckets.scan(probe);
			assertThat(buckets.visibleTotal(span)).as("total at step %d", i).isEqualTo(buckets.total);
			assertThat(buckets.visibleAccepts(span)).as("accepts at step %d", i).isEqualTo(buckets.accepts);
		}
	}

	@Test
	void failuresAndDropsOfTheRingBoundThoseOfAnyWindow() {
		SreBuckets buckets = new SreBuckets(4, 10, 0);
		long now = 0;
		for (int i = 0; i < 1_000; i++) {
			now += (i * 7919L) % 13 - ((i % 97 == 0) ? 45 : 0); // now and then back in time
			buckets.add(i % 3, now);
			for (int ahead = 0; ahead <= 50; ahead += 10) {
				buckets.scan(now + ahead);
				assertThat(buckets.otherBound()).as("step %d, %d ahead", i, ahead)
					.isGreaterThanOrEqualTo(buckets.total - buckets.accepts);
			}
			long ringOther = 0;
			for (int index = 0; index < 4; index++) {
				ringOther += buckets.failure(index) + buckets.drop(index);
			}
			assertThat(buckets.otherBound()).as("step %d", i).isEqualTo(ringOther);
		}
	}

	private static long[] counters(SreBuckets buckets) {
		int index = buckets.offset();
		long success = buckets.success(index);
		long failure = buckets.failure(index);
		long drop = buckets.drop(index);
		return new long[] { success + failure + drop, success, failure, drop };
	}

}
