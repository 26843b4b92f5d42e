package dev.limiter.core.shedding;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.limiter.core.Promise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ConcurrencyLimiterTest {

	private static final int CONNS = 4;

	// go-zero maxconnshandler_test.go TestMaxConnsHandler
	@Test
	void refusesWhenTheCapIsInFlight() throws InterruptedException {
		ConcurrencyLimiter limiter = ConcurrencyLimiter.of("conns", CONNS);
		CountDownLatch started = new CountDownLatch(CONNS);
		CountDownLatch done = new CountDownLatch(1);
		List<Thread> holders = startHolders(limiter, started, done);
		assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
		assertThatExceptionOfType(OverloadException.class).isThrownBy(limiter::allow)
			.satisfies((ex) -> assertThat(ex.getName()).isEqualTo("conns"));
		done.countDown();
		for (Thread holder : holders) {
			holder.join();
		}
		assertThat(limiter.inFlight()).isZero();
		limiter.allow().accept();
	}

	// go-zero maxconnshandler_test.go TestWithoutMaxConnsHandler
	@ParameterizedTest
	@ValueSource(ints = { 0, -1 })
	void aCapOfZeroOrLessIsUnlimited(int max) throws InterruptedException {
		ConcurrencyLimiter limiter = ConcurrencyLimiter.of("conns", max);
		CountDownLatch started = new CountDownLatch(CONNS);
		CountDownLatch done = new CountDownLatch(1);
		List<Thread> holders = startHolders(limiter, started, done);
		assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
		Promise promise = limiter.allow();
		assertThat(limiter.inFlight()).isEqualTo(CONNS + 1);
		promise.accept();
		done.countDown();
		for (Thread holder : holders) {
			holder.join();
		}
		assertThat(limiter.inFlight()).isZero();
	}

	private static List<Thread> startHolders(ConcurrencyLimiter limiter, CountDownLatch started, CountDownLatch done) {
		List<Thread> holders = new ArrayList<>();
		for (int i = 0; i < CONNS; i++) {
			Thread holder = new Thread(() -> {
				Promise promise = limiter.allow();
				started.countDown();
				try {
					done.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				promise.accept();
			});
			holder.start();
			holders.add(holder);
		}
		return holders;
	}

	@Test
	void eitherOutcomeReturnsThePermit() {
		ConcurrencyLimiter limiter = ConcurrencyLimiter.of("c", 2);
		Promise first = limiter.allow();
		Promise second = limiter.allow();
		assertThat(second).isSameAs(first);
		assertThat(limiter.tryAcquire()).isFalse();
		first.accept();
		assertThat(limiter.inFlight()).isEqualTo(1);
		second.reject("failed");
		assertThat(limiter.inFlight()).isZero();
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
	}

	@Test
	void anExtraReleaseIsIgnored() {
		ConcurrencyLimiter limiter = ConcurrencyLimiter.of("c", 1);
		assertThat(limiter.release()).isFalse();
		assertThat(limiter.inFlight()).isZero();
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.release()).isTrue();
		assertThat(limiter.release()).isFalse();
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
	}

	@Test
	void concurrentCallersNeverExceedTheCap() throws InterruptedException {
		int cap = 3;
		ConcurrencyLimiter limiter = ConcurrencyLimiter.of("c", cap);
		AtomicInteger active = new AtomicInteger();
		AtomicInteger maxActive = new AtomicInteger();
		AtomicInteger permitted = new AtomicInteger();
		AtomicInteger refused = new AtomicInteger();
		CountDownLatch start = new CountDownLatch(1);
		List<Thread> threads = new ArrayList<>();
		for (int t = 0; t < 8; t++) {
			Thread thread = new Thread(() -> {
				try {
					start.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
				for (int i = 0; i < 20_000; i++) {
					if (!limiter.tryAcquire()) {
						refused.incrementAndGet();
						continue;
					}
					permitted.incrementAndGet();
					int now = active.incrementAndGet();
					maxActive.accumulateAndGet(now, Math::max);
					Thread.onSpinWait();
					active.decrementAndGet();
					limiter.release();
				}
			});
			thread.start();
			threads.add(thread);
		}
		start.countDown();
		for (Thread thread : threads) {
			thread.join();
		}
		assertThat(maxActive.get()).isBetween(1, cap);
		assertThat(permitted.get() + refused.get()).isEqualTo(160_000);
		assertThat(limiter.inFlight()).isZero();
	}

	@Test
	void invalidNameIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> ConcurrencyLimiter.of("", 1))
			.withMessage("name must not be empty");
		assertThat(ConcurrencyLimiter.of("c", 5))
			.hasToString("ConcurrencyLimiter[name=c, maxConcurrency=5, inFlight=0]");
	}

	@Test
	void thePermittedPathAllocatesNothing() {
		com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory
			.getThreadMXBean();
		ConcurrencyLimiter limiter = ConcurrencyLimiter.of("alloc", 1);
		Runnable calls = () -> {
			for (int i = 0; i < 100_000; i++) {
				limiter.allow().accept();
			}
		};
		calls.run();
		long threadId = Thread.currentThread().getId();
		long before = threads.getThreadAllocatedBytes(threadId);
		calls.run();
		assertThat(threads.getThreadAllocatedBytes(threadId) - before).isLessThan(1024);
	}

}
