package dev.limiter.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * A runnable showcase of limiter: rate limits, circuit breakers and load shedding configured from
 * {@code application.yml}, one endpoint per feature (see {@code WALKTHROUGH.md}). Runs without Redis; the
 * {@code redis} profile keeps rate-limit state in a local redis-server instead.
 */
@SpringBootApplication
@EnableConfigurationProperties({ DownloadProperties.class, PoolProperties.class })
public class SampleApplication {

	public static void main(String[] args) {
		SpringApplication.run(SampleApplication.class, args);
	}

}
