package dev.limiter.boot.dashboard;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The ring of samples: keeps the last {@code capacity} rows in order, reuses their arrays, and holds no more.
 */
class HistoryRingTests {

	@Test
	void holdsTheSamplesInOrderUntilFull() {
		HistoryRing ring = new HistoryRing(3, 2);
		assertThat(ring.size()).isZero();
		append(ring, 1000, 1);
		append(ring, 2000, 2);
		assertThat(ring.size()).isEqualTo(2);
		assertThat(ring.time(0)).isEqualTo(1000);
		assertThat(ring.row(1)).containsExactly(2, 20);
	}

	@Test
	void keepsOnlyTheLastCapacitySamples() {
		HistoryRing ring = new HistoryRing(3, 2);
		for (int i = 1; i <= 7; i++) {
			append(ring, i * 1000L, i);
		}
		assertThat(ring.size()).isEqualTo(3);
		assertThat(new long[] { ring.time(0), ring.time(1), ring.time(2) }).containsExactly(5000, 6000, 7000);
		assertThat(ring.row(0)).containsExactly(5, 50);
		assertThat(ring.row(2)).containsExactly(7, 70);
	}

	@Test
	void reusesTheRowsItHolds() {
		HistoryRing ring = new HistoryRing(2, 1);
		float[] first = ring.next();
		ring.commit(1);
		ring.next();
		ring.commit(2);
		assertThat(ring.next()).as("the oldest row is overwritten next").isSameAs(first);
	}

	@Test
	void indexesOutsideTheHeldSamplesAreRefused() {
		HistoryRing ring = new HistoryRing(2, 1);
		append(ring, 1, 1);
		assertThatThrownBy(() -> ring.row(1)).isInstanceOf(IndexOutOfBoundsException.class);
		assertThatThrownBy(() -> ring.time(-1)).isInstanceOf(IndexOutOfBoundsException.class);
		assertThatIllegalArgumentException().isThrownBy(() -> new HistoryRing(0, 1))
			.withMessage("capacity must be positive (was 0)");
	}

	private static void append(HistoryRing ring, long time, float value) {
		float[] row = ring.next();
		row[0] = value;
		if (row.length > 1) {
			row[1] = value * 10;
		}
		ring.commit(time);
	}

}
