package dev.limiter.sample;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample app with {@code spring.threads.virtual.enabled=true}: requests run on virtual threads, and the filter
 * limits, the annotation limits and the in-flight cap of the {@code slow} shedder answer as on platform threads.
 * (The {@code virtual-threads} surefire execution of this module's pom also runs every other test class with the
 * property set.) Compiled only on JDK 21+ ({@code src/test/java21}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "spring.threads.virtual.enabled=true")
@Import(VirtualThreadsTests.ThreadController.class)
@DirtiesContext
class VirtualThreadsTests {

	@LocalServerPort
	int port;

	@Test
	void requestsRunOnVirtualThreadsAndLimitsHold() {
		SampleHttp http = new SampleHttp(this.port);
		assertThat(http.get("/test/thread").body()).isEqualTo("virtual");
		for (int i = 0; i < 5; i++) {
			assertThat(http.get("/api/hello").statusCode()).isEqualTo(200);
		}
		assertThat(http.get("/api/hello").statusCode()).isEqualTo(429);
		for (int i = 0; i < 3; i++) {
			assertThat(http.get("/greet/virtual").statusCode()).isEqualTo(200);
		}
		assertThat(http.get("/greet/virtual").statusCode()).isEqualTo(429);
	}

	@Test
	void manyConcurrentRequestsOnVirtualThreadsAreAllAnswered() {
		SampleHttp http = new SampleHttp(this.port);
		List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			responses.add(http.sendAsync("GET", "/greet/user-" + i, null));
		}
		assertThat(responses).allSatisfy((response) -> assertThat(response.join().statusCode()).isEqualTo(200));
	}

	@RestController
	static class ThreadController {

		@GetMapping("/test/thread")
		String thread() {
			return Thread.currentThread().isVirtual() ? "virtual" : "platform";
		}

	}

}
