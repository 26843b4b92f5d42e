package dev.limiter.sample;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keys over real HTTP (Tomcat hands filters the raw request URI): encoded and parameterised forms of one path
 * share one budget, a key expression that throws and junk X-Forwarded-For headers never fail a request.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "limiter.rate-limiters.by-path.limit=3", "limiter.rate-limiters.by-path.period=1h",
				"limiter.rate-limiters.by-tenant.limit=100", "limiter.rate-limiters.by-tenant.period=1h",
				"limiter.rate-limiters.by-ip.limit=100", "limiter.rate-limiters.by-ip.period=1h",
				"limiter.web.trusted-proxies=127.0.0.1,::1", "limiter.web.rules[0].paths=/api/hello",
				"limiter.web.rules[0].rate-limiter=by-path", "limiter.web.rules[0].key=path",
				"limiter.web.rules[1].paths=/quota/**", "limiter.web.rules[1].rate-limiter=by-tenant",
				"limiter.web.rules[1].key=getIntHeader('X-Tenant')", "limiter.web.rules[2].paths=/quota/**",
				"limiter.web.rules[2].rate-limiter=by-ip", "limiter.web.rules[2].key=ip" })
@DirtiesContext
class KeyRobustnessTests {

	@LocalServerPort
	int port;

	@Autowired
	MeterRegistry meters;

	@Test
	void encodedAndParameterisedPathsShareOneBudget() {
		SampleHttp http = new SampleHttp(this.port);
		assertThat(http.get("/api/hello").statusCode()).isEqualTo(200);
		assertThat(http.get("/api/hell%6F").statusCode()).isEqualTo(200);
		assertThat(http.get("/api/hello;x=1").statusCode()).isEqualTo(200);
		assertThat(http.get("/api/%68ello;jsessionid=2").statusCode()).isEqualTo(429);
	}

	@Test
	void keyExpressionThatThrowsAndJunkForwardedForNeverFailARequest() {
		SampleHttp http = new SampleHttp(this.port);
		String[] junk = { "abc", "", "[::1", "999.1.1.1", "1.2.3.4:abc", "::ffff:", "a,,b", "2001:db8::1%eth0" };
		for (String value : junk) {
			assertThat(http.get("/quota/ping", "X-Api-Key", "robust", "X-Tenant", value, "X-Forwarded-For", value)
				.statusCode()).as(value).isEqualTo(200);
		}
		assertThat(this.meters.get("limiter.key.failures").tag("name", "by-tenant").counter().count())
			.isEqualTo(junk.length);
	}

}
