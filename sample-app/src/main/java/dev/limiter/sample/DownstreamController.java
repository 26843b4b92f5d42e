package dev.limiter.sample;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The circuit-breaker demo: {@code GET /downstream} (with a fallback) and {@code GET /downstream/direct} (without)
 * call the flaky downstream through the {@code downstream} breaker; {@code POST /downstream/failures?enabled=...}
 * switches its failures. A failed call is answered with a 502.
 */
@RestController
class DownstreamController {

	private final DownstreamClient client;

	private final FlakyDownstream downstream;

	DownstreamController(DownstreamClient client, FlakyDownstream downstream) {
		this.client = client;
		this.downstream = downstream;
	}

	@GetMapping(path = "/downstream", produces = "text/plain")
	String fetch() {
		return this.client.fetch();
	}

	@GetMapping(path = "/downstream/direct", produces = "text/plain")
	String fetchWithoutFallback() {
		return this.client.fetchWithoutFallback();
	}

	@PostMapping(path = "/downstream/failures", produces = "text/plain")
	String failures(@RequestParam boolean enabled) {
		this.downstream.setFailing(enabled);
		return "downstream failures " + (enabled ? "enabled" : "disabled") + "\n";
	}

	@ExceptionHandler
	ResponseEntity<String> downstreamFailed(FlakyDownstream.DownstreamException ex) {
		return ResponseEntity.status(HttpStatus.BAD_GATEWAY)
			.contentType(MediaType.TEXT_PLAIN)
			.body(ex.getMessage() + "\n");
	}

}
