package dev.limiter.core.ratelimit.redis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The time the calling thread has spent runnable but waiting for a CPU, from Linux's
 * {@code /proc/thread-self/schedstat} (0 where the file is missing). Latency tests subtract it from a decision's
 * elapsed time: on a machine shared with other builds, the scheduler keeps a busy thread off the CPU for tens to
 * hundreds of milliseconds, which says nothing about how long the store made the caller wait.
 */
final class RunQueueTime {

	private static final Path SCHEDSTAT = Path.of("/proc/thread-self/schedstat");

	private static final boolean AVAILABLE = Files.isReadable(SCHEDSTAT);

	private RunQueueTime() {
	}

	/**
	 * Returns the calling thread's total time waiting on a run queue.
	 * @return nanoseconds, or 0 where the kernel does not say
	 */
	static long nanos() {
		if (!AVAILABLE) {
			return 0;
		}
		try {
			String[] fields = Files.readString(SCHEDSTAT).trim().split(" ");
			return Long.parseLong(fields[1]);
		}
		catch (IOException | RuntimeException ex) {
			return 0;
		}
	}

}
