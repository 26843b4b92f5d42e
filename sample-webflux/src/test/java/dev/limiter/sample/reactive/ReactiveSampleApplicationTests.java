package dev.limiter.sample.reactive;

import java.util.List;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.reactive.context.ReactiveWebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.util.ClassUtils;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The WebFlux sample on a real Netty server, in memory: a reactive application with no servlet class on its class
 * path, whose {@code application.yml} rules answer 429 and 503 as a servlet application's do.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ReactiveSampleApplicationTests {

	@LocalServerPort
	private int port;

	@Test
	void isAReactiveApplicationWithoutAnyServletClass(ApplicationContext context) {
		assertThat(context).isInstanceOf(ReactiveWebServerApplicationContext.class);
		assertThat(WebApplicationType.deduce()).isEqualTo(WebApplicationType.REACTIVE);
		assertThat(ClassUtils.isPresent("jakarta.servlet.Servlet", null)).isFalse();
		assertThat(ClassUtils.isPresent("org.springframework.web.servlet.DispatcherServlet", null)).isFalse();
		assertThat(ClassUtils.isPresent("org.apache.catalina.startup.Tomcat", null)).isFalse();
	}

	@Test
	void quotesAreRateLimitedPerClient() {
		WebTestClient client = client();
		for (int i = 0; i < 5; i++) {
			client.get().uri("/api/quote").exchange().expectStatus().isOk()
				.expectHeader().valueEquals("RateLimit-Policy", "\"quotes\";q=5;w=10");
		}
		client.get().uri("/api/quote").exchange().expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
			.expectHeader().exists("Retry-After")
			.expectHeader().contentType("application/problem+json")
			.expectBody()
			.jsonPath("$.status").isEqualTo(429)
			.jsonPath("$.violated-policies[0]").isEqualTo("quotes");
	}

	@Test
	void aThirdReportInFlightIsShed() {
		WebClient client = WebClient.create("http://localhost:" + this.port);
		List<HttpStatusCode> statuses = Flux.range(0, 3)
			.flatMap((i) -> client.get().uri("/api/report?millis=1000").exchangeToMono((response) -> response
				.releaseBody().thenReturn(response.statusCode())), 3)
			.collectList()
			.block();
		assertThat(statuses).containsExactlyInAnyOrder(HttpStatus.OK, HttpStatus.OK, HttpStatus.SERVICE_UNAVAILABLE);
	}

	@Test
	void aFailingInventoryOpensItsBreaker() {
		WebTestClient client = client();
		for (int i = 0; i < 4; i++) {
			client.get().uri("/api/inventory?fail=true").exchange().expectStatus().is5xxServerError();
		}
		client.get().uri("/api/inventory").exchange().expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
			.expectHeader().exists("Retry-After")
			.expectHeader().contentType("application/problem+json")
			.expectBody()
			.jsonPath("$.detail").isEqualTo("Circuit breaker 'inventory' is open; retry after 10 seconds.");
	}

	private WebTestClient client() {
		return WebTestClient.bindToServer().baseUrl("http://localhost:" + this.port).build();
	}

}
