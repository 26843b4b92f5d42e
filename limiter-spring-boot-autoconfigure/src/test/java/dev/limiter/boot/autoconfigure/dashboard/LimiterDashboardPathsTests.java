package dev.limiter.boot.autoconfigure.dashboard;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import dev.limiter.boot.dashboard.LimiterDashboard;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where the page is served: under the context path and the management base path; with a separate management port,
 * there only; nowhere (404, and nothing watches the rate limiters) when the dashboard is disabled or the
 * {@code limiter} endpoint is not exposed on the web.
 */
class LimiterDashboardPathsTests {

	@Test
	void disabledDashboardIsNotFound() throws Exception {
		assertNotServed("limiter.dashboard.enabled=false", "management.endpoints.web.exposure.include=limiter");
	}

	@Test
	void dashboardIsNotFoundWhileTheEndpointIsNotExposed() throws Exception {
		assertNotServed("management.endpoints.web.exposure.include=health");
	}

	@Test
	void dashboardIsNotFoundWhileTheEndpointIsOff() throws Exception {
		assertNotServed("management.endpoints.web.exposure.include=*", "management.endpoint.limiter.access=none");
	}

	@Test
	void dashboardIsServedOnTheManagementPortWhenThereIsOne() throws Exception {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(DashboardTestApplication.class)
			.properties("server.port=0", "management.server.port=0", "limiter.rate-limiters.api.limit=10",
					"management.endpoints.web.exposure.include=limiter")
			.run()) {
			int port = ((WebServerApplicationContext) context).getWebServer().getPort();
			int managementPort = context.getEnvironment().getRequiredProperty("local.management.port", Integer.class);
			HttpClient client = HttpClient.newHttpClient();
			assertThat(client.send(request(managementPort, "/actuator/limiter-dashboard"),
					HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
			assertThat(client.send(request(managementPort, "/actuator/limiter-dashboard/data"),
					HttpResponse.BodyHandlers.ofString()).body()).contains("\"snapshot\"");
			assertThat(client.send(request(port, "/actuator/limiter-dashboard"), HttpResponse.BodyHandlers.discarding())
				.statusCode()).isEqualTo(404);
		}
	}

	@Test
	void pageAndItsLinksFollowTheContextPathAndTheManagementBasePath() throws Exception {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(DashboardTestApplication.class)
			.properties("server.port=0", "server.servlet.context-path=/app", "management.endpoints.web.base-path=/ops",
					"limiter.rate-limiters.api.limit=10", "management.endpoints.web.exposure.include=limiter")
			.run()) {
			int port = ((WebServerApplicationContext) context).getWebServer().getPort();
			HttpClient client = HttpClient.newHttpClient();
			HttpResponse<String> page = client.send(request(port, "/app/ops/limiter-dashboard"),
					HttpResponse.BodyHandlers.ofString());
			assertThat(page.statusCode()).isEqualTo(200);
			assertThat(page.body()).contains("src=\"/app/ops/limiter-dashboard/dashboard.js\"")
				.contains("data-base=\"/app/ops\"");
			assertThat(client.send(request(port, "/app/ops/limiter-dashboard/dashboard.js"),
					HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
			assertThat(client.send(request(port, "/app/ops/limiter-dashboard/data"),
					HttpResponse.BodyHandlers.ofString()).body()).contains("\"snapshot\"");
		}
	}

	private static HttpRequest request(int port, String path) {
		return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
			.timeout(Duration.ofSeconds(10))
			.build();
	}

	private static void assertNotServed(String... properties) throws Exception {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(DashboardTestApplication.class)
			.properties("server.port=0", "limiter.rate-limiters.api.limit=10")
			.properties(properties)
			.run()) {
			int port = ((WebServerApplicationContext) context).getWebServer().getPort();
			HttpClient client = HttpClient.newHttpClient();
			for (String path : new String[] { "/actuator/limiter-dashboard", "/actuator/limiter-dashboard/stream",
					"/actuator/limiter-dashboard/data", "/actuator/limiter-dashboard/dashboard.js" }) {
				HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
					.timeout(Duration.ofSeconds(10))
					.build();
				assertThat(client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode()).as(path)
					.isEqualTo(404);
			}
			assertThat(context.getBeanProvider(LimiterDashboard.class).getIfAvailable()).isNull();
		}
	}

}
