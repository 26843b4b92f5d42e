package dev.limiter.boot.dashboard;

import dev.limiter.boot.testing.ThreadTrackingStore;
import dev.limiter.core.ratelimit.InMemoryRateLimitStore;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The dashboard's tap is asked as its store is: WebFlux callers see through it whether the store may block. */
class RateLimiterTapTests {

	@Test
	void saysWhatItsStoreSaysAboutBlocking() {
		assertThat(new RateLimiterTap(InMemoryRateLimitStore.builder().build(), false, 10)
			.decidesAsyncWithoutBlocking()).isTrue();
		assertThat(new RateLimiterTap(ThreadTrackingStore.answeringOn("io"), false, 10).decidesAsyncWithoutBlocking())
			.isTrue();
		assertThat(new RateLimiterTap(ThreadTrackingStore.mayBlock(), false, 10).decidesAsyncWithoutBlocking())
			.isFalse();
	}

}
