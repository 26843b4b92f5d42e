package dev.limiter.sample.reactive;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A small WebFlux application protected by limiter: the rules in {@code application.yml} guard its routes under
 * {@code /api} without a line of limiter code. In memory by default; the {@code redis} profile shares the limits
 * between instances through Redis, decided without blocking an event-loop thread.
 */
@SpringBootApplication
public class ReactiveSampleApplication {

	/**
	 * Starts the sample.
	 * @param args the command line
	 */
	public static void main(String[] args) {
		SpringApplication.run(ReactiveSampleApplication.class, args);
	}

}
