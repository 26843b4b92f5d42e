package dev.limiter.sample.reactive;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import reactor.core.publisher.Mono;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The sample's routes, each guarded by a rule of {@code application.yml}: {@code /api/quote} by a per-client rate
 * limit, {@code /api/report} by a load shedder (it takes a while), {@code /api/inventory} by a circuit breaker (it
 * fails on demand, as a broken downstream would).
 */
@RestController
class QuoteController {

	private static final List<String> QUOTES = List.of("Make it work, make it right, make it fast.",
			"Premature optimization is the root of all evil.", "Simplicity is prerequisite for reliability.");

	@GetMapping("/api/quote")
	Mono<Map<String, String>> quote() {
		return Mono.fromSupplier(() -> Map.of("quote", QUOTES.get(ThreadLocalRandom.current().nextInt(QUOTES.size()))));
	}

	@GetMapping("/api/report")
	Mono<Map<String, Object>> report(@RequestParam(defaultValue = "200") long millis) {
		return Mono.delay(Duration.ofMillis(Math.min(millis, 5000)))
			.map((ignored) -> Map.of("report", "ready", "tookMillis", millis));
	}

	@GetMapping("/api/inventory")
	Mono<Map<String, Object>> inventory(@RequestParam(defaultValue = "false") boolean fail) {
		if (fail) {
			return Mono.error(new IllegalStateException("inventory service unavailable"));
		}
		return Mono.just(Map.of("items", 42));
	}

}
