package dev.limiter.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * Copy-on-write arrays of listeners, as limiter's breakers and shedders keep them: an instance holds a volatile
 * array, empty while no listener is registered (so that its hot path only checks the length), and replaces it under
 * its own lock with the copies these methods return. For implementations; users register listeners with the
 * instances themselves.
 */
public final class Listeners {

	private Listeners() {
	}

	/**
	 * Returns a copy of {@code current} with {@code listener} appended.
	 * @param <L> the listener type
	 * @param current the registered listeners
	 * @param listener the listener to add
	 * @return the new array
	 */
	public static <L> L[] add(L[] current, L listener) {
		Objects.requireNonNull(listener, "listener must not be null");
		L[] updated = Arrays.copyOf(current, current.length + 1);
		updated[current.length] = listener;
		return updated;
	}

	/**
	 * Returns {@code current} without the first occurrence of {@code listener}, or {@code current} itself when it
	 * does not hold it.
	 * @param <L> the listener type
	 * @param current the registered listeners
	 * @param listener the listener to remove
	 * @return the new array, or {@code current}
	 */
	public static <L> L[] remove(L[] current, L listener) {
		for (int i = 0; i < current.length; i++) {
			if (current[i] == listener) {
				L[] updated = Arrays.copyOf(current, current.length - 1);
				System.arraycopy(current, i + 1, updated, i, current.length - i - 1);
				return updated;
			}
		}
		return current;
	}

}
