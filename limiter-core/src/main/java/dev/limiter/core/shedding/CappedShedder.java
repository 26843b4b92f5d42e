package dev.limiter.core.shedding;

import java.util.Objects;

import dev.limiter.core.Promise;

/**
 * A hard cap on calls in flight in front of another shedder, as a load shedder with {@code max-concurrency}
 * configures: a call first needs a free slot (go-zero's maxconns, refused at once when none is free), then the inner
 * shedder's consent; the slot is given back when the call's promise is completed, either way, and an ignored promise
 * is ignored by both. {@link #allow(Priority)} passes the priority to both: a sheddable call needs a slot in the
 * cap's sheddable share, then the inner shedder's consent for a sheddable call. Thread-safe.
 */
public final class CappedShedder implements Shedder {

	private final ConcurrencyLimiter cap;

	private final Shedder shedder;

	/**
	 * Creates the shedder.
	 * @param cap the concurrency cap, asked first
	 * @param shedder the shedder asked once a slot is taken
	 */
	public CappedShedder(ConcurrencyLimiter cap, Shedder shedder) {
		this.cap = Objects.requireNonNull(cap, "cap must not be null");
		this.shedder = Objects.requireNonNull(shedder, "shedder must not be null");
	}

	@Override
	public Promise allow() {
		return allow(Priority.CRITICAL);
	}

	/**
	 * Asks to start one call of the given priority, from the cap and then from the inner shedder.
	 * @param priority the call's priority
	 * @return the promise to complete once the call has finished
	 * @throws OverloadException if the cap or the inner shedder refuses the call
	 * @throws NullPointerException if the priority is {@code null}
	 */
	@Override
	public Promise allow(Priority priority) {
		Promise slot = this.cap.allow(priority);
		Promise inner;
		try {
			inner = this.shedder.allow(priority);
		}
		catch (OverloadException ex) {
			slot.reject("shed");
			throw ex;
		}
		catch (RuntimeException ex) {
			// not a refusal (a failing CPU reading, say): the cap's slot is given back untouched
			slot.ignore();
			throw ex;
		}
		return new Promise() {

			@Override
			public void accept() {
				slot.accept();
				inner.accept();
			}

			@Override
			public void reject(String reason) {
				slot.reject(reason);
				inner.reject(reason);
			}

			@Override
			public void ignore() {
				slot.ignore();
				inner.ignore();
			}

		};
	}

	/**
	 * Returns the name of the concurrency cap.
	 * @return the name
	 */
	@Override
	public String name() {
		return this.cap.name();
	}

	/**
	 * Returns the concurrency cap.
	 * @return the cap
	 */
	public ConcurrencyLimiter cap() {
		return this.cap;
	}

	/**
	 * Returns the shedder behind the cap.
	 * @return the inner shedder
	 */
	public Shedder shedder() {
		return this.shedder;
	}

}
