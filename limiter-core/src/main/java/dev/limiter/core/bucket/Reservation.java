package dev.limiter.core.bucket;

import java.time.Duration;

/**
 * Permits granted by a {@link TokenBucket} to be used after a delay, as returned by
 * {@link TokenBucket#reserve(int)} (x/time's {@code Reservation}).
 *
 * <p>A reservation that is not {@linkplain #isOk() ok} took nothing from the bucket: its delay is
 * {@code Duration.ofNanos(Long.MAX_VALUE)} (x/time's {@code InfDuration}) and cancelling it does nothing. An ok
 * reservation has already taken its permits; the holder should wait {@link #delay()} and then act, or
 * {@link #cancel()} it so that the permits go back to the bucket as far as later reservations allow.
 *
 * <p>Implementations are thread-safe.
 */
public interface Reservation {

	/**
	 * Returns whether the bucket granted the permits (x/time's {@code OK}). It does not when more permits were
	 * requested than the bucket's burst, or, for a bounded wait, when they could not be granted in time.
	 * @return {@code true} if the permits were taken
	 */
	boolean isOk();

	/**
	 * Returns how long the holder must wait, from now, before acting on the permits (x/time's {@code Delay}).
	 * @return {@link Duration#ZERO} to act now; {@code Duration.ofNanos(Long.MAX_VALUE)} when not ok, or when the
	 * permits will never be available (a rate of 0)
	 */
	Duration delay();

	/**
	 * Gives the permits back, because the holder will not act on them (x/time's {@code Cancel}). Permits reserved
	 * by others after this reservation are not given back; nothing happens when the reservation is not ok, when its
	 * time to act has passed, or when the bucket's rate is infinite. Only the first call that gives permits back has
	 * an effect.
	 */
	void cancel();

}
