package dev.limiter.boot.autoconfigure.aot;

import dev.limiter.annotation.CircuitBreaker;
import dev.limiter.annotation.LoadShed;
import dev.limiter.annotation.RateLimited;
import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

import static org.assertj.core.api.Assertions.assertThat;

class LimiterRuntimeHintsTests {

	private final RuntimeHints hints = new RuntimeHints();

	LimiterRuntimeHintsTests() {
		new LimiterRuntimeHints().registerHints(this.hints, getClass().getClassLoader());
	}

	@Test
	void registerHintsShouldCoverEveryLuaScriptOfTheRedisStore() throws Exception {
		Resource[] scripts = new PathMatchingResourcePatternResolver()
			.getResources("classpath*:dev/limiter/core/ratelimit/redis/*.lua");
		assertThat(scripts).extracting(Resource::getFilename)
			.containsExactlyInAnyOrder("token-bucket.lua", "fixed-window.lua", "sliding-window.lua", "prelude.lua",
					"window.lua");
		for (Resource script : scripts) {
			assertThat(RuntimeHintsPredicates.resource()
				.forResource("dev/limiter/core/ratelimit/redis/" + script.getFilename())).accepts(this.hints);
		}
	}

	@Test
	void registerHintsShouldRegisterTheAnnotationTypes() {
		assertThat(RuntimeHintsPredicates.reflection().onType(RateLimited.class)).accepts(this.hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(CircuitBreaker.class)).accepts(this.hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(LoadShed.class)).accepts(this.hints);
	}

}
