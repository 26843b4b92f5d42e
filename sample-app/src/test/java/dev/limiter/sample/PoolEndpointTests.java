package dev.limiter.sample;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.core.Promise;
import dev.limiter.core.shedding.AdaptiveConcurrencyLimiter;
import dev.limiter.core.shedding.OverloadException;
import dev.limiter.core.shedding.Shedder;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * {@code GET /pool}, the query behind a small connection pool that {@code scripts/overload-e2e.sh} overloads: it
 * answers, and it is guarded by the {@code pool} load shedder, an adaptive concurrency limit with nothing tuned,
 * while {@code /pool/unprotected} runs the same query without a rule.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class PoolEndpointTests {

	@LocalServerPort
	int port;

	@Autowired
	LoadShedderRegistry shedders;

	@Test
	void poolQueriesAreRefusedWithServiceUnavailableOnceTheLearntLimitIsInFlight() {
		SampleHttp http = new SampleHttp(this.port);
		HttpResponse<String> answered = http.get("/pool");
		assertThat(answered.statusCode()).isEqualTo(200);
		assertThat(answered.body()).startsWith("queried after waiting ");

		Shedder shedder = this.shedders.get("pool", "test");
		assertThat(shedder).isInstanceOf(AdaptiveConcurrencyLimiter.class);
		AdaptiveConcurrencyLimiter pool = (AdaptiveConcurrencyLimiter) shedder;
		assertThat(http.get("/actuator/limiter/pool").body())
			.contains("\"type\":\"adaptive-concurrency\"", "\"limit\":" + pool.limit());

		// the server may answer before the filter has given the request's slot back
		await().atMost(Duration.ofSeconds(10)).until(() -> pool.inFlight() == 0);
		// take every slot of the limit, as that many slow queries would
		List<Promise> inFlight = new ArrayList<>();
		while (pool.inFlight() < pool.limit()) {
			inFlight.add(pool.allow());
		}
		assertThatExceptionOfType(OverloadException.class).isThrownBy(pool::allow);
		HttpResponse<String> refused = http.get("/pool");
		assertThat(refused.statusCode()).isEqualTo(503);
		assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
		assertThat(refused.body()).contains("\"detail\":\"Load shedder 'pool' refused the request");
		assertThat(http.get("/pool/unprotected").statusCode()).as("the same query without a rule").isEqualTo(200);

		inFlight.forEach((call) -> call.reject("test over"));
		await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/pool").statusCode() == 200);
		await().atMost(Duration.ofSeconds(10)).until(() -> pool.inFlight() == 0);
	}

}
