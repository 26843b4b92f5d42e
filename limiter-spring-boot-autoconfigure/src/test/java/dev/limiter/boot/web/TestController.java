package dev.limiter.boot.web;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Endpoints answering each status the filters care about. */
@RestController
class TestController {

	@GetMapping({ "/api/ok", "/other" })
	String ok() {
		return "ok";
	}

	@GetMapping("/api/not-found")
	ResponseEntity<String> notFound() {
		return ResponseEntity.status(404).body("missing");
	}

	@GetMapping("/api/fail")
	ResponseEntity<String> fail() {
		return ResponseEntity.status(500).body("failed");
	}

	@GetMapping("/api/busy")
	ResponseEntity<String> busy() {
		return ResponseEntity.status(503).body("busy");
	}

	@GetMapping("/api/boom")
	String boom() {
		throw new IllegalStateException("boom");
	}

}
