package dev.limiter.core;

import java.util.concurrent.locks.LockSupport;

/** The JVM's clock; an enum singleton so that reading it allocates nothing. */
enum SystemClock implements Clock {

	INSTANCE;

	@Override
	public long nanoTime() {
		return System.nanoTime();
	}

	@Override
	public long currentTimeMillis() {
		return System.currentTimeMillis();
	}

	@Override
	public void sleep(long nanos) throws InterruptedException {
		if (Thread.interrupted()) {
			throw new InterruptedException();
		}
		long deadline = System.nanoTime() + nanos;
		long remaining = nanos;
		while (remaining > 0) {
			LockSupport.parkNanos(this, remaining);
			if (Thread.interrupted()) {
				throw new InterruptedException();
			}
			remaining = deadline - System.nanoTime();
		}
	}

	@Override
	public String toString() {
		return "Clock.system()";
	}

}
