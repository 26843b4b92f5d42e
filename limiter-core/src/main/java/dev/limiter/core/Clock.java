package dev.limiter.core;

/**
 * The source of time for every limiter, breaker and shedder.
 *
 * <p>{@link #nanoTime()} is a monotonic reading used for all rate arithmetic; {@link #currentTimeMillis()}
 * is wall-clock time, used only where calendar boundaries matter (aligned windows). Production code uses
 * {@link #system()}; tests use {@link ManualClock} so that every behaviour can be checked deterministically.
 */
public interface Clock {

	/**
	 * Returns a monotonic time in nanoseconds, comparable only with other readings of the same clock.
	 * @return the current monotonic time in nanoseconds
	 */
	long nanoTime();

	/**
	 * Returns wall-clock time in milliseconds since the Unix epoch.
	 * @return the current wall-clock time
	 */
	long currentTimeMillis();

	/**
	 * Waits for the given number of nanoseconds of this clock's time; returns at once when {@code nanos <= 0}.
	 * @param nanos how long to wait
	 * @throws InterruptedException if the thread is interrupted before or while waiting
	 */
	void sleep(long nanos) throws InterruptedException;

	/**
	 * Returns the clock of the running JVM: {@link System#nanoTime()}, {@link System#currentTimeMillis()} and a
	 * parking sleep.
	 * @return the system clock (a shared singleton)
	 */
	static Clock system() {
		return SystemClock.INSTANCE;
	}

}
