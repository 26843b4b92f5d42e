package dev.limiter.boot.testing;

import dev.limiter.core.Promise;
import dev.limiter.core.shedding.OverloadException;
import dev.limiter.core.shedding.Shedder;

/** A test shedder: overloaded or not as told, recording the outcomes reported to it. */
public final class FakeShedder extends RecordingPromise implements Shedder {

	private final String name;

	private volatile boolean overloaded;

	public FakeShedder(String name) {
		this.name = name;
	}

	public void overloaded(boolean overloaded) {
		this.overloaded = overloaded;
	}

	@Override
	public Promise allow() {
		if (this.overloaded) {
			throw new OverloadException(this.name);
		}
		return promise();
	}

}
