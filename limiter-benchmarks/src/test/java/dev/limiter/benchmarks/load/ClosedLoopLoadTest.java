package dev.limiter.benchmarks.load;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ClosedLoopLoadTest {

	@Test
	void stopsAtTheRequestBudgetAndKeepsTheFirstRefusalsHeaders() throws Exception {
		// a loopback server that answers every third request with a 429 and a RateLimit header
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		AtomicInteger served = new AtomicInteger();
		server.createContext("/", (exchange) -> {
			boolean refuse = served.incrementAndGet() % 3 == 0;
			if (refuse) {
				exchange.getResponseHeaders().add("RateLimit", "\"api\";r=0;t=2");
			}
			exchange.sendResponseHeaders(refuse ? 429 : 200, -1);
			exchange.close();
		});
		server.start();
		try {
			URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/hello");
			ClosedLoopLoad generator = new ClosedLoopLoad(url, 3, Duration.ofSeconds(30), 30, Duration.ofSeconds(5),
					429);
			LoadSummary summary = generator.run("api");
			assertThat(summary.requests()).isEqualTo(30);
			assertThat(summary.ok()).isEqualTo(20);
			assertThat(summary.tooManyRequests()).isEqualTo(10);
			assertThat(summary.other()).isZero();
			assertThat(generator.shownResponse().headers().firstValue("RateLimit")).hasValue("\"api\";r=0;t=2");
		}
		finally {
			server.stop(0);
		}
	}

	@Test
	void refusesTargetsThatAreNotLoopback() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ClosedLoopLoad.requireLoopback(URI.create("http://192.0.2.1:8080/api/hello")))
			.withMessage("url must target a loopback address (was http://192.0.2.1:8080/api/hello)");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ClosedLoopLoad.requireLoopback(URI.create("https://127.0.0.1/")))
			.withMessageStartingWith("url must be http://");
		ClosedLoopLoad.requireLoopback(URI.create("http://localhost:8080/"));
		ClosedLoopLoad.requireLoopback(URI.create("http://[::1]:8080/"));
	}

	@Test
	void parsesNameValuePairs() {
		assertThat(ClosedLoopLoad.parseArgs(new String[] { "--url", "http://localhost/", "--concurrency", "2" }))
			.containsEntry("url", "http://localhost/")
			.containsEntry("concurrency", "2");
		assertThatIllegalArgumentException().isThrownBy(() -> ClosedLoopLoad.parseArgs(new String[] { "--url" }))
			.withMessage("arguments must be --name value pairs (was --url)");
	}

}
