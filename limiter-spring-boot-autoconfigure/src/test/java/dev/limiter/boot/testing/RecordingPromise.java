package dev.limiter.boot.testing;

import java.util.ArrayList;
import java.util.List;

import dev.limiter.core.Promise;

/** Records how the promises it hands out were completed: "accept", "reject: reason" or "ignore". */
public class RecordingPromise {

	private final List<String> outcomes = new ArrayList<>();

	protected Promise promise() {
		return new Promise() {

			@Override
			public void accept() {
				record("accept");
			}

			@Override
			public void reject(String reason) {
				record("reject: " + reason);
			}

			@Override
			public void ignore() {
				record("ignore");
			}

		};
	}

	private synchronized void record(String outcome) {
		this.outcomes.add(outcome);
	}

	public synchronized List<String> outcomes() {
		return List.copyOf(this.outcomes);
	}

}
